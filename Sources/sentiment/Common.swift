import ArgumentParser
import ClassifierStore
import CorpusIO
import Foundation
import SentimentClassifier
import SentimentKit

extension ModelReference: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
    public static var defaultValueDescription: String { "NAME[@VERSION]" }
}

/// Options for reading a corpus file.
struct CorpusReadingOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Corpus format: csv, tsv, jsonl, fasttext, phrasebank or lines (default: from the file extension).",
                               valueName: "format"))
    var inputFormat: CorpusFormat?

    @Option(help: ArgumentHelp("CSV/TSV column or JSON key holding the text.", valueName: "name"))
    var textColumn = "text"

    @Option(help: ArgumentHelp("CSV/TSV column or JSON key holding the label.", valueName: "name"))
    var labelColumn = "label"

    func corpusOptions(requireLabels: Bool, defaultFormat: CorpusFormat? = nil) -> CorpusOptions {
        CorpusOptions(format: inputFormat ?? defaultFormat, textColumn: textColumn, labelColumn: labelColumn,
                      requireLabels: requireLabels)
    }
}

extension CorpusFormat: ExpressibleByArgument {}

/// Reads a labelled corpus whole (training, evaluation).
func readLabelledCorpus(_ path: String, _ options: CorpusReadingOptions) throws -> Corpus {
    let corpus = try CorpusFile.readAll(path: path, options: options.corpusOptions(requireLabels: true))
    guard corpus.hasLabels else { throw CorpusError(file: path, problem: .noLabels(format: corpus.format)) }
    return corpus
}

/// The corpus identity hash: SHA-256 over the documents (text and label, each prefixed by its UTF-8 length as a
/// little-endian UInt64), so the same content read from another path or format is not imported twice.
struct CorpusHasher {
    private var h = SHA256()
    mutating func add(text: String, label: String) {
        field(text)
        field(label)
    }
    private mutating func field(_ s: String) {
        var n = UInt64(s.utf8.count).littleEndian
        withUnsafeBytes(of: &n) { h.update($0) }
        h.update(s)
    }
    mutating func hex() -> String { SHA256.hexString(h.finalize()) }
}

/// A corpus's store name (its file stem) and absolute source path.
func corpusNameAndPath(_ path: String) -> (name: String, sourcePath: String) {
    let shown = path == "-" ? "<stdin>" : path
    let file = (shown as NSString).lastPathComponent
    let name = (file as NSString).deletingPathExtension.isEmpty ? file : (file as NSString).deletingPathExtension
    let absolute = path == "-" ? shown : URL(fileURLWithPath: path).standardizedFileURL.path
    return (name, absolute)
}

/// The store's form of a corpus (see `CorpusHasher` for its identity).
func newCorpus(_ corpus: Corpus) -> NewCorpus {
    var h = CorpusHasher()
    var docs: [CorpusDocument] = []
    docs.reserveCapacity(corpus.count)
    for i in 0..<corpus.count {
        h.add(text: corpus.texts[i], label: corpus.labels[i])
        docs.append(CorpusDocument(text: corpus.texts[i], label: corpus.labels[i], line: corpus.lines[i]))
    }
    let (name, absolute) = corpusNameAndPath(corpus.path)
    return NewCorpus(name: name, sourcePath: absolute, format: corpus.format.rawValue, sha256: h.hex(), documents: docs)
}

/// Imports a corpus (content already in the store is not imported again). A new corpus whose file name is already
/// taken by other content gets the next free `NAME-2`, `NAME-3`…, so `corpora show NAME` stays unambiguous.
func importCorpus(_ db: SentimentStore, _ corpus: NewCorpus) throws -> CorpusInfo {
    try db.importCorpus(corpus, renamingIfTaken: true)
}

/// Loads the named model, or the active one when `reference` is nil.
func loadClassifier(_ store: SentimentStore, _ reference: ModelReference?) throws -> (SentimentClassifier, ModelInfo) {
    let stored: StoredModel
    if let reference {
        stored = try store.loadModel(name: reference.name, version: reference.version)
    } else {
        guard let active = try store.loadActiveModel() else {
            throw CLIFailure.notFound("no active model in \(store.path); train one (sentiment train --corpus FILE) or name one with --model")
        }
        stored = active
    }
    return (try SentimentClassifier(stored: stored), stored.info)
}

/// Writes text to standard output at once (small outputs).
func emit(_ text: String) {
    var out = StandardOutput()
    out.write(text.hasSuffix("\n") ? text : text + "\n")
    out.flush()
}

/// ISO-8601 date (`2026-11-24`, taken as UTC midnight) or date-time (`2026-11-24T10:30:00Z`, with an offset).
func parseDate(_ text: String, flag: String) throws -> (date: Date, dateOnly: Bool) {
    let full = ISO8601DateFormatter()
    if let d = full.date(from: text) { return (d, false) }
    let frac = ISO8601DateFormatter()
    frac.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    if let d = frac.date(from: text) { return (d, false) }
    let day = ISO8601DateFormatter()
    day.formatOptions = [.withFullDate]
    if text.count == 10, let d = day.date(from: text) { return (d, true) }
    throw CLIFailure.usage("\(flag): cannot parse date \"\(text)\" (expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)")
}

/// A date as ISO 8601 in UTC with seconds.
func isoText(_ date: Date) -> String {
    let f = ISO8601DateFormatter()
    return f.string(from: date)
}

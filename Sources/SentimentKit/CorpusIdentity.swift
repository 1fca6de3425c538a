import ClassifierStore
import CorpusIO
import Foundation

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

/// Names for a corpus whose file name another corpus has taken: its folder and file name (`financial-tweets-train`
/// for `…/financial-tweets/train.csv`), so train.csv and test.csv of several data sets stay recognisable; the
/// store falls back to `NAME-2` when that is taken too.
func alternativeCorpusNames(_ sourcePath: String) -> [String] {
    guard sourcePath != "<stdin>" else { return [] }
    let url = URL(fileURLWithPath: sourcePath)
    let folder = url.deletingLastPathComponent().lastPathComponent
    let stem = url.deletingPathExtension().lastPathComponent
    guard !folder.isEmpty, folder != "/", folder != ".", !stem.isEmpty else { return [] }
    return ["\(folder)-\(stem)"]
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
    return NewCorpus(name: name, alternativeNames: alternativeCorpusNames(absolute), sourcePath: absolute, format: corpus.format.rawValue, sha256: h.hex(), documents: docs)
}

/// Reads a labelled corpus whole (training, evaluation); a file without labels is an error naming it.
public func readLabelledCorpus(_ path: String, _ options: CorpusOptions) throws -> Corpus {
    var options = options
    options.requireLabels = true
    let corpus = try CorpusFile.readAll(path: path, options: options)
    guard corpus.hasLabels else { throw CorpusError(file: path, problem: .noLabels(format: corpus.format)) }
    return corpus
}

extension SentimentService {
    /// Imports a corpus (content already in the store is not imported again). A new corpus whose file name is
    /// already taken by other content gets the next free `NAME-2`, `NAME-3`…, so `corpora show NAME` stays
    /// unambiguous.
    func importCorpus(_ corpus: Corpus) throws -> CorpusInfo {
        try store.importCorpus(newCorpus(corpus), renamingIfTaken: true)
    }
}

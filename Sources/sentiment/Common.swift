import ArgumentParser
import CorpusIO
import Foundation
import SentimentClassifier
import SentimentKit

extension ModelReference: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
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

    func corpusOptions(requireLabels: Bool = true, defaultFormat: CorpusFormat? = nil) -> CorpusOptions {
        CorpusOptions(format: inputFormat ?? defaultFormat, textColumn: textColumn, labelColumn: labelColumn,
                      requireLabels: requireLabels)
    }
}

extension CorpusFormat: ExpressibleByArgument {}

/// Writes human-readable text (tables, summaries) with every control character from users' data escaped.
func emitText(_ text: String) {
    emit(terminalSafe(text, keepingNewlines: true))
}

/// Writes text to standard output at once (small outputs).
func emit(_ text: String) {
    var out = StandardOutput()
    out.write(text.hasSuffix("\n") ? text : text + "\n")
    out.flush()
}

/// ISO-8601 date (`2026-11-24`, taken as UTC midnight) or date-time (`2026-11-24T10:30:00Z`, with an offset).
func parseDate(_ text: String, flag: String) throws -> (date: Date, dateOnly: Bool) {
    guard let parsed = parseTimestamp(text) else {
        throw CLIFailure.usage("\(flag): cannot parse date \"\(text)\" (expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)")
    }
    return parsed
}

/// A date as ISO 8601 in UTC with seconds.
func isoText(_ date: Date) -> String { isoTimestamp(date) }

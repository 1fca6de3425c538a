import ArgumentParser
import CorpusIO
import Foundation
import SentimentClassifier
import SentimentKit
import TextFeatures

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

    @Option(help: ArgumentHelp("""
        CSV/TSV field delimiter: ',' ';' tab '|' or another single character (default: the one of these that \
        gives the header a text column).
        """, valueName: "char"))
    var delimiter: Delimiter?

    @Option(help: ArgumentHelp("""
        Character encoding (default: UTF-8, or UTF-16 when the file starts with its byte-order mark; utf-16 \
        requires one).
        """, valueName: "name"))
    var encoding: TextEncoding?

    func corpusOptions(requireLabels: Bool = true, defaultFormat: CorpusFormat? = nil) -> CorpusOptions {
        // A delimiter says the input is delimited, also where the default would be one text per line.
        let fallback = delimiter != nil && defaultFormat == .lines ? .csv : defaultFormat
        return CorpusOptions(format: inputFormat ?? fallback, textColumn: textColumn, labelColumn: labelColumn,
                             requireLabels: requireLabels, delimiter: delimiter?.byte, encoding: encoding)
    }
}

/// A CSV/TSV field delimiter as given on the command line: one ASCII character, or `tab` / `\t`.
struct Delimiter: ExpressibleByArgument {
    let byte: UInt8

    init?(argument: String) {
        switch argument.lowercased() {
        case "tab", "\\t", "\t": byte = 0x09
        case "comma": byte = 0x2C
        case "semicolon": byte = 0x3B
        case "pipe": byte = 0x7C
        default:
            // A quote, a line break or NUL cannot separate fields.
            guard argument.utf8.count == 1, let b = argument.utf8.first, b < 0x80,
                  ![0x22, 0x0A, 0x0D, 0x00].contains(b) else { return nil }
            byte = b
        }
    }
}

extension TextEncoding: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
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

/// What a model's tokenizer does beyond the original options (`TokenizerConfig.adapted(to:)`), in words for a table;
/// nil when nothing.
func tokenizerText(_ t: TokenizerConfig) -> String? {
    let parts = (t.normalizeArabic ? ["Arabic spelling variants read as one"] : []) + (t.keepEmoticons ? ["emoticons kept"] : [])
        + (t.reduceElongation ? ["elongated words shortened"] : [])
        + (t.markParentheses ? ["bracketed Japanese marked"] : [])
        + (t.japaneseTopicChanges ? ["Japanese topic-and-change tokens"] : [])
    return parts.isEmpty ? nil : parts.joined(separator: ", ")
}

/// The polarity lexicon a model's tokenizer counts, in words for a table; nil when none.
func lexiconText(_ t: TokenizerConfig) -> String? {
    guard let name = t.polarityLexicon else { return nil }
    guard let l = PolarityLexicon.named(name) else { return name }
    return "\(name): \(grouped(l.positiveCount)) positive and \(grouped(l.negativeCount)) negative words (Lexicons/en), as <lex+> and <lex->"
}

/// The change list a model's tokenizer pairs with subjects, in words for a table; nil when none.
func changesText(_ t: TokenizerConfig) -> String? {
    guard let name = t.changeLexicon else { return nil }
    guard let l = ChangeLexicon.named(name) else { return name }
    return "\(name): \(l.upCount) up and \(l.downCount) down words (Lexicons/en), paired with the words before them as <costs→up>"
}

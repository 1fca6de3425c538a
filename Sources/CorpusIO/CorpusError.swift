/// A problem found while reading a corpus. Its `description` is one line a user can act on:
/// `FILE:LINE: problem`, or `FILE: problem` when no single line is to blame.
public struct CorpusError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong.
    public enum Problem: Equatable, Sendable {
        /// The path does not exist.
        case fileNotFound
        /// The path names a directory, not a file.
        case isDirectory
        /// The file exists but could not be opened or read (the reason comes from the system).
        case unreadable(reason: String)
        /// The file has no content at all (or only a byte-order mark / blank lines).
        case emptyFile
        /// The file has content but no records (for example a CSV header without rows).
        case noRecords
        /// A CSV/TSV header lacks a requested column; `available` lists the header's columns.
        case missingColumn(name: String, available: [String])
        /// The header names a column this reader uses more than once (1-based positions).
        case duplicateColumn(name: String, positions: [Int])
        /// A JSON object names a key more than once.
        case duplicateKey(name: String)
        /// A comma before `}` or `]` (JSON allows none).
        case trailingComma
        /// A JSON line lacks a requested key; `available` lists the object's keys (sorted).
        case missingKey(name: String, available: [String])
        /// A JSON value has the wrong type (for example a number where text is expected).
        case invalidValue(key: String, expected: String)
        /// The line is not a JSON object.
        case invalidJSON
        /// Labels are required but this format (or file) cannot carry them.
        case noLabels(format: CorpusFormat)
        /// A record has no label where one is required (fastText without `__label__`, PhraseBank without `@`).
        case missingLabel(expected: String)
        /// A quoted CSV field is never closed; the line is where the quoted field started.
        case unterminatedQuote
        /// Characters follow the closing quote of a quoted field (`"abc"def`).
        case textAfterClosingQuote
        /// The bytes are not valid UTF-8; `byteOffset` is the 0-based offset of the first bad byte in the file.
        case invalidUTF8(byteOffset: Int)
        /// A NUL byte (binary data or UTF-16 text); `byteOffset` is its 0-based offset in the file.
        case nulByte(byteOffset: Int)
        /// The text of a record is empty or only whitespace.
        case emptyText
        /// The label of a record is empty or only whitespace.
        case emptyLabel
        /// A CSV/TSV row has a different number of fields than the header.
        case wrongFieldCount(expected: Int, found: Int)
        /// A record (or the header) is longer than `limit` bytes: no line break (or closing quote) within them.
        case recordTooLong(limit: Int)
        /// Training needs at least `required` distinct labels; `found` lists the ones present (sorted).
        case tooFewLabels(found: [String], required: Int)
        /// Bytes that are not UTF-16 (an unpaired surrogate, an odd byte at the end); 0-based offset in the file.
        case invalidUTF16(byteOffset: Int)
        /// `utf-16` was asked for but the file does not start with a byte-order mark.
        case missingByteOrderMark
        /// The header gives the text column `name` with more than one of `delimiters`, split differently.
        case ambiguousDelimiter(name: String, delimiters: [UInt8])
        /// A delimiter was given for a format that has none.
        case delimiterNotApplicable(format: CorpusFormat)
    }

    /// A CSV/TSV header as it was read, for errors about its columns: what the user sees in their file, the
    /// delimiter it was split with, and another delimiter to suggest.
    public struct HeaderAsRead: Equatable, Sendable {
        /// The header line, without its line break.
        public var text: String
        /// The delimiter the header was split with.
        public var delimiter: UInt8
        /// The columns that gives.
        public var columns: [String]
        /// Another delimiter that gives the missing column (or failing that, the most columns), when one does.
        public var suggested: UInt8?
        /// The columns `suggested` gives.
        public var suggestedColumns: [String]

        public init(text: String, delimiter: UInt8, columns: [String], suggested: UInt8? = nil,
                    suggestedColumns: [String] = []) {
            self.text = text
            self.delimiter = delimiter
            self.columns = columns
            self.suggested = suggested
            self.suggestedColumns = suggestedColumns
        }
    }

    /// The path as given by the caller (`-` for standard input).
    public var file: String
    /// 1-based line number, when one line is to blame.
    public var line: Int?
    /// What went wrong.
    public var problem: Problem
    /// The header as read, for a missing column or an ambiguous delimiter in a CSV/TSV file.
    public var header: HeaderAsRead?

    public init(file: String, line: Int? = nil, problem: Problem, header: HeaderAsRead? = nil) {
        self.file = file
        self.line = line
        self.problem = problem
        self.header = header
    }

    /// How a delimiter is written in a message: `','`, `'\t'`.
    static func shown(_ d: UInt8) -> String {
        d == 0x09 ? "'\\t'" : "'\(Character(Unicode.Scalar(d)))'"
    }

    /// How a user gives a delimiter on the command line: `--delimiter ';'`, `--delimiter tab`.
    static func option(_ d: UInt8) -> String {
        d == 0x09 ? "--delimiter tab" : "--delimiter '\(Character(Unicode.Scalar(d)))'"
    }

    static func quotedList(_ names: [String]) -> String {
        names.map { "\"\($0)\"" }.joined(separator: ", ")
    }

    /// The header quoted with its tabs visible, cut to a length a terminal line shows.
    static func shownHeader(_ text: String) -> String {
        var s = ""
        for c in text.prefix(200) { if c == "\t" { s += "\\t" } else { s.append(c) } }
        if text.count > 200 { s += "…" }
        return "\"\(s)\""
    }

    private func missingColumnText(_ name: String, _ h: HeaderAsRead) -> String {
        let n = h.columns.count
        var text = "missing column \"\(name)\": the header reads \(Self.shownHeader(h.text)) "
            + "(\(n) column\(n == 1 ? "" : "s"), delimiter \(Self.shown(h.delimiter)))"
        let flag = name == "label" ? "--label-column" : "--text-column"
        if let d = h.suggested {
            if h.suggestedColumns.contains(where: { $0.trimmingASCIISpaces().lowercased() == name.trimmingASCIISpaces().lowercased() }) {
                text += "; did you mean \(Self.option(d))?"
            } else {
                text += "; with \(Self.option(d)) it has the columns \(Self.quotedList(h.suggestedColumns)): "
                    + "give that and name the column with \(flag)"
            }
        } else if n > 1 {
            text += ": \(Self.quotedList(h.columns)); name the column with \(flag)"
        } else {
            text += "; name the column with \(flag), or give --delimiter"
        }
        return text
    }

    /// `FILE:LINE: problem` or `FILE: problem`, on one line.
    public var description: String {
        let name = file == "-" ? "<stdin>" : file
        if let line { return "\(name):\(line): \(problemText)" }
        return "\(name): \(problemText)"
    }

    /// The problem alone, without file and line.
    public var problemText: String {
        switch problem {
        case .fileNotFound: return "no such file"
        case .isDirectory: return "is a directory, not a corpus file"
        case .unreadable(let reason): return "cannot read file: \(reason)"
        case .emptyFile: return "file is empty"
        case .noRecords: return "no records (the file has a header but no rows)"
        case .missingColumn(let name, _) where header != nil:
            return missingColumnText(name, header!)
        case .missingColumn(let name, let available):
            return "missing column \"\(name)\" (columns: \(available.map { "\"\($0)\"" }.joined(separator: ", ")))"
        case .missingKey(let name, let available):
            return "missing key \"\(name)\" (keys: \(available.map { "\"\($0)\"" }.joined(separator: ", ")))"
        case .invalidValue(let key, let expected): return "value of \"\(key)\" must be \(expected)"
        case .duplicateColumn(let name, let positions):
            return "column \"\(name)\" appears \(positions.count) times in the header (columns \(positions.map(String.init).joined(separator: ", "))); rename all but one"
        case .duplicateKey(let name): return "key \"\(name)\" appears more than once in the object"
        case .trailingComma: return "invalid JSON: a comma before } or ]"
        case .invalidJSON: return "invalid JSON (expected one JSON object per line)"
        case .noLabels(let format):
            return "format \(format.rawValue) has no labels, but labels are required"
        case .missingLabel(let expected): return "missing label (expected \(expected))"
        case .unterminatedQuote: return "unterminated quoted field (the closing \" is missing)"
        case .textAfterClosingQuote:
            return "unexpected text after the closing quote of a quoted field (write a quote inside a field as \"\")"
        case .invalidUTF8(let offset):
            return "invalid UTF-8 at byte offset \(offset) (a Latin-1 or Windows-1252 file? "
                + "read it with --encoding latin1 or --encoding windows-1252)"
        case .nulByte(let offset):
            return "NUL byte at byte offset \(offset) (a binary file, or UTF-16 without a byte-order mark? "
                + "try --encoding utf-16le or utf-16be)"
        case .invalidUTF16(let offset): return "invalid UTF-16 at byte offset \(offset)"
        case .missingByteOrderMark:
            return "no UTF-16 byte-order mark at the start of the file; give --encoding utf-16le or utf-16be"
        case .ambiguousDelimiter(let name, let delimiters):
            let header = header.map { "the header \(Self.shownHeader($0.text))" } ?? "the header"
            return "\(header) has a \"\(name)\" column with delimiter "
                + delimiters.map(Self.shown).joined(separator: " and with ") + "; give one with --delimiter"
        case .delimiterNotApplicable(let format):
            return "a delimiter applies to CSV/TSV, not to format \(format.rawValue) (give --input-format csv)"
        case .emptyText: return "empty text"
        case .emptyLabel: return "empty label"
        case .wrongFieldCount(let expected, let found):
            return "expected \(expected) field\(expected == 1 ? "" : "s") (as in the header), found \(found)"
        case .recordTooLong(let limit):
            return "record longer than \(limit) bytes, the most one may have (a file without line breaks, or a quoted field that is never closed?)"
        case .tooFewLabels(let found, let required):
            if found.isEmpty { return "no labels found; training needs at least \(required) distinct labels" }
            let listed = found.map { "\"\($0)\"" }.joined(separator: ", ")
            let what = found.count == 1 ? "only one distinct label (\(listed))" : "only \(found.count) distinct labels (\(listed))"
            return "\(what) found; training needs at least \(required) distinct labels"
        }
    }
}

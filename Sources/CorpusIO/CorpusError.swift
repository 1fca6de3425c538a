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
        /// Training needs at least `required` distinct labels; `found` lists the ones present (sorted).
        case tooFewLabels(found: [String], required: Int)
    }

    /// The path as given by the caller (`-` for standard input).
    public var file: String
    /// 1-based line number, when one line is to blame.
    public var line: Int?
    /// What went wrong.
    public var problem: Problem

    public init(file: String, line: Int? = nil, problem: Problem) {
        self.file = file
        self.line = line
        self.problem = problem
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
        case .invalidUTF8(let offset): return "invalid UTF-8 at byte offset \(offset)"
        case .nulByte(let offset): return "NUL byte at byte offset \(offset) (binary or UTF-16 file?)"
        case .emptyText: return "empty text"
        case .emptyLabel: return "empty label"
        case .wrongFieldCount(let expected, let found):
            return "expected \(expected) field\(expected == 1 ? "" : "s") (as in the header), found \(found)"
        case .tooFewLabels(let found, let required):
            if found.isEmpty { return "no labels found; training needs at least \(required) distinct labels" }
            let listed = found.map { "\"\($0)\"" }.joined(separator: ", ")
            let what = found.count == 1 ? "only one distinct label (\(listed))" : "only \(found.count) distinct labels (\(listed))"
            return "\(what) found; training needs at least \(required) distinct labels"
        }
    }
}

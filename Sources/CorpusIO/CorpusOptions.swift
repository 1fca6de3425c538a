/// How to read a corpus file.
public struct CorpusOptions: Sendable, Equatable {
    /// The format; `nil` infers it from the path and the first bytes (see `CorpusFormat.infer`).
    public var format: CorpusFormat?
    /// The CSV/TSV column (or JSON key) holding the text.
    public var textColumn: String
    /// The CSV/TSV column (or JSON key) holding the label.
    public var labelColumn: String
    /// When `true` every record must carry a label (training, evaluation). When `false` labels are read where the
    /// file has them (CSV label column present, JSON key present on the first record, ...) and otherwise left `nil`.
    public var requireLabels: Bool
    /// The CSV/TSV field delimiter; `nil` picks the one of `,` `;` tab `|` that gives the header a text column
    /// (the format's own first: `,` for CSV, tab for TSV).
    public var delimiter: UInt8?
    /// The file's character encoding; `nil` reads UTF-8, or UTF-16 when the file starts with its byte-order mark.
    public var encoding: TextEncoding?
    /// When `true` a blank line is a row with an empty text (an invalid row, like `""`), so rows keep their place;
    /// blank lines that end the file are not rows. When `false` (training) blank lines are skipped.
    public var blankLinesAreRows = false
    /// Whether records carry the input's other columns (`CorpusRecord.columns`) for output that joins back.
    public var keepColumns = false
    /// Read no labels: the label column (or key) is an ordinary column (prediction, where labels are not used and an
    /// empty one is no problem). fastText and PhraseBank labels are part of the line and still read.
    public var ignoreLabels = false

    public init(format: CorpusFormat? = nil, textColumn: String = "text", labelColumn: String = "label",
                requireLabels: Bool = true, delimiter: UInt8? = nil, encoding: TextEncoding? = nil) {
        self.format = format
        self.textColumn = textColumn
        self.labelColumn = labelColumn
        self.requireLabels = requireLabels
        self.delimiter = delimiter
        self.encoding = encoding
    }

    /// The delimiters tried on a header when none is given, in this order after the format's own.
    public static let detectedDelimiters: [UInt8] = [0x2C, 0x3B, 0x09, 0x7C]
}

/// One record of a corpus.
public struct CorpusRecord: Sendable, Equatable {
    /// The text, exactly as in the file (quotes undone, no trimming).
    public var text: String
    /// The label (surrounding whitespace trimmed), or `nil` when the file carries none.
    public var label: String?
    /// 1-based line number of the line where the record starts.
    public var line: Int
    /// The other columns, in the input's order, with `CorpusOptions.keepColumns` (else empty): CSV/TSV fields
    /// other than the text, JSON members other than the text, a fastText or PhraseBank label.
    public var columns: [CorpusField]

    public init(text: String, label: String?, line: Int, columns: [CorpusField] = []) {
        self.text = text
        self.label = label
        self.line = line
        self.columns = columns
    }
}

/// One of a record's other columns.
public struct CorpusField: Sendable, Equatable {
    public var name: String
    /// The value: a CSV/TSV field or a JSON string as text; any other JSON value as its JSON text.
    public var value: String
    /// Whether `value` is JSON text (a number, `true`, `false`, `null`, an array or an object).
    public var isJSON: Bool

    public init(name: String, value: String, isJSON: Bool = false) {
        self.name = name
        self.value = value
        self.isJSON = isJSON
    }
}

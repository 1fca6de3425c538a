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

    public init(text: String, label: String?, line: Int) {
        self.text = text
        self.label = label
        self.line = line
    }
}

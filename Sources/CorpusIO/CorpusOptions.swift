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

    public init(format: CorpusFormat? = nil, textColumn: String = "text", labelColumn: String = "label",
                requireLabels: Bool = true) {
        self.format = format
        self.textColumn = textColumn
        self.labelColumn = labelColumn
        self.requireLabels = requireLabels
    }
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

/// A whole corpus in memory, as parallel arrays.
public struct Corpus: Sendable, Equatable {
    /// The path it was read from (`-` for standard input).
    public var path: String
    /// The format it was read as.
    public var format: CorpusFormat
    /// The texts, in file order.
    public var texts: [String]
    /// The labels, parallel to `texts`; empty when the file carries no labels.
    public var labels: [String]
    /// 1-based line where each record starts, parallel to `texts`.
    public var lines: [Int]

    public init(path: String, format: CorpusFormat, texts: [String], labels: [String], lines: [Int]) {
        self.path = path
        self.format = format
        self.texts = texts
        self.labels = labels
        self.lines = lines
    }

    /// Number of records.
    public var count: Int { texts.count }
    /// Whether every record has a label.
    public var hasLabels: Bool { !labels.isEmpty }

    /// How often each label occurs.
    public var labelCounts: [String: Int] {
        var counts: [String: Int] = [:]
        for label in labels { counts[label, default: 0] += 1 }
        return counts
    }

    /// The distinct labels, sorted.
    public var distinctLabels: [String] { labelCounts.keys.sorted() }

    /// The records as values.
    public var records: [CorpusRecord] {
        texts.indices.map { CorpusRecord(text: texts[$0], label: hasLabels ? labels[$0] : nil, line: lines[$0]) }
    }

    /// Throws unless the corpus has labels with at least `atLeast` distinct values.
    public func requireDistinctLabels(atLeast: Int = 2) throws {
        guard hasLabels else { throw CorpusError(file: path, problem: .noLabels(format: format)) }
        let found = distinctLabels
        if found.count < atLeast {
            throw CorpusError(file: path, problem: .tooFewLabels(found: found, required: atLeast))
        }
    }

    /// Checks a training corpus: labels present and at least two distinct labels.
    public func validateTrainingLabels() throws {
        try requireDistinctLabels(atLeast: 2)
    }
}

import Foundation

/// One labeled document of a corpus, with its line in the source file.
public struct CorpusDocument: Equatable, Sendable {
    public var text: String
    public var label: String
    public var line: Int
    public init(text: String, label: String, line: Int) {
        self.text = text
        self.label = label
        self.line = line
    }
}

/// A corpus to import: its description and documents. `sha256` is the hex SHA-256 of the file content.
public struct NewCorpus: Sendable {
    public var name: String
    /// Names to try, in order, when `name` is taken by other content (before `NAME-2`, `NAME-3`…).
    public var alternativeNames: [String]
    public var sourcePath: String
    public var format: String
    public var sha256: String
    public var documents: [CorpusDocument]
    public init(name: String, alternativeNames: [String] = [], sourcePath: String, format: String, sha256: String,
                documents: [CorpusDocument]) {
        self.name = name
        self.alternativeNames = alternativeNames
        self.sourcePath = sourcePath
        self.format = format
        self.sha256 = sha256
        self.documents = documents
    }
}

/// A stored corpus (without its documents).
public struct CorpusInfo: Equatable, Sendable {
    public var id: Int64
    public var name: String
    public var sourcePath: String
    public var format: String
    public var sha256: String
    public var rowCount: Int
    /// Documents per label.
    public var labelCounts: [String: Int]
    public var importedAt: Date

    public init(id: Int64, name: String, sourcePath: String, format: String, sha256: String, rowCount: Int, labelCounts: [String: Int], importedAt: Date) {
        self.id = id
        self.name = name
        self.sourcePath = sourcePath
        self.format = format
        self.sha256 = sha256
        self.rowCount = rowCount
        self.labelCounts = labelCounts
        self.importedAt = importedAt
    }
}

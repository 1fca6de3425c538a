/// A model named as `NAME` (its newest version) or `NAME@VERSION`.
public struct ModelReference: Hashable, Sendable, CustomStringConvertible {
    public var name: String
    public var version: Int?

    public init(name: String, version: Int? = nil) {
        self.name = name
        self.version = version
    }

    /// Parses `NAME` or `NAME@VERSION` (version ≥ 1); nil for anything else.
    public init?(parsing text: String) {
        if let at = text.lastIndex(of: "@") {
            let name = String(text[..<at])
            guard !name.isEmpty, let v = Int(text[text.index(after: at)...]), v >= 1 else { return nil }
            self.init(name: name, version: v)
        } else {
            guard !text.isEmpty else { return nil }
            self.init(name: text)
        }
    }

    public var description: String { version.map { "\(name)@\($0)" } ?? name }
}

/// The rules for model names and versions, the same in every front end and backend.
public enum ModelName {
    /// Longest name, in UTF-8 bytes.
    public static let maxBytes = 200
    /// Highest version a store assigns; a name that has used it takes no more versions (never wraps).
    public static let maxVersion = Int(Int32.max)

    /// Why `name` cannot name a model (a phrase to follow "model name …"), or nil when it can.
    public static func problem(_ name: String) -> String? {
        if name.isEmpty { return "is empty" }
        if name.contains("@") { return "contains '@' (it separates name and version, as in news@2)" }
        if name.trimmingCharacters(in: .whitespacesAndNewlines) != name { return "has surrounding spaces" }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) {
            return "contains control characters"
        }
        if name.utf8.count > maxBytes { return "is longer than \(maxBytes) bytes" }
        return nil
    }

    /// The version a new model of a name gets: `requested` (a portable file's version) when it is higher than
    /// every version the name used and at most `maxVersion`, else the next one; nil when the name has used
    /// `maxVersion`.
    public static func nextVersion(after last: Int, requested: Int?) -> Int? {
        if let requested, requested > last, requested <= maxVersion { return requested }
        return last < maxVersion ? max(last, 0) + 1 : nil
    }
}

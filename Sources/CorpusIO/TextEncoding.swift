/// The character encodings a corpus file can be read in. Everything is turned into UTF-8 as it is read; UTF-8 itself
/// is read as is (the fast path), other encodings go through a `Transcoder`.
public enum TextEncoding: String, CaseIterable, Sendable, Equatable {
    case utf8 = "utf-8"
    /// ISO 8859-1: every byte is the code point of the same value.
    case latin1
    /// Windows-1252 (what Excel on Windows writes for "CSV"): Latin-1 with printable characters (€, ‘ ’ “ ”, –, …)
    /// in 0x80–0x9F; the five bytes it leaves undefined are read as the C1 controls of the same value (WHATWG).
    case windows1252 = "windows-1252"
    /// UTF-16 with a byte-order mark saying which byte order.
    case utf16 = "utf-16"
    case utf16LE = "utf-16le"
    case utf16BE = "utf-16be"

    /// Reads a name as users write it: `utf8`, `UTF-8`, `latin-1`, `iso-8859-1`, `cp1252`, `utf16le`, …
    public init?(name: String) {
        let folded = name.lowercased().filter { $0 != "-" && $0 != "_" && $0 != " " }
        switch folded {
        case "utf8": self = .utf8
        case "latin1", "iso88591", "l1": self = .latin1
        case "windows1252", "cp1252", "win1252": self = .windows1252
        case "utf16": self = .utf16
        case "utf16le": self = .utf16LE
        case "utf16be": self = .utf16BE
        default: return nil
        }
    }
}

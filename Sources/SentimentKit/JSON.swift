import Foundation

/// The one JSON encoding of the product: sorted keys and unescaped slashes, so the same value always gives the same
/// bytes (stored models, exported files, API and CLI output).
public func canonicalJSON<T: Encodable>(_ value: T, pretty: Bool = false) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                                      : [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

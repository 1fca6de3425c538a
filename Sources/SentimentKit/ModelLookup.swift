import ClassifierStore

/// A model that is not in the store, with what is: the store's path, the names it has and the closest one.
public struct ModelNotFound: Error, CustomStringConvertible, Equatable, Sendable {
    public var reference: String
    public var store: String
    public var known: [String]
    public var suggestion: String?

    public var description: String {
        var s = "model not found: \(reference) in \(store)"
        if let suggestion { s += "; did you mean \(suggestion)?" }
        s += known.isEmpty ? " (it has no models)" : " (models: \(known.joined(separator: ", ")))"
        return s
    }
}

extension SentimentService {
    /// Runs `body`, turning the store's bare "model not found" into `ModelNotFound` with the store's path, its
    /// model names and the closest one.
    public func withModelContext<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch StoreError.modelNotFound(let reference) where !reference.hasPrefix("#") {
            let infos = (try? store.models()) ?? []
            var names: [String] = []
            for info in infos where !names.contains(info.name) { names.append(info.name) }
            let wanted = reference.split(separator: "@").first.map(String.init) ?? reference
            var suggestion: String? = nil
            if names.contains(wanted) {
                // The name exists, the version does not: name the versions.
                let versions = infos.filter { $0.name == wanted }.map(\.reference)
                suggestion = versions.last
                names = versions
            } else {
                suggestion = closestName(to: wanted, among: names)
            }
            throw ModelNotFound(reference: reference, store: store.path, known: Array(names.prefix(20)),
                                suggestion: suggestion)
        }
    }
}

/// The name of `names` closest to `wanted` (ignoring case) when it is close enough to be a typo: at most 2 edits,
/// or a third of the length for longer names.
public func closestName(to wanted: String, among names: [String]) -> String? {
    let scored = names.map { ($0, editDistance($0.lowercased(), wanted.lowercased())) }
    guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, wanted.count / 3) else { return nil }
    return best.0
}

/// Levenshtein distance (small strings: model names).
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}

import Foundation

/// How training rows are weighted by their class in the cross-entropy loss.
///
/// - `none`: every row has weight 1.
/// - `balanced`: scikit-learn's definition, `w_c = n / (k · n_c)` with `n` rows,
///   `k` classes and `n_c` rows of class `c` (a class absent from the data gets weight 1).
/// - `explicit`: weights per label name; labels not mentioned get weight 1.
///
/// Encoded (Codable) as its string form: `"none"`, `"balanced"` or
/// `"negative=3,positive=1.5"` (labels sorted).
public enum ClassWeighting: Codable, Equatable, Sendable, CustomStringConvertible {
    case none
    case balanced
    case explicit([String: Double])

    /// Parses `balanced`, `none` or `label=weight[,label=weight...]`.
    /// Weights must be finite and > 0; labels must be non-empty and unique.
    /// Unknown labels are detected later by ``resolve(labelNames:labels:)``.
    public init(parsing spec: String) throws {
        let trimmed = spec.trimmingCharacters(in: .whitespaces)
        switch trimmed.lowercased() {
        case "none": self = .none; return
        case "balanced": self = .balanced; return
        case "": throw SoftmaxError.malformedClassWeights(spec, reason: "empty specification")
        default: break
        }
        var weights: [String: Double] = [:]
        for part in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
            let item = part.trimmingCharacters(in: .whitespaces)
            guard !item.isEmpty else {
                throw SoftmaxError.malformedClassWeights(spec, reason: "empty entry")
            }
            guard let eq = item.lastIndex(of: "=") else {
                throw SoftmaxError.malformedClassWeights(spec, reason: "entry '\(item)' has no '='")
            }
            let label = item[..<eq].trimmingCharacters(in: .whitespaces)
            let valueText = item[item.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            guard !label.isEmpty else {
                throw SoftmaxError.malformedClassWeights(spec, reason: "entry '\(item)' has an empty label")
            }
            guard let value = Double(valueText) else {
                throw SoftmaxError.malformedClassWeights(spec, reason: "weight '\(valueText)' of '\(label)' is not a number")
            }
            guard value.isFinite, value > 0 else {
                throw SoftmaxError.malformedClassWeights(spec, reason: "weight of '\(label)' must be finite and > 0, got \(valueText)")
            }
            guard weights[label] == nil else {
                throw SoftmaxError.malformedClassWeights(spec, reason: "label '\(label)' appears twice")
            }
            weights[label] = value
        }
        self = .explicit(weights)
    }

    /// The string form accepted by ``init(parsing:)``.
    public var description: String {
        switch self {
        case .none: return "none"
        case .balanced: return "balanced"
        case let .explicit(w):
            return w.keys.sorted().map { key in
                let v = w[key]!
                let text = v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
                return "\(key)=\(text)"
            }.joined(separator: ",")
        }
    }

    /// Per-class weights for the given label set and training labels.
    /// - Throws: ``SoftmaxError/unknownLabelInClassWeights(_:known:)`` when an explicit
    ///   weight names a label not in `labelNames`.
    public func resolve(labelNames: [String], labels: [Int32]) throws -> [Double] {
        let k = labelNames.count
        switch self {
        case .none:
            return [Double](repeating: 1, count: k)
        case .balanced:
            var counts = [Int](repeating: 0, count: k)
            for y in labels where y >= 0 && Int(y) < k { counts[Int(y)] += 1 }
            let n = Double(labels.count)
            return counts.map { $0 > 0 ? n / (Double(k) * Double($0)) : 1 }
        case let .explicit(w):
            for key in w.keys.sorted() where !labelNames.contains(key) {
                throw SoftmaxError.unknownLabelInClassWeights(key, known: labelNames)
            }
            return labelNames.map { w[$0] ?? 1 }
        }
    }

    /// Per-class weights from per-class row counts (`counts[c]` rows of class `c`), as `resolve(labelNames:labels:)`
    /// gives for labels with those counts.
    public func resolve(labelNames: [String], counts: [Int]) throws -> [Double] {
        guard case .balanced = self else { return try resolve(labelNames: labelNames, labels: []) }
        let n = Double(counts.reduce(0, +)), k = Double(labelNames.count)
        return counts.map { $0 > 0 ? n / (k * Double($0)) : 1 }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        do { try self.init(parsing: text) } catch {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "\(error)")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

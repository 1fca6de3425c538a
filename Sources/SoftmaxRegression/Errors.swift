/// Errors thrown by the softmax regression module for bad input. Descriptions are one
/// line a user can act on.
public enum SoftmaxError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The class-weight specification could not be parsed.
    case malformedClassWeights(String, reason: String)
    /// An explicit class weight names a label that is not in the label set.
    case unknownLabelInClassWeights(String, known: [String])
    /// The number of labels does not match the number of matrix rows.
    case labelCountMismatch(rows: Int, labels: Int)
    /// A label id is outside `0..<labelNames.count`.
    case labelOutOfRange(row: Int, label: Int32, classCount: Int)
    /// Fewer than two classes, or no rows.
    case notEnoughData(String)
    /// A warm-start model does not fit the data (labels or feature count differ).
    case warmStartMismatch(String)
    /// An invalid training parameter.
    case invalidParameter(String)

    public var description: String {
        switch self {
        case let .malformedClassWeights(spec, reason):
            return "class weights '\(spec)': \(reason) (expected 'balanced', 'none' or 'label=weight,label=weight')"
        case let .unknownLabelInClassWeights(label, known):
            return "class weights: unknown label '\(label)' (labels are: \(known.joined(separator: ", ")))"
        case let .labelCountMismatch(rows, labels):
            return "training data: \(rows) rows but \(labels) labels"
        case let .labelOutOfRange(row, label, classCount):
            return "training data: row \(row) has label id \(label), outside 0..<\(classCount)"
        case let .notEnoughData(what):
            return "training data: \(what)"
        case let .warmStartMismatch(what):
            return "warm start: \(what)"
        case let .invalidParameter(what):
            return "training config: \(what)"
        }
    }
}

import SentimentClassifier
import TextFeatures

/// How a training request treats character n-grams inside words (`train --char-ngrams`).
public enum CharNgramSetting: Sendable, Equatable {
    /// Cross-validation chooses ``ClassifierOptions/defaultCharNgramTrial`` or none (when tuning).
    case auto
    /// Never.
    case off
    /// Always, these lengths.
    case on(CharNgramRange)

    /// `auto`, `off`, `N` or `MIN-MAX` (lengths in 1...32); nil for anything else.
    public init?(parsing text: String) {
        switch text {
        case "auto": self = .auto
        case "off": self = .off
        default:
            let parts = text.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count), let lo = Int(parts[0]), let hi = Int(parts[parts.count - 1]),
                  lo >= 1, lo <= hi, hi <= 32 else { return nil }
            self = .on(CharNgramRange(min: lo, max: hi))
        }
    }

    /// `options` with this setting applied.
    func apply(to options: inout ClassifierOptions) {
        switch self {
        case .auto:
            options.features.charNgrams = nil
            options.charNgramTrial = ClassifierOptions.defaultCharNgramTrial
        case .off:
            options.features.charNgrams = nil
            options.charNgramTrial = nil
        case .on(let range):
            options.features.charNgrams = range
            options.charNgramTrial = nil
        }
    }
}

import SoftmaxRegression
import TextFeatures

/// Why a text got its label. A linear model's class score is `bias_c + Σ_j w_{j,c} · x_j`; a feature's
/// contribution to the chosen label is `x_j · (w_{j,c} − mean of w_{j,c'} over the other labels)`, i.e. how
/// much it moved the chosen label's score ahead of (positive) or behind (negative) the alternatives.
public struct Explanation: Equatable, Sendable {
    public struct Contribution: Equatable, Sendable, Codable {
        /// The n-gram (several joined by ` | ` when they share a hashing bucket).
        public var feature: String
        public var contribution: Float
    }
    public var prediction: Prediction
    /// Features that pushed toward the chosen label, strongest first.
    public var toward: [Contribution]
    /// Features that pushed away from it, strongest first.
    public var against: [Contribution]
}

extension SentimentClassifier {
    /// Explains the prediction for `text` with at most `top` features on each side.
    public func explain(_ text: String, top: Int = 5) -> Explanation {
        let prediction = predict(text)
        let c = prediction.labelIndex, k = labels.count
        var items: [Explanation.Contribution] = []
        var embedding: Float = 0  // the embedding group's columns mean nothing alone: one contribution for all
        // A lexicon class token names the words of the text behind it: `<lex+> (soar, profit)`.
        let listed = Tokenizer(vectorizer.config.tokenizer).lexiconWords(text)
        for f in vectorizer.features(of: text) where Int(f.index) < model.featureCount {
            let j = Int(f.index)
            var others: Float = 0
            for c2 in 0..<k where c2 != c { others += model.weight(feature: j, class: c2) }
            let margin = model.weight(feature: j, class: c) - (k > 1 ? others / Float(k - 1) : 0)
            let v = f.value * margin
            if j >= vectorizer.featureCount && j < vectorizer.parentBlockStart { embedding += v; continue }
            if v != 0 {
                let words = listed[f.name].map { " (" + $0.joined(separator: ", ") + ")" } ?? ""
                items.append(.init(feature: f.name + words, contribution: v))
            }
        }
        if embedding != 0 { items.append(.init(feature: Self.embeddingContributionName, contribution: embedding)) }
        let toward = items.filter { $0.contribution > 0 }
            .sorted { $0.contribution != $1.contribution ? $0.contribution > $1.contribution : $0.feature < $1.feature }
        let against = items.filter { $0.contribution < 0 }
            .sorted { $0.contribution != $1.contribution ? $0.contribution < $1.contribution : $0.feature < $1.feature }
        return Explanation(prediction: prediction, toward: Array(toward.prefix(max(0, top))),
                           against: Array(against.prefix(max(0, top))))
    }

    /// For every label, the `count` features with the largest weights (names from the vocabulary; in hashing
    /// mode the bucket number, as `#bucket`).
    public func topFeatures(perLabel count: Int) -> [String: [(feature: String, weight: Float)]] {
        var out: [String: [(feature: String, weight: Float)]] = [:]
        for (c, list) in model.topFeatures(perClass: count).enumerated() {
            out[labels[c]] = list.map { (featureName($0.feature), $0.weight) }
        }
        return out
    }

    /// The name of the embedding group's summed contribution in explanations.
    public static let embeddingContributionName = "(word embeddings)"

    func featureName(_ column: Int32) -> String {
        let start = vectorizer.parentBlockStart
        if Int(column) >= start, let block = vectorizer.parentBlock {
            let j = Int(column) - start
            return Vectorizer.parentFeatureName(j < block.featureNames.count ? block.featureNames[j] : "#\(j)")
        }
        if Int(column) >= vectorizer.featureCount { return Vectorizer.embeddingFeatureName(Int(column) - vectorizer.featureCount) }
        let names = vectorizer.featureNames
        return Int(column) < names.count ? names[Int(column)] : "#\(column)"
    }
}

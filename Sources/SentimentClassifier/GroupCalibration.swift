import Foundation
import SoftmaxRegression
import TextFeatures

/// A temperature fitted on predictions for groups of texts (corpora) the model did not see: each group is predicted
/// by a model fitted with the final settings on the other groups, and one temperature is fitted on all those
/// out-of-group predictions. Cross-validation within a corpus measures how confident a model may be on texts like
/// its own; this measures it on kinds of text it never saw, which is what a model shipped for every kind of
/// headline meets (issue 17, item 5).
public struct GroupCalibration: Codable, Equatable, Sendable {
    public var temperature: Float
    /// Groups predicted (those whose labels the other groups all have) and their rows.
    public var groups: Int
    public var rows: Int
    /// ECE (15 bins) of the out-of-group probabilities at temperature 1 / at the fitted temperature.
    public var eceBefore: Double
    public var eceAfter: Double
}

extension SentimentClassifier {
    /// The leave-one-group-out temperature for a classifier fitted on all `texts` with `settings` (the options
    /// the final fit stored: its chosen λ and embedding weight). `groups[i]` names the group of text `i`. Every
    /// fold trains with `settings` untuned (λ fixed); with an embedding weight in `settings` the fold's fit
    /// keeps that one weight (through a tuning of one λ and one weight, which costs its cross-validation).
    /// Returns nil with fewer than two groups or when no group can be predicted.
    public static func leaveOneGroupOutCalibration(texts: [String], labels: [String], groups: [Int],
                                                   settings: ClassifierOptions,
                                                   embeddings: EmbeddingTable? = nil) throws -> GroupCalibration? {
        guard texts.count == labels.count, texts.count == groups.count else {
            throw ClassifierError.invalidInput("\(texts.count) texts, \(labels.count) labels, \(groups.count) group ids")
        }
        let names = Array(Set(labels)).sorted()
        let k = names.count
        let distinctGroups = Array(Set(groups)).sorted()
        guard distinctGroups.count >= 2, k >= 2 else { return nil }
        var options = settings
        // Tokenized as the final fit on all texts tokenizes, whichever groups a fold leaves out.
        options.features.tokenizer = options.features.tokenizer.adapted(to: texts)
        let weight = embeddings == nil ? 0 : (settings.embeddingWeights.first ?? 0)
        if weight > 0 {
            options.tuning = .on
            options.grid = [settings.training.l2]
            options.embeddingWeights = [weight]
        } else {
            options.tuning = .off
            options.embeddingWeights = []
        }
        var logits: [Float] = []
        var truth: [Int32] = []
        var predictedGroups = 0
        for g in distinctGroups {
            var trainTexts: [String] = [], trainLabels: [String] = [], heldTexts: [String] = [], heldLabels: [String] = []
            for i in texts.indices {
                if groups[i] == g {
                    heldTexts.append(texts[i]); heldLabels.append(labels[i])
                } else {
                    trainTexts.append(texts[i]); trainLabels.append(labels[i])
                }
            }
            // A fold must know every label, or its probabilities would not cover the held-out rows' labels.
            guard Set(trainLabels).count == k else { continue }
            // Pooled as the final fit on all texts pools, whatever this fold's size.
            var (fold, _) = try fit(texts: trainTexts, labels: trainLabels, options: options,
                                    embeddings: weight > 0 ? embeddings : nil,
                                    embeddingPooling: embeddingPooling(rows: texts.count))
            fold.model.temperature = 1
            let p = fold.probabilities(heldTexts)
            // Log-probabilities are the logits up to a per-row constant, which softmax(z / T) ignores.
            logits.append(contentsOf: p.map { Foundation.log(max($0, Float.leastNormalMagnitude)) })
            truth.append(contentsOf: heldLabels.map { Int32(names.firstIndex(of: $0)!) })
            predictedGroups += 1
        }
        guard predictedGroups > 0 else { return nil }
        let t = TemperatureScaling.fit(logits: logits, labels: truth, classCount: k)
        let intLabels = truth.map(Int.init)
        let before = SoftmaxTrainer.probabilities(logits, classCount: k, temperature: 1)
        let after = SoftmaxTrainer.probabilities(logits, classCount: k, temperature: t)
        return GroupCalibration(temperature: t, groups: predictedGroups, rows: truth.count,
                                eceBefore: Metrics.expectedCalibrationError(probabilities: before, labels: intLabels),
                                eceAfter: Metrics.expectedCalibrationError(probabilities: after, labels: intLabels))
    }
}

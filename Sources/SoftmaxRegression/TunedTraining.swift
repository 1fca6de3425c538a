import Sparse

/// Calibration outcome reported with a tuned fit.
public struct CalibrationSummary: Codable, Equatable, Sendable {
    /// Fitted temperature `T` (the model predicts `softmax(z / T)`).
    public var temperature: Float
    /// ECE (15 bins) of the out-of-fold probabilities before / after temperature scaling.
    public var eceBefore: Double
    public var eceAfter: Double
    /// Log loss of the out-of-fold probabilities before / after temperature scaling.
    public var logLossBefore: Double
    public var logLossAfter: Double

    public init(temperature: Float, eceBefore: Double, eceAfter: Double, logLossBefore: Double, logLossAfter: Double) {
        self.temperature = temperature
        self.eceBefore = eceBefore
        self.eceAfter = eceAfter
        self.logLossBefore = logLossBefore
        self.logLossAfter = logLossAfter
    }
}

/// Everything a tuned training produces.
public struct TrainingResult: Codable, Equatable, Sendable {
    /// The final model, trained on all rows at the chosen λ, with the fitted temperature.
    public var model: SoftmaxModel
    /// The final fit's optimizer record.
    public var run: TrainingRun
    /// Cross-validation results.
    public var tuning: TuningResult
    /// Temperature fitted on the out-of-fold logits of the chosen λ (the same logits the
    /// ECE before/after are measured on).
    public var calibration: CalibrationSummary
}

extension SoftmaxTrainer {
    /// Tunes λ by stratified CV (``CrossValidation/tuneWithOutOfFoldLogits(_:labels:labelNames:grid:folds:config:pathPatience:foldFeatures:)``),
    /// fits the final model on all rows at the chosen λ (warm-started from the fold-averaged
    /// model) and fits the temperature on the out-of-fold logits. `foldFeatures` makes each fold's matrices (see
    /// ``FoldFeatures``); `X` is the matrix of all rows the final model is fitted on.
    public static func fitTuned(_ X: CSRMatrix, labels: [Int32], labelNames: [String],
                                grid: [Double] = CrossValidation.defaultGrid, folds: Int = 5,
                                config: TrainingConfig = .default, pathPatience: Int = 2,
                                foldFeatures: FoldFeatures? = nil, prior: [Double]? = nil) throws -> TrainingResult {
        let outcome = try CrossValidation.tuneWithOutOfFoldLogits(X, labels: labels, labelNames: labelNames,
                                                                  grid: grid, folds: folds, config: config,
                                                                  pathPatience: pathPatience, foldFeatures: foldFeatures,
                                                                  prior: prior)
        return try fitTuned(X, labels: labels, labelNames: labelNames, config: config, outcome: outcome, prior: prior)
    }

    /// The second half of ``fitTuned(_:labels:labelNames:grid:folds:config:pathPatience:foldFeatures:)``: the
    /// final fit and the temperature, from a tuning `outcome` on `X` (when the caller tuned more than λ itself).
    /// `temperatureAtBound` is the temperature kept when the out-of-fold logits carry no scale to fit
    /// (``TemperatureScaling/fit(logits:labels:classCount:atBound:)``).
    public static func fitTuned(_ X: CSRMatrix, labels: [Int32], labelNames: [String], config: TrainingConfig,
                                outcome: CrossValidation.Outcome, prior: [Double]? = nil,
                                temperatureAtBound: Float = 1) throws -> TrainingResult {
        var cfg = config
        cfg.l2 = outcome.result.chosenL2
        var (model, run) = try fit(X, labels: labels, labelNames: labelNames, config: cfg, warmStart: outcome.averagedModel,
                                   prior: prior)
        let k = labelNames.count
        let t = TemperatureScaling.fit(logits: outcome.outOfFoldLogits, labels: labels, classCount: k,
                                       atBound: temperatureAtBound)
        model.temperature = t
        let truth = labels.map { Int($0) }
        let before = probabilities(outcome.outOfFoldLogits, classCount: k, temperature: 1)
        let after = probabilities(outcome.outOfFoldLogits, classCount: k, temperature: t)
        let cal = CalibrationSummary(
            temperature: t,
            eceBefore: Metrics.expectedCalibrationError(probabilities: before, labels: truth),
            eceAfter: Metrics.expectedCalibrationError(probabilities: after, labels: truth),
            logLossBefore: Metrics.logLoss(probabilities: before, labels: truth),
            logLossAfter: Metrics.logLoss(probabilities: after, labels: truth))
        return TrainingResult(model: model, run: run, tuning: outcome.result, calibration: cal)
    }

    /// Row-wise `softmax(z / T)` of row-major logits.
    public static func probabilities(_ logits: [Float], classCount k: Int, temperature: Float) -> [Float] {
        guard k > 0 else { return [] }
        var out = logits
        let t = Double(temperature > 0 ? temperature : 1)
        var buf = [Double](repeating: 0, count: k)
        buf.withUnsafeMutableBufferPointer { bp in
            for i in 0..<(logits.count / k) {
                for c in 0..<k { bp[c] = Double(logits[i * k + c]) / t }
                SoftmaxMath.softmaxInPlace(bp)
                for c in 0..<k { out[i * k + c] = Float(bp[c]) }
            }
        }
        return out
    }
}

import Foundation
import Sparse

/// Fits ``SoftmaxModel``s by minimizing ``SoftmaxObjective``.
public enum SoftmaxTrainer {
    /// Trains a model on `X` (rows × features) with class ids `labels` (`0..<labelNames.count`).
    ///
    /// - Parameters:
    ///   - warmStart: start from this model's weights (same `labels` in the same order and
    ///     `featureCount == X.columnCount`; use ``SoftmaxModel/remapped(featureCount:mapping:)``
    ///     first when the features changed). Its temperature is not carried over.
    ///   - prior: weights (`X.columnCount · k`, feature-major) the L2 penalty pulls toward instead of zero (see
    ///     ``SoftmaxObjective``); nil: zero.
    /// - Returns: the model (temperature 1) and what the optimizer did.
    /// - Throws: ``SoftmaxError`` on inconsistent data, labels, class weights or config.
    public static func fit(_ X: CSRMatrix, labels: [Int32], labelNames: [String], config: TrainingConfig = .default,
                           warmStart: SoftmaxModel? = nil, prior: [Double]? = nil) throws -> (SoftmaxModel, TrainingRun) {
        try validate(X, labels: labels, labelNames: labelNames, config: config)
        let classWeights = try config.classWeighting.resolve(labelNames: labelNames, labels: labels)
        var theta0: [Double]? = nil
        if let ws = warmStart {
            guard ws.labels == labelNames else {
                throw SoftmaxError.warmStartMismatch("model labels \(ws.labels) differ from \(labelNames)")
            }
            guard ws.featureCount == X.columnCount else {
                throw SoftmaxError.warmStartMismatch("model has \(ws.featureCount) features, data has \(X.columnCount); remap the model first")
            }
            theta0 = parameters(of: ws)
        }
        try checkPrior(prior, X: X, classCount: labelNames.count)
        let (theta, run) = optimize(X, labels: labels, classWeights: classWeights, config: config,
                                    initial: theta0 ?? prior.map { $0 + [Double](repeating: 0, count: labelNames.count) },
                                    blocks: 2, prior: prior)
        return (model(from: theta, labels: labelNames, featureCount: X.columnCount), run)
    }

    static func validate(_ X: CSRMatrix, labels: [Int32], labelNames: [String], config: TrainingConfig) throws {
        try config.validate()
        guard labelNames.count >= 2 else { throw SoftmaxError.notEnoughData("need at least 2 classes, got \(labelNames.count)") }
        guard X.rowCount > 0 else { throw SoftmaxError.notEnoughData("no rows") }
        guard labels.count == X.rowCount else { throw SoftmaxError.labelCountMismatch(rows: X.rowCount, labels: labels.count) }
        for (i, y) in labels.enumerated() where y < 0 || Int(y) >= labelNames.count {
            throw SoftmaxError.labelOutOfRange(row: i, label: y, classCount: labelNames.count)
        }
        for j in X.columnIndices where j < 0 || Int(j) >= X.columnCount {
            throw SoftmaxError.invalidParameter("matrix has column index \(j) outside 0..<\(X.columnCount)")
        }
    }

    static func checkPrior(_ prior: [Double]?, X: CSRMatrix, classCount k: Int) throws {
        guard let prior else { return }
        guard prior.count == X.columnCount * k, prior.allSatisfy(\.isFinite) else {
            throw SoftmaxError.invalidParameter("prior must hold \(X.columnCount * k) finite weights, got \(prior.count)")
        }
    }

    /// Core optimization on already-validated input. `initial` is the parameter vector
    /// (weights then biases) or nil for zeros; `prior` as in ``fit(_:labels:labelNames:config:warmStart:prior:)``.
    static func optimize(_ X: CSRMatrix, labels: [Int32], classWeights: [Double], config: TrainingConfig,
                         initial: [Double]?, blocks: Int, prior: [Double]? = nil) -> ([Double], TrainingRun) {
        let objective = SoftmaxObjective(X: X, labels: labels, classWeights: classWeights, l2: config.l2, blocks: blocks,
                                         prior: prior)
        let theta0 = initial ?? [Double](repeating: 0, count: objective.parameterCount)
        // AdaGrad's lazy L2 shrinks toward zero: with a prior, L-BFGS (in-memory corpora are far below its threshold).
        switch prior == nil ? config.resolvedOptimizer(nonZeroCount: X.nonZeroCount) : .lbfgs {
        case .adagrad:
            return AdaGradSGD(config: config).minimize(objective, initial: theta0)
        default:
            var opt = LBFGS()
            opt.historySize = config.historySize
            opt.maxIterations = config.maxIterations
            opt.gradientTolerance = config.tolerance
            opt.relativeLossTolerance = config.lossTolerance
            opt.recordHistory = config.recordLossHistory
            opt.diagonal = diagonalPreconditioner(X, labels: labels, classWeights: classWeights, l2: config.l2)
            let r = opt.minimize(theta0) { x, g in objective.evaluateRaw(x, gradient: g) }
            let run = TrainingRun(optimizer: .lbfgs, iterations: r.iterations, functionEvaluations: r.evaluations,
                                  finalLoss: r.loss, gradientNorm: r.gradientNorm, converged: r.converged,
                                  lossHistory: config.recordLossHistory ? r.history : nil)
            return (r.x, run)
        }
    }

    /// Inverse of a bound on the Hessian's diagonal: `1 / (λ + ¼ (1/n) Σ_i s_i x_ij²)` for the
    /// weights of feature `j` and `1 / (¼ (1/n) Σ_i s_i)` for the biases. On TF-IDF data,
    /// where feature frequencies differ by orders of magnitude, this scaling cuts L-BFGS
    /// iterations substantially.
    static func diagonalPreconditioner(_ X: CSRMatrix, labels: [Int32], classWeights: [Double], l2: Double) -> [Double] {
        let k = classWeights.count, d = X.columnCount
        var col = [Double](repeating: 0, count: d)
        var total = 0.0
        for i in 0..<X.rowCount {
            let s = classWeights[Int(labels[i])]
            total += s
            for p in X.entryRange(ofRow: i) {
                let x = Double(X.values[p])
                col[Int(X.columnIndices[p])] += s * x * x
            }
        }
        let invN = 1 / Double(max(X.rowCount, 1))
        var diag = [Double](repeating: 0, count: d * k + k)
        for j in 0..<d {
            let h = l2 + 0.25 * col[j] * invN
            let v = h > 0 ? 1 / h : 1
            for c in 0..<k { diag[j * k + c] = v }
        }
        let hb = 0.25 * total * invN
        for c in 0..<k { diag[d * k + c] = hb > 0 ? 1 / hb : 1 }
        return diag
    }

    /// The parameter vector (weights then biases) of a model.
    static func parameters(of m: SoftmaxModel) -> [Double] {
        m.weights.map(Double.init) + m.bias.map(Double.init)
    }

    static func model(from theta: [Double], labels: [String], featureCount: Int) -> SoftmaxModel {
        let k = labels.count
        let wCount = featureCount * k
        return SoftmaxModel(labels: labels, featureCount: featureCount,
                            weights: theta[0..<wCount].map { Float($0) },
                            bias: theta[wCount..<(wCount + k)].map { Float($0) })
    }
}

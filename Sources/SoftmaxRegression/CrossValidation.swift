import Dispatch
import Foundation
import Sparse

/// Result of cross-validated tuning of the L2 strength; Codable, kept with the model.
public struct TuningResult: Codable, Equatable, Sendable {
    /// Candidate L2 strengths λ, in the order given.
    public var grid: [Double]
    /// Mean validation macro-F1 over folds, per grid value; `nil` for values skipped because
    /// the regularization path stopped early (see `pathPatience`).
    public var meanScores: [Double?]
    /// Population standard deviation of the validation macro-F1 over folds, per grid value
    /// (`nil` when skipped).
    public var stdScores: [Double?]
    /// Index into `grid` of the chosen value.
    public var chosenIndex: Int
    /// The chosen λ (`grid[chosenIndex]`).
    public var chosenL2: Double
    /// Number of folds.
    public var folds: Int
    /// Selection metric, always `"macro_f1"`.
    public var metric: String
    /// Total optimizer iterations per grid value, summed over folds (0 when skipped).
    public var iterations: [Int]
}

/// How a cross-validation fold gets its matrices from the rows it trains on and the rows it validates on
/// (indices into the training data, ascending). Feature weightings learned from labels must be learned here, from
/// the training rows only, so the validation score is honest. Called concurrently for different folds; both
/// matrices must have the full matrix's column count.
public typealias FoldFeatures = @Sendable (_ trainRows: [Int], _ validationRows: [Int]) -> (train: CSRMatrix, validation: CSRMatrix)

/// Stratified k-fold cross-validation and L2 tuning.
public enum CrossValidation {
    /// 8 λ values log-spaced from 1e-2 down to 1e-6 (strong → weak regularization).
    public static let defaultGrid: [Double] = (0..<8).map { Foundation.pow(10, -2 - 4 * Double($0) / 7) }

    /// Validation row indices (ascending) of `k` stratified folds: each class's rows are
    /// shuffled with a seeded PRNG and dealt round-robin, continuing across classes, so
    /// every fold gets ⌊n_c/k⌋ or ⌈n_c/k⌉ rows of class `c` and the folds partition the rows.
    public static func stratifiedFolds(labels: [Int32], k: Int, seed: UInt64) -> [[Int]] {
        let k = max(1, k)
        var byClass: [Int32: [Int]] = [:]
        for (i, y) in labels.enumerated() { byClass[y, default: []].append(i) }
        var rng = Xoshiro256StarStar(seed: seed)
        var folds = [[Int]](repeating: [], count: k)
        var next = 0
        for y in byClass.keys.sorted() {
            var rows = byClass[y]!
            rng.shuffle(&rows)
            for i in rows {
                folds[next].append(i)
                next = (next + 1) % k
            }
        }
        return folds.map { $0.sorted() }
    }

    /// Tunes λ over `grid` by stratified `folds`-fold CV, selecting the best mean macro-F1
    /// (ties within 1e-12 → stronger regularization, i.e. larger λ). See
    /// ``tuneWithOutOfFoldLogits(_:labels:labelNames:grid:folds:config:pathPatience:foldFeatures:)``.
    public static func tune(_ X: CSRMatrix, labels: [Int32], labelNames: [String], grid: [Double] = defaultGrid,
                            folds: Int = 5, config: TrainingConfig = .default, pathPatience: Int = 2,
                            foldFeatures: FoldFeatures? = nil) throws -> TuningResult {
        try tuneWithOutOfFoldLogits(X, labels: labels, labelNames: labelNames, grid: grid, folds: folds, config: config,
                                    pathPatience: pathPatience, foldFeatures: foldFeatures).result
    }

    /// Everything tuning produces: the Codable summary, the out-of-fold raw logits of the
    /// chosen λ (`rowCount × k`, row-major; each row scored by the model that did not see
    /// it) and the mean of the fold models' parameters at the chosen λ (a warm start).
    public struct Outcome: Sendable {
        public var result: TuningResult
        public var outOfFoldLogits: [Float]
        /// Fold-averaged model at the chosen λ (temperature 1).
        public var averagedModel: SoftmaxModel
        /// Each fold's parameters at the chosen λ (weights feature by feature, then the biases): a warm start for
        /// the folds of a related fit. Empty unless asked for (`keepFoldParameters`): on hashed features they are
        /// tens of megabytes per fold.
        public var foldParameters: [[Double]]
    }

    /// Walks the grid from the strongest to the weakest regularization; for each value the
    /// folds are fitted in parallel (each fold single-threaded and warm-started from its
    /// previous solution; fixed partitioning, so the result is deterministic). The walk stops
    /// after `pathPatience` consecutive values whose mean score does not beat the best so far
    /// (0 = evaluate the whole grid): weaker regularization is the expensive end of the path.
    /// Class weights are resolved on each training fold. With `foldFeatures` each fold's matrices come from it
    /// (`X` is then only validated and sized); without, they are rows of `X`.
    /// With a `prior`, every fold fit is L2-regularized toward it instead of zero (see ``SoftmaxObjective``) and starts
    /// from it. With `initial` (one parameter vector per fold, in the order of `stratifiedFolds`), fold `f` starts
    /// from `initial[f]` instead; with `keepFoldParameters` the outcome carries each fold's parameters.
    public static func tuneWithOutOfFoldLogits(_ X: CSRMatrix, labels: [Int32], labelNames: [String],
                                               grid: [Double] = defaultGrid, folds: Int = 5,
                                               config: TrainingConfig = .default, pathPatience: Int = 2,
                                               foldFeatures: FoldFeatures? = nil,
                                               prior: [Double]? = nil, initial: [[Double]]? = nil,
                                               keepFoldParameters: Bool = false) throws -> Outcome {
        try SoftmaxTrainer.validate(X, labels: labels, labelNames: labelNames, config: config)
        try SoftmaxTrainer.checkPrior(prior, X: X, classCount: labelNames.count)
        guard !grid.isEmpty, grid.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw SoftmaxError.invalidParameter("tuning grid must be non-empty with finite λ ≥ 0")
        }
        guard folds >= 2, folds <= X.rowCount else {
            throw SoftmaxError.invalidParameter("folds must be in 2...\(X.rowCount), got \(folds)")
        }
        _ = try config.classWeighting.resolve(labelNames: labelNames, labels: labels) // unknown labels → error
        let k = labelNames.count, n = X.rowCount, d = X.columnCount
        let P = d * k + k
        let G = grid.count
        let order = (0..<G).sorted { grid[$0] != grid[$1] ? grid[$0] > grid[$1] : $0 < $1 }
        let foldRows = stratifiedFolds(labels: labels, k: folds, seed: config.seed)

        final class FoldState: @unchecked Sendable {
            var Xtr = CSRMatrix(columnCount: 0), Xva = CSRMatrix(columnCount: 0)
            var ytr: [Int32] = [], yva: [Int] = []
            var weights: [Double] = []
            var theta: [Double]?
            var scores: [Double]
            var iterations: [Int]
            var logits: [Float] = []      // current grid value, validation rows × k
            var bestLogits: [Float] = []  // at the best grid value so far
            var bestTheta: [Double] = []
            init(G: Int, theta: [Double]?) {
                self.theta = theta
                scores = [Double](repeating: 0, count: G); iterations = [Int](repeating: 0, count: G)
            }
        }
        if let initial, initial.count != folds || initial.contains(where: { $0.count != P }) {
            throw SoftmaxError.invalidParameter("initial parameters must be \(folds) vectors of \(P) values")
        }
        let start = prior.map { $0 + [Double](repeating: 0, count: k) }
        let states = (0..<folds).map { f in FoldState(G: G, theta: initial?[f] ?? start) }
        let trainRows: [[Int]] = foldRows.map { valid in
            var isValid = [Bool](repeating: false, count: n)
            for i in valid { isValid[i] = true }
            return (0..<n).filter { !isValid[$0] }
        }
        @Sendable func makeMatrices(_ f: Int) {
            let st = states[f], trainIdx = trainRows[f], valid = foldRows[f]
            if let foldFeatures {
                (st.Xtr, st.Xva) = foldFeatures(trainIdx, valid)
                precondition(st.Xtr.columnCount == d && st.Xva.columnCount == d && st.Xtr.rowCount == trainIdx.count
                             && st.Xva.rowCount == valid.count, "foldFeatures returned matrices of the wrong shape")
            } else {
                st.Xtr = X.rows(trainIdx)
                st.Xva = X.rows(valid)
            }
        }
        // With one λ each fold's matrices are needed once: made when its fit starts and let go when it ends, so
        // only as many folds as run at a time are in memory (wide rows, e.g. the embedding group's, on large corpora).
        let oneShot = G == 1
        for (f, st) in states.enumerated() {
            st.ytr = trainRows[f].map { labels[$0] }
            st.yva = foldRows[f].map { Int(labels[$0]) }
        }
        if !oneShot { DispatchQueue.concurrentPerform(iterations: folds) { makeMatrices($0) } }
        for st in states {
            st.weights = try config.classWeighting.resolve(labelNames: labelNames, labels: st.ytr)
        }

        var mean = [Double?](repeating: nil, count: G), std = [Double?](repeating: nil, count: G)
        var iterations = [Int](repeating: 0, count: G)
        var best = -Double.infinity
        var worseInARow = 0
        var chosen = order[0]
        for g in order {
            DispatchQueue.concurrentPerform(iterations: folds) { f in
                let st = states[f]
                if oneShot { makeMatrices(f) }
                defer { if oneShot { st.Xtr = CSRMatrix(columnCount: 0); st.Xva = CSRMatrix(columnCount: 0) } }
                var cfg = config
                cfg.l2 = grid[g]
                let (t, run) = SoftmaxTrainer.optimize(st.Xtr, labels: st.ytr, classWeights: st.weights, config: cfg,
                                                       initial: st.theta, blocks: 1, prior: prior)
                st.theta = t
                let model = SoftmaxTrainer.model(from: t, labels: labelNames, featureCount: d)
                let z = model.predictLogitsSerial(st.Xva)
                st.logits = z
                st.scores[g] = ClassificationReport.macroF1(truth: st.yva, predicted: Metrics.argmax(z, classCount: k), classCount: k)
                st.iterations[g] = run.iterations
            }
            let s = states.map { $0.scores[g] }
            let m = s.reduce(0, +) / Double(folds)
            mean[g] = m
            std[g] = (s.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(folds)).squareRoot()
            iterations[g] = states.map { $0.iterations[g] }.reduce(0, +)
            if m > best + 1e-12 {
                // New best (ties keep the stronger regularization seen first).
                best = m; worseInARow = 0; chosen = g
                for st in states { st.bestLogits = st.logits; st.bestTheta = st.theta ?? [] }
            } else {
                worseInARow += 1
                if pathPatience > 0 && worseInARow >= pathPatience { break }
            }
        }
        let outputs = states

        var oof = [Float](repeating: 0, count: n * k)
        for f in 0..<folds {
            let z = outputs[f].bestLogits
            for (r, i) in foldRows[f].enumerated() {
                for c in 0..<k { oof[i * k + c] = z[r * k + c] }
            }
        }
        var avg = [Double](repeating: 0, count: P)
        for f in 0..<folds {
            let t = outputs[f].bestTheta
            for p in 0..<P { avg[p] += t[p] }
        }
        for p in 0..<P { avg[p] /= Double(folds) }
        let result = TuningResult(grid: grid, meanScores: mean, stdScores: std, chosenIndex: chosen,
                                  chosenL2: grid[chosen], folds: folds, metric: "macro_f1", iterations: iterations)
        return Outcome(result: result, outOfFoldLogits: oof,
                       averagedModel: SoftmaxTrainer.model(from: avg, labels: labelNames, featureCount: d),
                       foldParameters: keepFoldParameters ? outputs.map(\.bestTheta) : [])
    }
}

extension SoftmaxModel {
    /// Logits for every row on the calling thread (used inside parallel folds).
    func predictLogitsSerial(_ X: CSRMatrix) -> [Float] {
        var out = [Float](repeating: 0, count: X.rowCount * labels.count)
        out.withUnsafeMutableBufferPointer { writeLogits(X, rows: 0..<X.rowCount, into: $0) }
        return out
    }
}

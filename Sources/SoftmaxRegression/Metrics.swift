import Foundation

/// Probability-based metrics. Probabilities are row-major, `labels.count × k` values.
public enum Metrics {
    /// Mean negative log-likelihood of the true class, probabilities clipped to
    /// `[1e-15, 1]` like scikit-learn's `log_loss`. Returns 0 for no rows.
    public static func logLoss(probabilities: [Float], labels: [Int]) -> Double {
        let n = labels.count
        guard n > 0, probabilities.count % n == 0 else { return 0 }
        let k = probabilities.count / n
        var total = 0.0
        for i in 0..<n {
            let y = labels[i]
            let p = (y >= 0 && y < k) ? Double(probabilities[i * k + y]) : 0
            total -= Foundation.log(min(max(p, 1e-15), 1))
        }
        return total / Double(n)
    }

    /// Expected calibration error over max-probability confidence:
    /// `ECE = Σ_b (n_b / n) · |accuracy_b − meanConfidence_b|` with `bins` equal-width bins,
    /// bin `b` holding confidences in `(b/B, (b+1)/B]` (confidence 0 goes to bin 0).
    /// The prediction is the argmax (ties → lowest class id). Returns 0 for no rows.
    public static func expectedCalibrationError(probabilities: [Float], labels: [Int], bins: Int = 15) -> Double {
        let n = labels.count
        guard n > 0, bins > 0, probabilities.count % n == 0, probabilities.count > 0 else { return 0 }
        let k = probabilities.count / n
        var count = [Int](repeating: 0, count: bins)
        var correct = [Double](repeating: 0, count: bins)
        var confidence = [Double](repeating: 0, count: bins)
        for i in 0..<n {
            var best = 0
            var conf = probabilities[i * k]
            for c in 1..<k where probabilities[i * k + c] > conf { conf = probabilities[i * k + c]; best = c }
            let cd = min(max(Double(conf), 0), 1)
            let b = min(bins - 1, max(0, Int((cd * Double(bins)).rounded(.up)) - 1))
            count[b] += 1
            confidence[b] += cd
            if best == labels[i] { correct[b] += 1 }
        }
        var ece = 0.0
        for b in 0..<bins where count[b] > 0 {
            let nb = Double(count[b])
            ece += nb / Double(n) * abs(correct[b] / nb - confidence[b] / nb)
        }
        return ece
    }

    /// Row-wise argmax (ties → lowest class id) of `n × k` scores.
    public static func argmax(_ scores: [Float], classCount k: Int) -> [Int] {
        SoftmaxModel.argmaxRows(scores, classCount: k)
    }
}

/// Per-class precision, recall, F1 and support.
public struct ClassMetrics: Codable, Equatable, Sendable {
    public var label: String
    public var precision: Double
    public var recall: Double
    public var f1: Double
    public var support: Int
}

/// Evaluation summary like scikit-learn's `classification_report` plus the confusion matrix.
/// Zero divisions give 0 (scikit-learn's `zero_division=0`).
public struct ClassificationReport: Codable, Equatable, Sendable {
    public var labels: [String]
    public var accuracy: Double
    public var macroF1: Double
    public var weightedF1: Double
    public var logLoss: Double
    /// Expected calibration error with 15 bins (see ``Metrics/expectedCalibrationError(probabilities:labels:bins:)``).
    public var ece: Double
    public var perClass: [ClassMetrics]
    /// `confusion[true][predicted]`.
    public var confusion: [[Int]]

    enum CodingKeys: String, CodingKey {
        case labels, accuracy, confusion, ece
        case macroF1 = "macro_f1"
        case weightedF1 = "weighted_f1"
        case logLoss = "log_loss"
        case perClass = "per_class"
    }

    /// Builds the report from true class ids and predicted probabilities (`truth.count × k`,
    /// row-major); the prediction is the argmax.
    /// - Throws: ``SoftmaxError`` when sizes disagree or a true class id is out of range.
    public init(labels: [String], truth: [Int], probabilities: [Float]) throws {
        let k = labels.count, n = truth.count
        guard k > 0, probabilities.count == n * k else {
            throw SoftmaxError.invalidParameter("report: \(probabilities.count) probabilities for \(n) rows × \(k) classes")
        }
        for (i, t) in truth.enumerated() where t < 0 || t >= k {
            throw SoftmaxError.labelOutOfRange(row: i, label: Int32(clamping: t), classCount: k)
        }
        let predicted = Metrics.argmax(probabilities, classCount: k)
        self.init(labels: labels, truth: truth, predicted: predicted,
                  logLoss: Metrics.logLoss(probabilities: probabilities, labels: truth),
                  ece: Metrics.expectedCalibrationError(probabilities: probabilities, labels: truth, bins: 15))
    }

    /// Builds the report from class ids directly (caller supplies log loss and ECE).
    init(labels: [String], truth: [Int], predicted: [Int], logLoss: Double, ece: Double) {
        let k = labels.count
        var m = [[Int]](repeating: [Int](repeating: 0, count: k), count: k)
        for (t, p) in zip(truth, predicted) where t >= 0 && t < k && p >= 0 && p < k { m[t][p] += 1 }
        self.labels = labels
        self.confusion = m
        self.logLoss = logLoss
        self.ece = ece
        let n = truth.count
        var correct = 0
        var per: [ClassMetrics] = []
        for c in 0..<k {
            let tp = m[c][c]
            correct += tp
            let support = m[c].reduce(0, +)
            var predictedC = 0
            for r in 0..<k { predictedC += m[r][c] }
            let precision = predictedC > 0 ? Double(tp) / Double(predictedC) : 0
            let recall = support > 0 ? Double(tp) / Double(support) : 0
            let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
            per.append(ClassMetrics(label: labels[c], precision: precision, recall: recall, f1: f1, support: support))
        }
        self.perClass = per
        self.accuracy = n > 0 ? Double(correct) / Double(n) : 0
        self.macroF1 = k > 0 ? per.map(\.f1).reduce(0, +) / Double(k) : 0
        let totalSupport = per.map(\.support).reduce(0, +)
        self.weightedF1 = totalSupport > 0
            ? per.map { $0.f1 * Double($0.support) }.reduce(0, +) / Double(totalSupport) : 0
    }

    /// Macro-F1 of class-id predictions (used by tuning).
    static func macroF1(truth: [Int], predicted: [Int], classCount k: Int) -> Double {
        ClassificationReport(labels: (0..<k).map(String.init), truth: truth, predicted: predicted, logLoss: 0, ece: 0).macroF1
    }

    /// A fixed-width text table like scikit-learn's `classification_report`, followed by
    /// accuracy, log loss, ECE and the confusion matrix (rows = true, columns = predicted).
    public func rendered() -> String {
        func f(_ v: Double) -> String { String(format: "%.4f", v) }
        func pad(_ s: String, _ w: Int, left: Bool = false) -> String {
            s.count >= w ? s : (left ? s + String(repeating: " ", count: w - s.count)
                                     : String(repeating: " ", count: w - s.count) + s)
        }
        let nameWidth = max(12, (labels.map(\.count).max() ?? 0) + 2)
        var out = pad("", nameWidth) + pad("precision", 11) + pad("recall", 11) + pad("f1-score", 11) + pad("support", 10) + "\n\n"
        for m in perClass {
            out += pad(m.label, nameWidth) + pad(f(m.precision), 11) + pad(f(m.recall), 11) + pad(f(m.f1), 11) + pad(String(m.support), 10) + "\n"
        }
        let total = perClass.map(\.support).reduce(0, +)
        let macroP = perClass.isEmpty ? 0 : perClass.map(\.precision).reduce(0, +) / Double(perClass.count)
        let macroR = perClass.isEmpty ? 0 : perClass.map(\.recall).reduce(0, +) / Double(perClass.count)
        let wP = total > 0 ? perClass.map { $0.precision * Double($0.support) }.reduce(0, +) / Double(total) : 0
        let wR = total > 0 ? perClass.map { $0.recall * Double($0.support) }.reduce(0, +) / Double(total) : 0
        out += "\n"
        out += pad("accuracy", nameWidth) + pad("", 22) + pad(f(accuracy), 11) + pad(String(total), 10) + "\n"
        out += pad("macro avg", nameWidth) + pad(f(macroP), 11) + pad(f(macroR), 11) + pad(f(macroF1), 11) + pad(String(total), 10) + "\n"
        out += pad("weighted avg", nameWidth) + pad(f(wP), 11) + pad(f(wR), 11) + pad(f(weightedF1), 11) + pad(String(total), 10) + "\n"
        out += "\nlog loss: \(f(logLoss))   ECE (15 bins): \(f(ece))\n"
        out += "\nconfusion matrix (rows = true, columns = predicted)\n"
        let cellWidth = max(8, (labels.map(\.count).max() ?? 0) + 2,
                            (confusion.flatMap { $0 }.map { String($0).count }.max() ?? 0) + 2)
        out += pad("", nameWidth) + labels.map { pad($0, cellWidth) }.joined() + "\n"
        for (r, row) in confusion.enumerated() {
            out += pad(labels[r], nameWidth) + row.map { pad(String($0), cellWidth) }.joined() + "\n"
        }
        return out
    }
}

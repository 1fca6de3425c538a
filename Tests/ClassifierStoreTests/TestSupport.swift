import ClassifierStore
import Foundation
import XCTest

/// A temporary directory removed when the test ends.
final class TempDir {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("ClassifierStoreTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    deinit { try? FileManager.default.removeItem(at: url) }
}

let testLabels = ["negative", "neutral", "positive"]

/// A small but complete model whose values cover awkward floats (NaN payload, -0, subnormal, infinity).
func sampleModel(name: String = "news", activate: Bool = true, corpusIds: [Int64] = [], parentId: Int64? = nil,
                 seed: Float = 1) -> NewModel {
    let featureCount = 5
    var weights: [Float] = []
    for i in 0..<(featureCount * 3) { weights.append(seed * (Float(i) * 0.37 - 2.1)) }
    weights[3] = -0.0
    weights[4] = Float.leastNonzeroMagnitude
    weights[5] = Float(bitPattern: 0x7fc0_1234)  // NaN with payload
    weights[6] = .infinity
    return NewModel(
        name: name, labels: testLabels,
        featureConfig: #"{"ngrams":[1,2],"lowercase":true}"#,
        hyperparameters: #"{"l2":0.001,"epochs":20}"#,
        tuning: #"{"best":{"l2":0.001}}"#, metrics: #"{"accuracy":0.81}"#, temperature: 1.25,
        tensors: ["weights": Tensor(shape: [featureCount, 3], values: weights),
                  "bias": Tensor(shape: [3], values: [0.1, -0.2, 0.3 * seed]),
                  "idf": Tensor(shape: [featureCount], values: [1, 1.5, 2, 2.5, 3])],
        vocabulary: ["profit", "loss", "rate cut", "ünïcödé", ""],
        parentId: parentId, corpusIds: corpusIds,
        run: NewTrainingRun(startedAt: Date(timeIntervalSince1970: 1000), finishedAt: Date(timeIntervalSince1970: 1012.5),
                            iterations: 40, finalLoss: 0.42, crossValidation: #"[0.8,0.82]"#),
        activate: activate)
}

func prediction(_ model: ModelInfo, _ text: String, _ label: String, _ confidence: Double, source: String = "argv",
                at seconds: Double? = nil) -> NewPrediction {
    let i = model.labels.firstIndex(of: label) ?? 0
    var p = [Double](repeating: (1 - confidence) / Double(model.labels.count - 1), count: model.labels.count)
    p[i] = confidence
    return NewPrediction(modelId: model.id, text: text, label: label, confidence: confidence, probabilities: p,
                         source: source, createdAt: seconds.map { Date(timeIntervalSince1970: $0) })
}

func assertStoreError(_ body: @autoclosure () throws -> Any, file: StaticString = #filePath, line: UInt = #line,
                      _ check: (StoreError) -> Bool) {
    do {
        _ = try body()
        XCTFail("expected a StoreError", file: file, line: line)
    } catch let e as StoreError {
        XCTAssertTrue(check(e), "unexpected error: \(e)", file: file, line: line)
        XCTAssertFalse(e.description.contains("\n"), file: file, line: line)
    } catch {
        XCTFail("expected a StoreError, got \(error)", file: file, line: line)
    }
}

func bits(_ t: Tensor?) -> [UInt32] { t?.values.map(\.bitPattern) ?? [] }

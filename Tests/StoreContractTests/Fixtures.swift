import Foundation
import StoreInterface
import XCTest

let testLabels = ["negative", "neutral", "positive"]

/// A small complete model whose values cover awkward floats (NaN payload, -0, subnormal, infinity).
func sampleModel(name: String = "news", activate: Bool = true, corpusIds: [Int64] = [], parentId: Int64? = nil,
                 seed: Float = 1) -> NewModel {
    var weights: [Float] = (0..<15).map { seed * (Float($0) * 0.37 - 2.1) }
    weights[3] = -0.0
    weights[4] = Float.leastNonzeroMagnitude
    weights[5] = Float(bitPattern: 0x7fc0_1234)
    weights[6] = .infinity
    return NewModel(
        name: name, labels: testLabels, featureConfig: #"{"ngrams":[1,2],"lowercase":true}"#,
        hyperparameters: #"{"l2":0.001,"epochs":20}"#, tuning: #"{"best":{"l2":0.001}}"#, metrics: #"{"accuracy":0.81}"#,
        temperature: 1.25,
        tensors: ["weights": Tensor(shape: [5, 3], values: weights), "bias": Tensor(shape: [3], values: [0.1, -0.2, 0.3 * seed]),
                  "idf": Tensor(shape: [5], values: [1, 1.5, 2, 2.5, 3])],
        vocabulary: ["profit", "loss", "rate cut", "ünïcödé", ""], parentId: parentId, corpusIds: corpusIds,
        run: NewTrainingRun(startedAt: Date(timeIntervalSince1970: 1000), finishedAt: Date(timeIntervalSince1970: 1012.5),
                            iterations: 40, finalLoss: 0.42, crossValidation: #"[0.8,0.82]"#),
        activate: activate)
}

/// One row: text, label, confidence (the rest of the probability spread evenly), source, time.
struct Row {
    var text: String
    var label: String
    var confidence: Float
    var source: String
    var at: Double
}

/// Inserts rows of one model as one batch (the rows' times must be equal within a batch: one per call here).
@discardableResult
func insert(_ store: any SentimentStoring, _ model: ModelInfo, _ rows: [Row]) throws -> [Int64] {
    var ids: [Int64] = []
    for r in rows {
        let i = model.labels.firstIndex(of: r.label) ?? 0
        var p = [Float](repeating: (1 - r.confidence) / Float(model.labels.count - 1), count: model.labels.count)
        p[i] = r.confidence
        ids += try store.insertPredictions(PredictionColumns(modelId: model.id, texts: [r.text], labelIndices: [i], probabilities: p,
                                                             sources: .each([r.source]), createdAt: Date(timeIntervalSince1970: r.at)))
    }
    return ids
}

func corpus(_ name: String, _ docs: [(String, String)], sha: String) -> NewCorpus {
    NewCorpus(name: name, sourcePath: "/data/\(name).csv", format: "csv", sha256: sha,
              documents: docs.enumerated().map { CorpusDocument(text: $1.0, label: $1.1, line: $0 + 2) })
}

func assertStoreError(_ body: @autoclosure () throws -> Any, file: StaticString = #filePath, line: UInt = #line,
                      _ check: (StoreError) -> Bool) {
    do {
        _ = try body()
        XCTFail("expected a StoreError", file: file, line: line)
    } catch let e as StoreError {
        XCTAssertTrue(check(e), "unexpected error: \(e)", file: file, line: line)
    } catch {
        XCTFail("expected a StoreError, got \(error)", file: file, line: line)
    }
}

func isInvalidValue(_ e: StoreError) -> Bool { if case .invalidValue = e { return true } else { return false } }

func bits(_ t: Tensor?) -> [UInt32] { t?.values.map(\.bitPattern) ?? [] }

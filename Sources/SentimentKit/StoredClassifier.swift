import ClassifierStore
import SentimentClassifier
import Foundation
import SoftmaxRegression
import TextFeatures

/// Conversion between a `SentimentClassifier` and the store's values. The store sees tensors
/// (`weights` [features, labels], `bias` [labels], `idf` [features] with TF-IDF: the vectorizer's column weights,
/// including any supervised factor such as the naive Bayes ratios), the vocabulary and JSON texts
/// (feature configuration, hyper-parameters, tuning, metrics); it knows nothing about training.
extension SentimentClassifier {
    /// The model as the store saves it. JSON is written with sorted keys, so the same classifier always gives
    /// the same bytes (and the same exported model file).
    public func newModel(name: String, report: FitReport? = nil, metrics: String? = nil, parentId: Int64? = nil,
                         corpusIds: [Int64] = [], run: NewTrainingRun? = nil, activate: Bool = true) -> NewModel {
        var tensors: [String: Tensor] = [
            "weights": Tensor(shape: [model.featureCount, labels.count], values: model.weights),
            "bias": Tensor(shape: [labels.count], values: model.bias),
        ]
        let columnWeights = vectorizer.storedColumnWeights
        if !columnWeights.isEmpty {
            tensors["idf"] = Tensor(shape: [columnWeights.count], values: columnWeights)
        }
        return NewModel(name: name, labels: labels, featureConfig: Self.json(vectorizer.config),
                        hyperparameters: Self.json(options), tuning: report.flatMap { $0.tuning.map(Self.json) },
                        metrics: metrics ?? report?.summaryJSON(l2: options.training.l2), temperature: Double(model.temperature), tensors: tensors,
                        vocabulary: vectorizer.storedFeatureNames, parentId: parentId, corpusIds: corpusIds, run: run,
                        activate: activate)
    }

    /// Rebuilds a classifier from a stored model (whose checksum the store has verified).
    /// - Throws: `ClassifierError.invalidStoredModel` when a part is missing or the parts disagree.
    public init(stored: StoredModel) throws {
        let ref = stored.info.reference
        func fail(_ m: String) -> ClassifierError { .invalidStoredModel("\(ref): \(m)") }
        // Sizes in a model are untrusted (a file can claim anything): every shape is checked against the
        // configuration and the payloads before anything is allocated from them.
        let decoder = JSONDecoder()
        guard let config = try? decoder.decode(FeatureConfig.self, from: Data(stored.featureConfig.utf8)) else {
            throw fail("unreadable feature configuration")
        }
        do { try config.validate() } catch { throw fail("feature configuration: \(error)") }
        guard let options = try? decoder.decode(ClassifierOptions.self, from: Data(stored.hyperparameters.utf8)) else {
            throw fail("unreadable hyper-parameters")
        }
        let k = stored.info.labels.count
        guard k >= 2 else { throw fail("\(k) labels; a classifier needs at least 2") }
        // A parent block's names and column weights follow the model's own in the stored vocabulary and idf.
        let block = config.parentBlock
        guard (block?.names ?? 0) <= stored.vocabulary.count else {
            throw fail("the parent block claims \(block!.names) names; the vocabulary has \(stored.vocabulary.count)")
        }
        func sparseColumns(_ c: FeatureConfig, names: Int) -> Int {
            switch c.vocabulary {
            case .hashing(let buckets): return buckets * (c.charNgrams == nil ? 1 : 2)
            case .vocabulary: return names
            }
        }
        let sparse = sparseColumns(config, names: stored.vocabulary.count - (block?.names ?? 0))
        // A block's columns are its own and its own block's (and so on: the depth is bounded by `validate`), and it
        // needs one column weight per own column with TF-IDF.
        func blockColumns(_ b: ParentBlockConfig) throws -> Int {
            let nested = b.features.parentBlock
            guard (nested?.names ?? 0) <= b.names, (nested?.columnWeights ?? 0) <= b.columnWeights else {
                throw fail("a parent block's own block claims more names or column weights than the block has")
            }
            let own = sparseColumns(b.features, names: b.names - (nested?.names ?? 0))
            let expected = (b.features.weighting == .tfidf ? own : 0) + (nested?.columnWeights ?? 0)
            guard b.columnWeights == expected else {
                throw fail("the parent block needs \(expected) column weights, found \(b.columnWeights)")
            }
            return own + (b.features.embeddings?.dimensions ?? 0) + (try nested.map(blockColumns) ?? 0)
        }
        let blockColumns = try block.map(blockColumns) ?? 0
        // The embedding group (its own, or a parent block's): the model is only valid with the very table it was
        // trained with.
        var table: EmbeddingTable? = nil
        var groups: [EmbeddingGroupConfig] = []
        var level: FeatureConfig? = config
        while let c = level {
            if let g = c.embeddings { groups.append(g) }
            level = c.parentBlock?.features
        }
        for group in groups {
            if table == nil {
                do { table = try StaticEmbeddings.shipped() } catch {
                    throw fail("it was trained with the static word-embedding table \(group.table.prefix(12)), which cannot be loaded: \(error)")
                }
            }
            guard table!.identity == group.table, table!.dimensions == group.dimensions else {
                throw fail("it was trained with the static word-embedding table \(group.table.prefix(12)) (\(group.dimensions) dimensions); "
                           + "this installation has \(table!.identity.prefix(12)) (\(table!.dimensions) dimensions). Retrain it, or use the table it was trained with")
            }
        }
        let features = sparse + (config.embeddings?.dimensions ?? 0) + blockColumns
        guard let w = stored.tensors["weights"], w.shape.count == 2, w.shape[1] == k else {
            throw fail("missing weights, or weights not shaped [features, \(k) labels]")
        }
        guard w.shape[0] == features, w.values.count == features * k else {
            throw fail("weights have \(w.shape[0]) features, the feature configuration gives \(features)")
        }
        guard let b = stored.tensors["bias"], b.shape == [k], b.values.count == k else {
            throw fail("missing bias, or bias not shaped [\(k) labels]")
        }
        let idf = stored.tensors["idf"]?.values ?? []
        let ownWeights = idf.count - (block?.columnWeights ?? 0)
        guard ownWeights >= 0 else { throw fail("the parent block claims \(block!.columnWeights) column weights; the model has \(idf.count)") }
        if config.weighting == .tfidf {
            guard ownWeights == sparse else { throw fail("TF-IDF needs \(sparse) column weights, found \(ownWeights)") }
        }
        for (name, values) in [("weights", w.values), ("bias", b.values), ("idf", idf)] {
            if let i = values.firstIndex(where: { !$0.isFinite }) {
                throw fail("\(name)[\(i)] is \(values[i]); every value must be a finite number")
            }
        }
        // Temperatures fitted by calibration are within a factor of ten or so of 1; a value far outside would be
        // silently meaningless (1e-300 is 0 as a Float, and 0 means "no temperature").
        let temperature = stored.info.temperature
        guard temperature.isFinite, temperature >= 1e-3, temperature <= 1e3 else {
            throw fail("temperature \(temperature) is outside 0.001...1000")
        }
        guard let vectorizer = Vectorizer(stored: config, featureNames: stored.vocabulary, columnWeights: idf, table: table) else {
            throw fail("the vocabulary and column weights do not split into the model's and its parent block's")
        }
        guard vectorizer.columnCount == features else {
            throw fail("the vocabulary gives \(vectorizer.columnCount) features, the weights \(features)")
        }
        let model = SoftmaxModel(labels: stored.info.labels, featureCount: features, weights: w.values, bias: b.values,
                                 temperature: Float(stored.info.temperature))
        self.init(vectorizer: vectorizer, model: model, options: options)
    }

    static func json<T: Encodable>(_ value: T) -> String {
        (try? canonicalJSON(value)) ?? "null"
    }
}

extension FitReport {
    /// The metrics summary stored with a model: rows, label counts, features, λ, CV macro-F1 and calibration.
    /// Deterministic JSON (sorted keys, no timings), so retraining gives the same model file.
    public func summaryJSON(l2: Double) -> String {
        struct Summary: Encodable {
            var rows: Int
            var label_counts: [String: Int]
            var features: Int
            var l2: Double
            var tuned: Bool
            var cv_macro_f1: Double?
            var temperature: Float?
            var oof_ece_before: Double?
            var oof_ece_after: Double?
        }
        return SentimentClassifier.json(Summary(
            rows: rows, label_counts: labelCounts, features: featureCount, l2: l2, tuned: tuned,
            cv_macro_f1: crossValidatedMacroF1, temperature: calibration?.temperature,
            oof_ece_before: calibration?.eceBefore, oof_ece_after: calibration?.eceAfter))
    }
}

extension ModelInfo {
    /// The cross-validated macro-F1 recorded in the model's metrics summary (nil: not tuned, or no summary).
    public var crossValidatedMacroF1: Double? {
        guard let m = metrics, let o = try? JSONSerialization.jsonObject(with: Data(m.utf8)) as? [String: Any] else { return nil }
        return o["cv_macro_f1"] as? Double
    }
}

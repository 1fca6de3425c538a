/// A model whose predictions a streamed export may hold (see `SentimentStoring.streamPredictions`).
public struct StreamedModel: Equatable, Sendable {
    public var id: Int64
    public var name: String
    public var version: Int
    /// The model's labels: the order of a row's `probabilities`.
    public var labels: [String]
    /// "name@version".
    public var reference: String { "\(name)@\(version)" }

    public init(id: Int64, name: String, version: Int, labels: [String]) {
        self.id = id
        self.name = name
        self.version = version
        self.labels = labels
    }
}

/// One stored prediction read in place for a streamed export: no `String`s or dictionaries per row. The buffers
/// point into the store's own memory and are valid only during the call that receives the row; texts are the
/// stored UTF-8 bytes.
public struct StreamedPrediction {
    public var id: Int64
    /// Index into the models announced before the rows.
    public var model: Int
    public var text: UnsafeBufferPointer<UInt8>
    public var label: UnsafeBufferPointer<UInt8>
    public var confidence: Double
    /// One per label of the row's model, in its order; NaN for a label the stored row has no probability for.
    public var probabilities: UnsafeBufferPointer<Double>
    public var source: UnsafeBufferPointer<UInt8>
    /// Seconds since 1970.
    public var createdAt: Double
    public var correctedLabel: UnsafeBufferPointer<UInt8>?
    /// Seconds since 1970.
    public var correctedAt: Double?

    public init(id: Int64, model: Int, text: UnsafeBufferPointer<UInt8>, label: UnsafeBufferPointer<UInt8>,
                confidence: Double, probabilities: UnsafeBufferPointer<Double>, source: UnsafeBufferPointer<UInt8>,
                createdAt: Double, correctedLabel: UnsafeBufferPointer<UInt8>?, correctedAt: Double?) {
        self.id = id
        self.model = model
        self.text = text
        self.label = label
        self.confidence = confidence
        self.probabilities = probabilities
        self.source = source
        self.createdAt = createdAt
        self.correctedLabel = correctedLabel
        self.correctedAt = correctedAt
    }
}

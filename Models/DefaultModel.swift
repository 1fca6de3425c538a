// The shipped default model, embedded in the binary so `sentiment` finds it from any working directory.
// `default.sentiment-model` is rebuilt by `bash Models/rebuild.sh` (see the README); a test retrains it and
// checks that the shipped file is identical.

/// The portable bytes of the shipped default model (empty only while bootstrapping).
public enum DefaultModel {
    /// The file's bytes.
    public static var bytes: [UInt8] { PackageResources.default_sentiment_model }
    /// The file name, for messages.
    public static let fileName = "Models/default.sentiment-model"
}

// The shipped default model. The file is read at run time (embedding 267 KB as an array literal cost minutes and
// ~1.6 GB of memory per release build); its SHA-256 is fixed here, so only the shipped file is ever used.
// `default.sentiment-model` is rebuilt by `bash Models/rebuild.sh` (see the README); a test retrains it and checks
// that the shipped file is identical and that `sha256` below is its digest.
import Foundation

/// Where the shipped default model is found and what its bytes must hash to.
public enum DefaultModel {
    /// The file name, for messages.
    public static let fileName = "default.sentiment-model"

    /// The model's name in a store (`--from default`).
    public static let modelName = "default"

    /// SHA-256 of the shipped file (lowercase hex).
    public static let sha256 = "987495d30d02411dd3e49d59bb7c593aa0f8b339dd7c825606281e5ccd74293f"

    /// Where the file is looked for (`shippedFileCandidates`), `$SENTIMENT_DEFAULT_MODEL` first.
    public static func candidates(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        shippedFileCandidates(fileName, variable: "SENTIMENT_DEFAULT_MODEL",
                              sourcePath: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                                  .appendingPathComponent(fileName).path,
                              environment: environment)
    }
}

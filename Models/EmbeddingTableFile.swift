// The shipped static word-embedding table (Models/embeddings/, built by Models/embeddings/build.sh from
// all-MiniLM-L6-v2). Read at run time like the default model; its SHA-256 is fixed here, so only the shipped table is
// ever used, and models trained with it record the same digest.
import Foundation

/// Where the shipped embedding table is found and what its bytes must hash to.
public enum EmbeddingTableFile {
    /// The file name, for messages.
    public static let fileName = "minilm-l6-static.emb"

    /// SHA-256 of the shipped file (lowercase hex); `Models/embeddings/build.sh` updates it.
    public static let sha256 = "0b98a64e20cbff46808a6cabe1946cb8c9372980bffab2c5469274bb638b9a33"

    /// Where the file is looked for (`shippedFileCandidates`), `$SENTIMENT_EMBEDDINGS` first.
    public static func candidates(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        shippedFileCandidates(fileName, variable: "SENTIMENT_EMBEDDINGS",
                              sourcePath: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                                  .appendingPathComponent("embeddings/\(fileName)").path,
                              environment: environment)
    }
}

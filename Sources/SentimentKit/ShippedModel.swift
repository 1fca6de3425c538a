import ClassifierStore
import DefaultModel
import Foundation
import SentimentClassifier

/// The shipped default model could not be used.
public struct ShippedModelError: Error, CustomStringConvertible, Equatable, Sendable {
    public var searched: [String]
    /// A file that was found but is not the shipped one (its digest differs).
    public var mismatched: [String]

    public var description: String {
        var s = "the shipped default model (\(DefaultModel.fileName)) was not found"
        if !mismatched.isEmpty { s += "; these files differ from it (SHA-256 mismatch): " + mismatched.joined(separator: ", ") }
        return s + "; looked in " + searched.joined(separator: ", ")
            + ". Set SENTIMENT_DEFAULT_MODEL to its path, or give --no-default-model"
    }
}

/// The shipped default model's bytes, read at run time from the first location that holds exactly the shipped
/// file (`DefaultModel.candidates()`, verified against `DefaultModel.sha256`).
public enum ShippedModel {
    public static func bytes(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> [UInt8] {
        try bytes(searching: DefaultModel.candidates(environment: environment))
    }

    /// The shipped model as a classifier, read without a store (as `sentiment-bench quality` adapts from it).
    public static func classifier(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> SentimentClassifier {
        let (_, _, model) = try ModelFile.read(try bytes(environment: environment), source: DefaultModel.fileName)
        return try SentimentClassifier(stored: model)
    }

    /// The first of `searched` whose bytes are the shipped file's.
    static func bytes(searching searched: [String]) throws -> [UInt8] {
        let found = firstPinnedFile(searching: searched, sha256: DefaultModel.sha256)
        if let bytes = found.bytes { return bytes }
        throw ShippedModelError(searched: searched, mismatched: found.mismatched)
    }
}

/// The bytes of the first of `searched` that is a regular file of at most 64 MB whose SHA-256 is `sha256` (a file
/// the project ships), else nil and the files found whose digest differs.
func firstPinnedFile(searching searched: [String], sha256: String) -> (bytes: [UInt8]?, mismatched: [String]) {
    var mismatched: [String] = []
    for path in searched {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue,
              let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber,
              size.intValue <= 64 << 20,  // the shipped files are a few MB at most: never read a huge file by mistake
              let data = FileManager.default.contents(atPath: path) else { continue }
        let bytes = [UInt8](data)
        if SHA256.hexString(SHA256.hash(bytes)) == sha256 { return (bytes, mismatched) }
        mismatched.append(path)
    }
    return (nil, mismatched)
}

import Foundation
import XCTest
@testable import TextFeatures

/// Replays the inputs libFuzzer kept for the tokenizer (Tests/Fuzz/corpus/tokenizer, see Tests/Fuzz/run.sh):
/// no empty tokens, deterministic output, finite unit-length feature rows.
final class FuzzRegressionTests: XCTestCase {
    func testKeptTokenizerInputs() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz/corpus/tokenizer")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        XCTAssertFalse(names.isEmpty, "no kept tokenizer inputs")
        let tokenizer = Tokenizer(.default)
        let vectorizer = Vectorizer(config: FeatureConfig(charNgrams: CharNgramRange(min: 2, max: 5),
                                                          vocabulary: .hashing(buckets: 1 << 12)),
                                    featureNames: [], idf: [])
        for name in names {
            let text = String(decoding: try Data(contentsOf: dir.appendingPathComponent(name)), as: UTF8.self)
            let tokens = tokenizer.tokens(text)
            XCTAssertFalse(tokens.contains(where: \.isEmpty), name)
            XCTAssertEqual(tokenizer.tokens(text), tokens, name)
            let row = vectorizer.transform(text)
            XCTAssertTrue(row.values.allSatisfy(\.isFinite), name)
            XCTAssertEqual(row.indices, row.indices.sorted(), name)
            if !row.values.isEmpty {
                XCTAssertEqual(row.values.map { $0 * $0 }.reduce(0, +), 1, accuracy: 1e-3, name)
            }
        }
    }
}

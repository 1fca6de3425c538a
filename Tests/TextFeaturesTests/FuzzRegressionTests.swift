import Foundation
import XCTest
@testable import TextFeatures

/// Replays the inputs libFuzzer kept for the tokenizer (Tests/Fuzz/corpus/tokenizer, see Tests/Fuzz/run.sh):
/// no empty tokens, deterministic output, finite unit-length feature rows; and the options that only mark and add
/// (the change list, bracketed Japanese, the topic-and-change tokens) leave the default's tokens otherwise as they are.
final class FuzzRegressionTests: XCTestCase {
    func testKeptTokenizerInputs() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz/corpus/tokenizer")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        XCTAssertFalse(names.isEmpty, "no kept tokenizer inputs")
        let tokenizer = Tokenizer(.default)
        let marking = Tokenizer(TokenizerConfig(changeLexicon: ChangeLexicon.english.identity, markParentheses: true,
                                                japaneseTopicChanges: true))
        let vectorizer = Vectorizer(config: FeatureConfig(charNgrams: CharNgramRange(min: 2, max: 5),
                                                          vocabulary: .hashing(buckets: 1 << 12)),
                                    featureNames: [], idf: [])
        for name in names {
            let text = String(decoding: try Data(contentsOf: dir.appendingPathComponent(name)), as: UTF8.self)
            let tokens = tokenizer.tokens(text)
            XCTAssertFalse(tokens.contains(where: \.isEmpty), name)
            XCTAssertEqual(tokenizer.tokens(text), tokens, name)
            let marked = marking.tokens(text)
            XCTAssertEqual(marking.tokens(text), marked, name)
            XCTAssertEqual(Array(marked.prefix(tokens.count)).map(Self.unmarked), tokens, name)
            XCTAssertTrue(marked.dropFirst(tokens.count).allSatisfy(Self.isClassToken), "\(name): \(marked)")
            let row = vectorizer.transform(text)
            XCTAssertTrue(row.values.allSatisfy(\.isFinite), name)
            XCTAssertEqual(row.indices, row.indices.sorted(), name)
            if !row.values.isEmpty {
                XCTAssertEqual(row.values.map { $0 * $0 }.reduce(0, +), 1, accuracy: 1e-3, name)
            }
        }
    }

    /// A token without the brackets of an aside (`(損失)`, `not_(損失)`).
    static func unmarked(_ token: String) -> String {
        let (prefix, rest) = token.hasPrefix("not_(") ? ("not_", token.dropFirst(4)) : ("", Substring(token))
        guard rest.hasPrefix("("), rest.hasSuffix(")"), rest.count >= 3 else { return token }
        return prefix + rest.dropFirst().dropLast()
    }

    /// `<up>`, `<down>` or a pair (`<costs→up>`, `<費用→増>`), negation-marked or not.
    static func isClassToken(_ token: String) -> Bool {
        let t = token.hasPrefix("not_") ? String(token.dropFirst(4)) : token
        return t == "<up>" || t == "<down>" || (t.unicodeScalars.first == "<" && t.unicodeScalars.contains("→"))
    }
}

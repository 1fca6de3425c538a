import Foundation
import XCTest
@testable import TextFeatures

/// The change list's tokens (`TokenizerConfig.changeLexicon`, `Lexicons/en/changes.tsv`): `<up>` and `<down>` per
/// change word, and the subject-and-change pairs.
final class ChangeLexiconTests: XCTestCase {
    let changes = Tokenizer(TokenizerConfig(changeLexicon: ChangeLexicon.english.identity))

    /// The class tokens of `text` (those after its own tokens).
    private func added(_ text: String, _ tokenizer: Tokenizer? = nil) -> [String] {
        let t = tokenizer ?? changes
        return Array(t.tokens(text).dropFirst(Tokenizer(.default).tokens(text).count))
    }

    func testChangeWordsPairWithTheWordsBeforeThem() {
        // The text's own tokens are unchanged; the class tokens follow them.
        let text = "Operating costs for the quarter rose 5 percent"
        XCTAssertEqual(Array(changes.tokens(text).prefix(Tokenizer(.default).tokens(text).count)), Tokenizer(.default).tokens(text))
        // Skipped words (for, the, quarter) and numbers are passed over; the last two others are the subjects.
        XCTAssertEqual(added(text), ["<up>", "<costs→up>", "<operating→up>"])
        XCTAssertEqual(added("Net sales in the third quarter of 2007 increased"), ["<up>", "<sales→up>"])
        XCTAssertEqual(added("Operating loss narrowed"), ["<down>", "<loss→down>", "<operating→down>"])
        // One per change word; a change word is not a subject of the next one.
        XCTAssertEqual(added("Sales rose and costs fell"), ["<up>", "<down>", "<sales→up>", "<costs→down>", "<sales→down>"])
        XCTAssertEqual(added("prices rose rose"), ["<up>", "<up>", "<prices→up>", "<prices→up>"])
        // A clause ends the search (. , ; : ! ?), as it ends a negation scope.
        XCTAssertEqual(added("Strong demand, prices rose"), ["<up>", "<prices→up>"])
        XCTAssertEqual(added("Demand! Up"), ["<up>"])
        // In a negation scope the tokens are marked as the change word is.
        XCTAssertEqual(added("costs did not rise"), ["not_<up>", "not_<costs→up>"])
        // No change word, or only words the list skips: nothing added.
        for text in ["Profit was strong", "the of quarter", "", "費用は増加"] {
            XCTAssertEqual(changes.tokens(text), Tokenizer(.default).tokens(text), text)
        }
        // The text `<up>` is the word `up` (angle brackets are punctuation), which adds the class token.
        XCTAssertEqual(changes.tokens("<up>"), ["up", "<up>"])
        // Subjects are looked for among the twelve tokens before the change word.
        XCTAssertEqual(added("sales " + Array(repeating: "1", count: 11).joined(separator: " ") + " rose"), ["<up>", "<sales→up>"])
        XCTAssertEqual(added("sales " + Array(repeating: "1", count: 12).joined(separator: " ") + " rose"), ["<up>"])
        // Off (the struct's default, and every model trained before the list existed): nothing added.
        XCTAssertEqual(Tokenizer(.default).tokens("costs rose"), ["costs", "rose"])
        // With the polarity lexicon its class tokens come first and still name their words.
        let both = Tokenizer(TokenizerConfig(polarityLexicon: PolarityLexicon.english.identity,
                                             changeLexicon: ChangeLexicon.english.identity))
        XCTAssertEqual(both.tokens("great sales rose"), ["great", "sales", "rose", "<lex+>", "<up>", "<sales→up>", "<great→up>"])
        XCTAssertEqual(both.lexiconWords("great sales rose"), ["<lex+>": ["great"]])
    }

    func testHostileTextStaysLinear() {
        // Every word a change word: each looks back a bounded number of tokens.
        let text = Array(repeating: "up", count: 20_000).joined(separator: " ")
        XCTAssertEqual(changes.tokens(text).count, 40_000)
        let mixed = Array(repeating: "sales up", count: 10_000).joined(separator: " ")
        // Each up pairs with the two sales before it (the first with one).
        XCTAssertEqual(changes.tokens(mixed).count, 20_000 + 10_000 + 19_999)
    }

    func testTheListIsTheRepositorysFileAndIsStoredByIdentity() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let file = try String(contentsOf: root.appendingPathComponent("Lexicons/en/changes.tsv"), encoding: .utf8)
        XCTAssertEqual(ChangeLexicon.englishWords + "\n", file, "run python3 Lexicons/generate.py")
        let lines = file.split(separator: "\n")
        let l = ChangeLexicon.english
        XCTAssertEqual(l.upCount + l.downCount + l.skippedCount, lines.count)
        XCTAssertEqual(l.upCount, lines.filter { $0.hasSuffix("\tup") }.count)
        XCTAssertEqual(l.downCount, lines.filter { $0.hasSuffix("\tdown") }.count)
        // Direction words are what the polarity list leaves out; the two lists may share a few (surge, plunge).
        XCTAssertGreaterThan(l.upCount, 50)
        XCTAssertGreaterThan(l.downCount, 50)

        var features = FeatureConfig()
        features.tokenizer.changeLexicon = ChangeLexicon.english.identity
        let data = try JSONEncoder().encode(features)
        let json = String(decoding: data, as: UTF8.self)
        XCTAssertTrue(json.contains("\"strictTokenizer\"") && json.contains("\"changeLexicon\":\"en-1\""), json)
        XCTAssertEqual(try JSONDecoder().decode(FeatureConfig.self, from: data), features)
        XCTAssertFalse(String(decoding: try JSONEncoder().encode(TokenizerConfig.default), as: UTF8.self).contains("changeLexicon"))
        let unknown = json.replacingOccurrences(of: "\"changeLexicon\":\"en-1\"", with: "\"changeLexicon\":\"en-9\"")
        XCTAssertNotEqual(unknown, json)
        XCTAssertThrowsError(try JSONDecoder().decode(FeatureConfig.self, from: Data(unknown.utf8))) { error in
            XCTAssertTrue("\(error)".contains("en-9"), "\(error)")
        }
        XCTAssertNil(ChangeLexicon.named("en-9"))
    }

    func testTheTokensAreUnigramFeaturesThatSurviveStorage() throws {
        let config = FeatureConfig(tokenizer: TokenizerConfig(changeLexicon: ChangeLexicon.english.identity),
                                   wordNgrams: 2, charNgrams: CharNgramRange(min: 4, max: 4),
                                   vocabulary: .vocabulary(minDocumentFrequency: 1, maxFeatures: nil))
        let texts = ["sales rose", "costs did not fall"]
        let v = Vectorizer.fit(texts, config: config)
        let names = Set(v.featureNames)
        XCTAssertTrue(names.isSuperset(of: ["<up>", "<sales→up>", "not_<down>", "not_<costs→down>", "sales rose"]), "\(names.sorted())")
        XCTAssertTrue(names.filter { $0.contains("up") || $0.contains("down") }.allSatisfy { !$0.contains(" ") && !$0.hasPrefix("c:") },
                      "\(names.sorted())")
        let stored = try JSONDecoder().decode(Vectorizer.self, from: JSONEncoder().encode(v))
        XCTAssertEqual(stored.transform(texts + ["sales rose sharply"]), v.transform(texts + ["sales rose sharply"]))
    }
}

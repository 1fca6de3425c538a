import Foundation
import XCTest
@testable import TextFeatures

/// The polarity lexicon's class tokens (`TokenizerConfig.polarityLexicon`, `Lexicons/en/polarity.tsv`).
final class PolarityLexiconTests: XCTestCase {
    let lexical = Tokenizer(TokenizerConfig(polarityLexicon: PolarityLexicon.english.identity))

    func testListedWordsAddClassTokensAfterTheText() {
        XCTAssertEqual(lexical.tokens("A GREAT result"), ["a", "great", "result", "<lex+>"])
        XCTAssertEqual(lexical.tokens("Terrible, awful service"), ["terrible", "awful", "service", "<lex->", "<lex->"])
        // In a negation scope the class token is marked as its word is; the scope's end is the word's.
        XCTAssertEqual(lexical.tokens("not good. great"), ["not", "not_good", "great", "not_<lex+>", "<lex+>"])
        XCTAssertEqual(lexical.tokens("never fails"), ["never", "not_fails", "not_<lex->"])
        // Words the list leaves out (direction words, finance terms), unknown words and no words: nothing added.
        for text in ["Sales rise, costs fall", "interest charge", "Qzxv", "", "<lex+>", "株価が急落"] {
            XCTAssertEqual(lexical.tokens(text), Tokenizer(.default).tokens(text), text)
        }
        // The text `<lex+>` is the word `lex`, never a class token (angle brackets are punctuation).
        XCTAssertEqual(lexical.tokens("<lex+> <lex->"), ["lex", "lex"])
        // The words behind each class token, for explanations.
        XCTAssertEqual(lexical.lexiconWords("Not good. Great, awful and great"),
                       ["not_<lex+>": ["good"], "<lex+>": ["great", "great"], "<lex->": ["awful"]])
        XCTAssertEqual(Tokenizer(.default).lexiconWords("great"), [:])
        // Off (the struct's default, and every model trained before the list existed): no class tokens.
        XCTAssertEqual(Tokenizer(.default).tokens("great"), ["great"])
    }

    func testClassTokensAreUnigramsWithoutCharacterNgrams() {
        let config = FeatureConfig(tokenizer: TokenizerConfig(polarityLexicon: PolarityLexicon.english.identity),
                                   wordNgrams: 2, charNgrams: CharNgramRange(min: 4, max: 4),
                                   vocabulary: .vocabulary(minDocumentFrequency: 1, maxFeatures: nil))
        let v = Vectorizer.fit(["a great day", "awful day"], config: config)
        let names = Set(v.featureNames)
        XCTAssertTrue(names.isSuperset(of: ["<lex+>", "<lex->", "great day", "a great", "awful day"]), "\(names.sorted())")
        XCTAssertTrue(names.filter { $0.contains("lex") }.sorted() == ["<lex+>", "<lex->"], "\(names.sorted())")
        // Each row counts the class token once per listed word.
        let X = v.transform(["great great day", "day"])
        let plus = try! XCTUnwrap(v.featureNames.firstIndex(of: "<lex+>"))
        XCTAssertTrue(X.row(0).indices.contains(Int32(plus)))
        XCTAssertFalse(X.row(1).indices.contains(Int32(plus)))
    }

    func testTheListIsTheRepositorysFileAndIsStoredByIdentity() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let file = try String(contentsOf: root.appendingPathComponent("Lexicons/en/polarity.tsv"), encoding: .utf8)
        XCTAssertEqual(PolarityLexicon.englishWords + "\n", file, "run python3 Lexicons/generate.py")
        let lines = file.split(separator: "\n")
        XCTAssertEqual(PolarityLexicon.english.positiveCount + PolarityLexicon.english.negativeCount, lines.count)
        XCTAssertEqual(PolarityLexicon.english.negativeCount, lines.filter { $0.hasSuffix("\t-") }.count)
        XCTAssertGreaterThan(lines.count, 3000)

        var features = FeatureConfig()
        features.tokenizer.polarityLexicon = PolarityLexicon.english.identity
        let data = try JSONEncoder().encode(features)
        let json = String(decoding: data, as: UTF8.self)
        XCTAssertTrue(json.contains("\"strictTokenizer\"") && json.contains("\"polarityLexicon\":\"en-1\""), json)
        XCTAssertEqual(try JSONDecoder().decode(FeatureConfig.self, from: data), features)
        XCTAssertFalse(String(decoding: try JSONEncoder().encode(TokenizerConfig.default), as: UTF8.self).contains("polarityLexicon"))
        // A list this build does not have is refused, not read as no list.
        let unknown = json.replacingOccurrences(of: "\"en-1\"", with: "\"en-9\"")
        XCTAssertNotEqual(unknown, json)
        XCTAssertThrowsError(try JSONDecoder().decode(FeatureConfig.self, from: Data(unknown.utf8))) { error in
            XCTAssertTrue("\(error)".contains("en-9"), "\(error)")
        }
        XCTAssertNil(PolarityLexicon.named("en-9"))
    }
}

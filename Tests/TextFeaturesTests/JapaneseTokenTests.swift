import Foundation
import XCTest
@testable import TextFeatures

/// The two options training turns on for a corpus with Japanese: bracketed characters marked
/// (`TokenizerConfig.markParentheses`) and the topic-and-change tokens (`japaneseTopicChanges`).
final class JapaneseTokenTests: XCTestCase {
    let brackets = Tokenizer(TokenizerConfig(markParentheses: true))
    let topics = Tokenizer(TokenizerConfig(japaneseTopicChanges: true))

    func testBracketedCharactersAreMarked() {
        let tokens = brackets.tokens("利益は2億円（前期は損失）")
        XCTAssertEqual(tokens, ["利益", "益は", "<num>", "億円", "(前期)", "(期は)", "(は損)", "(損失)"])
        // Without NFKC the full-width brackets are brackets too; ASCII ones the same.
        var raw = TokenizerConfig(markParentheses: true)
        raw.normalizeUnicode = false
        raw.caseFold = false
        XCTAssertTrue(Tokenizer(raw).tokens("利益（損失）").contains("(損失)"))
        XCTAssertTrue(brackets.tokens("利益(損失)").contains("(損失)"))
        // Nested pairs, and what follows the pair is outside again.
        XCTAssertEqual(brackets.tokens("（前期（損失）黒字）利益"),
                       ["(前期)", "(損失)", "(黒字)", "利益"])
        // Unmatched brackets mark nothing, wherever they are.
        for text in ["利益（損失", "利益）損失（", "1）損失", "（（損失）", "損失））"] {
            let marked = brackets.tokens(text).filter { $0.hasPrefix("(") }
            let expected = text == "（（損失）" ? ["(損失)"] : []
            XCTAssertEqual(marked, expected, text)
        }
        // Words of scripts written with spaces are not marked, nor numbers and classes.
        XCTAssertEqual(brackets.tokens("profit (EUR 5 mn loss) rose"), Tokenizer(.default).tokens("profit (EUR 5 mn loss) rose"))
        XCTAssertEqual(brackets.tokens("（前年同期比11.8％減）"), ["(前年)", "(年同)", "(同期)", "(期比)", "<pct>", "(減)"])
        // A negation scope and a bracket together: the prefix comes first, as in the key.
        XCTAssertEqual(brackets.tokens("not (損失)"), ["not", "not_(損失)"])
        // Off: brackets are punctuation.
        XCTAssertEqual(Tokenizer(.default).tokens("利益（損失）"), ["利益", "損失"])
    }

    func testTopicsArePairedWithTheChangesThatFollowThem() {
        let tokens = topics.tokens("営業費用は、車両更新により前年同期に比べ増加しました")
        XCTAssertEqual(tokens.filter { $0.contains("→") }, ["<費用→増>"])
        XCTAssertEqual(Array(tokens.dropLast()), Tokenizer(.default).tokens("営業費用は、車両更新により前年同期に比べ増加しました"))
        // Each topic takes the changes up to the next one, each change word once.
        XCTAssertEqual(topics.tokens("売上高は増加し、増益となり、費用は減少と改善").filter { $0.contains("→") },
                       ["<上高→増>", "<費用→減>", "<費用→改善>"])
        // が marks a topic too; topics are matched left to right without overlap (が after は is not one).
        XCTAssertEqual(topics.tokens("利益が拡大").filter { $0.contains("→") }, ["<利益→拡大>"])
        XCTAssertEqual(topics.tokens("損益はが悪化").filter { $0.contains("→") }, ["<損益→悪化>"])
        // The particle must follow two characters of a script without spaces; none before the topic counts.
        for text in ["増加した費用は", "1は増加", "aは増加", "は増加", "費用 は増加", "費用の増加"] {
            XCTAssertEqual(topics.tokens(text).filter { $0.contains("→") }, [], text)
        }
        // Japanese only: English, Chinese (增 is not 増) and an empty text get nothing; off, nothing.
        for text in ["Costs rose", "成本是增加", ""] {
            XCTAssertEqual(topics.tokens(text), Tokenizer(.default).tokens(text), text)
        }
        XCTAssertEqual(Tokenizer(.default).tokens("費用は増加").filter { $0.contains("→") }, [])
        // With the lexicon, its class tokens come first and still name their words.
        let mixed = Tokenizer(TokenizerConfig(polarityLexicon: PolarityLexicon.english.identity, japaneseTopicChanges: true))
        XCTAssertEqual(mixed.tokens("great 費用は増加").suffix(2), ["<lex+>", "<費用→増>"])
        XCTAssertEqual(mixed.lexiconWords("great 費用は増加"), ["<lex+>": ["great"]])
    }

    func testTheTokensAreUnigramFeaturesThatSurviveStorage() throws {
        var features = FeatureConfig(tokenizer: TokenizerConfig(markParentheses: true, japaneseTopicChanges: true),
                                     wordNgrams: 2, charNgrams: CharNgramRange(min: 2, max: 3),
                                     vocabulary: .vocabulary(minDocumentFrequency: 1, maxFeatures: nil))
        let texts = ["費用は増加（前期は損失）", "売上高は減少した"]
        let v = Vectorizer.fit(texts, config: features)
        let names = Set(v.featureNames)
        XCTAssertTrue(names.isSuperset(of: ["<費用→増>", "<上高→減>", "(損失)", "(前期) (期は)"]), "\(names.sorted())")
        XCTAssertTrue(names.filter { $0.contains("→") }.sorted() == ["<上高→減>", "<費用→増>"], "\(names.sorted())")
        // The stored vectorizer (keys rebuilt from the names) makes the same rows as the fitted one.
        let stored = try JSONDecoder().decode(Vectorizer.self, from: JSONEncoder().encode(v))
        XCTAssertEqual(stored.transform(texts + ["費用は増加"]), v.transform(texts + ["費用は増加"]))
        let topic = try XCTUnwrap(v.featureNames.firstIndex(of: "<費用→増>"))
        XCTAssertTrue(v.transform(["人件費用は前期比増"]).row(0).indices.contains(Int32(topic)))

        let data = try JSONEncoder().encode(features)
        let json = String(decoding: data, as: UTF8.self)
        XCTAssertTrue(json.contains("\"strictTokenizer\"") && json.contains("\"markParentheses\":true")
                      && json.contains("\"japaneseTopicChanges\":true"), json)
        XCTAssertEqual(try JSONDecoder().decode(FeatureConfig.self, from: data), features)
        features.tokenizer = .default
        let plain = String(decoding: try JSONEncoder().encode(features), as: UTF8.self)
        XCTAssertFalse(plain.contains("markParentheses") || plain.contains("japaneseTopicChanges") || plain.contains("strictTokenizer"))
    }

    func testTrainingTurnsBothOnForJapanese() {
        let ja = TokenizerConfig.default.adapted(to: ["Costs rose", "費用は増加"])
        XCTAssertTrue(ja.markParentheses && ja.japaneseTopicChanges)
        XCTAssertEqual(ja.adaptedOptionNames, ["brackets", "japanese-topic-changes"])
        // What a corpus adapted from a weights-only parent starts from (the parent has no say in them).
        XCTAssertEqual(ja.withoutAdaptedOptions, .default)
        var everything = TokenizerConfig.default.adapted(to: ["費用は増加", "جميـــل :) soooo good"])
        XCTAssertEqual(everything.adaptedOptionNames.count, 5)
        everything.polarityLexicon = PolarityLexicon.english.identity
        XCTAssertEqual(everything.withoutAdaptedOptions, TokenizerConfig(polarityLexicon: PolarityLexicon.english.identity))
        // Katakana alone is Japanese; Han alone (Chinese) and other scripts are not.
        XCTAssertTrue(TokenizerConfig.default.adapted(to: ["ソニー"]).japaneseTopicChanges)
        for texts in [["成本增加"], ["Costs (rose)"], ["한국어"], []] {
            XCTAssertEqual(TokenizerConfig.default.adapted(to: texts), .default, "\(texts)")
        }
        XCTAssertTrue(TokenizerConfig.hasKana("ぁ") && TokenizerConfig.hasKana("ヿ") && !TokenizerConfig.hasKana("\u{3000}")
                      && !TokenizerConfig.hasKana("\u{3100}") && !TokenizerConfig.hasKana("ｱ"))
    }
}

import XCTest
@testable import TextFeatures

/// Expected values computed independently (Python) from the algorithm documented on `StableHash`.
final class HashingTests: XCTestCase {
    func testFNV1aConstants() {
        XCTAssertEqual(StableHash.fnv1a("a"), 0xaf63dc4c8601ec8c)
        XCTAssertEqual(StableHash.fnv1a(""), 0xcbf29ce484222325)
        XCTAssertEqual(StableHash.fnv1a("good"), 0x9ce4d6720e9c9118)
        XCTAssertEqual(StableHash.fnv1a("株価"), 0x6208cad6dea26d60)
        XCTAssertEqual(StableHash.fnv1a("not_good"), 0x1908f438b4d23d3e)
        XCTAssertEqual(StableHash.fnv1a("c:<go"), 0xaecfa9f5615fda3a)
    }

    func testNgramKeysAndBuckets() {
        XCTAssertEqual(StableHash.ngramKey(["not", "good"]), 0xdbaf5850d8a003b5)
        XCTAssertEqual(StableHash.ngramKey(["a", "b", "c"]), 0x9af7ffa5c7c351ad)
        XCTAssertNotEqual(StableHash.ngramKey(["good", "not"]), StableHash.ngramKey(["not", "good"]))
        XCTAssertEqual(StableHash.bucket(StableHash.fnv1a("good"), buckets: 1 << 20), 1011880)
        XCTAssertEqual(StableHash.bucket(0xdbaf5850d8a003b5, buckets: 1000), 946)
    }

    func testHashingVectorizerUsesDocumentedColumns() {
        var config = FeatureConfig.default
        config.vocabulary = .hashing(buckets: 1 << 20)
        config.wordNgrams = 1
        config.weighting = .count
        config.l2Normalize = false
        let v = Vectorizer.fit([], config: config)
        let row = v.transform("Good")
        XCTAssertEqual(row.indices, [1011880])
        XCTAssertEqual(row.values, [1])
    }

    /// `featureKey(name:)` reads names byte by byte; it must equal the definition by `split`, also for names no
    /// tokenizer makes (empty, spaces at the ends or doubled, a lone `c`, `c:` alone, non-ASCII).
    func testFeatureKeyOfNamesEqualsSplitDefinition() {
        let names = ["", " ", "  ", "a", "a b", "a  b", " a", "a ", "c", "c:", "c:<go", "c: x", "cx:y", "株価 急落",
                     "not_good movie", "über café", "5% rose", "a b c d e f", "\u{1F600} \u{1F600}"]
        for name in names {
            let expected = name.hasPrefix("c:") ? StableHash.fnv1a(name)
                : StableHash.ngramKey(name.split(separator: " ", omittingEmptySubsequences: false).map(String.init))
            XCTAssertEqual(StableHash.featureKey(name: name), expected, name)
        }
    }

    func testFastKeysEqualReadableKeys() {
        var config = FeatureConfig.default
        config.wordNgrams = 3
        config.charNgrams = CharNgramRange(min: 2, max: 5)
        var ex = FeatureExtractor(config)
        for text in SampleTexts.all {
            ex.extract(text)
            let fast = ex.wordKeys.array + ex.charKeys.array
            let slow = ex.namedFeatures(text)
            XCTAssertEqual(fast, slow.map { $0.key }, text)
            // Names rebuild the keys the same way the stored vectorizer does.
            for f in slow {
                let key = f.group == 1 ? StableHash.fnv1a(f.name)
                                       : StableHash.ngramKey(f.name.split(separator: " ").map(String.init))
                XCTAssertEqual(key, f.key, f.name)
            }
            for f in slow { XCTAssertEqual(StableHash.featureKey(name: f.name), f.key, f.name) }
            let toks = Tokenizer(config.tokenizer).tokens(text)
            XCTAssertEqual(slow.filter { $0.group == 0 && !$0.name.contains(" ") }.map { $0.name }, toks, text)
        }
    }
}

enum SampleTexts {
    static let all = [
        "Operating profit rose to EUR 13.1 mn from EUR 8.7 mn in the corresponding period in 2007 .",
        "The company's net sales didn't grow; it fell -5.5% year-on-year!",
        "Shares of Nokia ( NOK ) were not able to recover , down 3 per cent .",
        "https://example.com/x?y=1 and www.test.org — @analyst_1 says: can't complain?!",
        "「株価が急落、業績予想を下方修正」 トヨタ自動車は増益",
        "Emoji 😀👍🏽 🇯🇵 👨‍👩‍👧 ❤️ ok", "ราคาหุ้นเพิ่มขึ้น", "Прибыль выросла на 5%", "الأرباح ارتفعت بنسبة 5٪",
        "ＡＢＣ ﬁnance Straße ǅ İstanbul café cafe\u{301}", "$5bn £3 ¥100 €2.5m +4% -3%", "", " ", "!!!", "n't", "'s",
        "no", "a-b-c-", "--5", "x'", "'quoted' words", "\u{301}\u{302} marks first", "𠀀𠀁 ext-b", "1,2,3.4.5",
    ]
}

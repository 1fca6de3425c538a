import XCTest
import Sparse
@testable import TextFeatures

final class VectorizerTests: XCTestCase {
    let corpus = [
        "Profit rose 5% in the quarter.", "Sales fell sharply; profit did not rise.", "The company's outlook is good!",
        "Net sales were flat.", "不良債権が増加", "Operating loss widened to EUR 2.1 mn .",
    ]

    func vocabularyConfig(minDF: Int = 1, maxFeatures: Int? = nil) -> FeatureConfig {
        var c = FeatureConfig.default
        c.vocabulary = .vocabulary(minDocumentFrequency: minDF, maxFeatures: maxFeatures)
        return c
    }

    /// The default configuration with fewer buckets, to keep debug-mode tests fast.
    var hashingConfig: FeatureConfig {
        var c = FeatureConfig.default
        c.vocabulary = .hashing(buckets: 1 << 14)
        return c
    }

    func assertUnitRows(_ m: CSRMatrix, file: StaticString = #filePath, line: UInt = #line) {
        for r in 0..<m.rowCount {
            let row = m.row(r)
            XCTAssertTrue(zip(row.indices, row.indices.dropFirst()).allSatisfy { $0 < $1 }, "row \(r) not strictly increasing", file: file, line: line)
            XCTAssertTrue(row.indices.allSatisfy { $0 >= 0 && Int($0) < m.columnCount }, file: file, line: line)
            if row.indices.isEmpty { continue }
            let norm = row.values.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            XCTAssertEqual(norm, 1, accuracy: 1e-5, "row \(r)", file: file, line: line)
        }
    }

    func testRowsHaveUnitNormInEveryMode() {
        var configs: [FeatureConfig] = [.default, vocabularyConfig()]
        for base in [hashingConfig, vocabularyConfig()] {
            for grouping in [GroupNormalization.combined, .perGroup] {
                var c = base
                c.charNgrams = CharNgramRange(min: 2, max: 4)
                c.groupNormalization = grouping
                configs.append(c)
            }
        }
        for c in configs {
            let (v, m) = Vectorizer.fitTransform(corpus + SampleTexts.all, config: c)
            XCTAssertEqual(m.rowCount, corpus.count + SampleTexts.all.count)
            XCTAssertEqual(m.columnCount, v.featureCount)
            assertUnitRows(m)
        }
    }

    func testPerGroupNormalizationGivesEachGroupEqualWeight() {
        var c = vocabularyConfig()
        c.charNgrams = CharNgramRange(min: 3, max: 3)
        let v = Vectorizer.fit(corpus, config: c)
        let row = v.transform("profit rose")
        var words = 0.0, chars = 0.0
        for (i, x) in zip(row.indices, row.values) {
            if v.featureNames[Int(i)].hasPrefix("c:") { chars += Double(x * x) } else { words += Double(x * x) }
        }
        XCTAssertEqual(words, 0.5, accuracy: 1e-5)
        XCTAssertEqual(chars, 0.5, accuracy: 1e-5)
    }

    func testIdfMatchesHandComputedExample() {
        // 3 documents; "a" in 3, "b" in 2, "c" in 1. idf = ln(4 / (1 + df)) + 1.
        var c = vocabularyConfig()
        c.wordNgrams = 1
        c.sublinearTF = false
        c.l2Normalize = false
        let v = Vectorizer.fit(["a b c", "a b", "a a"], config: c)
        XCTAssertEqual(v.featureNames, ["a", "b", "c"])       // df descending
        XCTAssertEqual(v.idf[0], 1.0, accuracy: 1e-6)
        XCTAssertEqual(v.idf[1], Float(log(4.0 / 3.0) + 1), accuracy: 1e-6)
        XCTAssertEqual(v.idf[2], Float(log(2.0) + 1), accuracy: 1e-6)
        let row = v.transform("a a c z")                       // unknown "z" dropped, tf of "a" = 2
        XCTAssertEqual(row.indices, [0, 2])
        XCTAssertEqual(row.values[0], 2.0, accuracy: 1e-6)
        XCTAssertEqual(row.values[1], Float(log(2.0) + 1), accuracy: 1e-6)
        c.sublinearTF = true
        let v2 = Vectorizer.fit(["a b c", "a b", "a a"], config: c)
        XCTAssertEqual(v2.transform("a a").values[0], Float(1 + log(2.0)), accuracy: 1e-6)
    }

    func testWeightings() {
        var c = vocabularyConfig()
        c.wordNgrams = 1
        c.l2Normalize = false
        c.weighting = .binary
        XCTAssertEqual(Vectorizer.fit(["x y"], config: c).transform("x x y").values, [1, 1])
        c.weighting = .count
        c.sublinearTF = false
        let v = Vectorizer.fit(["x y"], config: c)
        XCTAssertEqual(v.idf, [])
        let r = v.transform("x x y")
        XCTAssertEqual(zip(r.indices, r.values).map { "\(v.featureNames[Int($0)])=\($1)" }.sorted(), ["x=2.0", "y=1.0"])
    }

    func testMinDocumentFrequencyAndMaxFeatures() {
        var c = vocabularyConfig(minDF: 2)
        c.wordNgrams = 1
        let texts = ["a b c d", "a b c", "a b", "a e"]
        XCTAssertEqual(Vectorizer.fit(texts, config: c).featureNames, ["a", "b", "c"])
        c.vocabulary = .vocabulary(minDocumentFrequency: 1, maxFeatures: 2)
        XCTAssertEqual(Vectorizer.fit(texts, config: c).featureNames, ["a", "b"])
        // Ties (d and e both df 1) are broken by the 64-bit key, so the choice is stable.
        c.vocabulary = .vocabulary(minDocumentFrequency: 1, maxFeatures: 4)
        let names = Vectorizer.fit(texts, config: c).featureNames
        let expectedLast = StableHash.fnv1a("d") < StableHash.fnv1a("e") ? "d" : "e"
        XCTAssertEqual(names, ["a", "b", "c", expectedLast])
        XCTAssertEqual(Vectorizer.fit(texts.reversed(), config: c).featureNames, names)
    }

    func testBigramsAndCharNgramNames() {
        var c = vocabularyConfig()
        c.charNgrams = CharNgramRange(min: 2, max: 3)
        let v = Vectorizer.fit(["not good"], config: c)
        XCTAssertTrue(v.featureNames.contains("not not_good"))
        XCTAssertTrue(v.featureNames.contains("c:<go"))
        XCTAssertTrue(v.featureNames.contains("c:od>"))
        XCTAssertFalse(v.featureNames.contains { $0.contains("_") && $0.hasPrefix("c:") })  // char n-grams use the base word, not the prefix
        let firstChar = v.featureNames.firstIndex { $0.hasPrefix("c:") } ?? -1
        XCTAssertTrue(v.featureNames[..<firstChar].allSatisfy { !$0.hasPrefix("c:") })
        XCTAssertTrue(v.featureNames[firstChar...].allSatisfy { $0.hasPrefix("c:") })
    }

    /// A parent block's part of a row is the parent's own row, shifted past the model's columns: the same entries
    /// whatever the model's own vocabulary, weighting or character group.
    func testTheParentBlockIsTheParentsRowBesideTheOwnOne() throws {
        var withChars = vocabularyConfig()
        withChars.charNgrams = CharNgramRange(min: 3, max: 3)
        let mine = Vectorizer.fit(["profit rose", "sales rose sharply"], config: withChars)
        var parentConfig = vocabularyConfig()
        parentConfig.sublinearTF = false
        let parent = Vectorizer.fit(["profit fell", "profit fell again", "costs rose"], config: parentConfig)
        let joined = try XCTUnwrap(mine.besides(parent: parent))
        XCTAssertEqual(joined.columnCount, mine.columnCount + parent.featureCount)
        XCTAssertEqual(joined.parentBlockStart, mine.columnCount)
        XCTAssertNil(joined.besides(parent: parent), "one block at most")
        let texts = ["profit rose and profit fell", "nothing known here", "costs rose, sales rose"]
        let rows = joined.transform(texts)
        XCTAssertEqual(rows.columnCount, joined.columnCount)
        XCTAssertEqual(rows, mine.transform(texts).besides(parent.transform(texts)))
        for (i, text) in texts.enumerated() {
            let one = joined.transform(text)
            XCTAssertEqual(Array(rows.row(i).indices), one.indices)
            XCTAssertEqual(Array(rows.row(i).values), one.values)
            var seen: [Int32] = []
            joined.forEachRow([text], parallel: false) { _, c, _ in seen = Array(c) }
            XCTAssertEqual(seen, one.indices)
        }
        let named = joined.features(of: "profit fell")
        XCTAssertTrue(named.contains { $0.name == "parent:profit fell" && Int($0.index) >= mine.columnCount }, "\(named)")
        XCTAssertTrue(named.contains { $0.name == "profit" && Int($0.index) < mine.columnCount })

        // The stored form (own names and weights, then the block's) rebuilds the same vectorizer.
        let stored = try XCTUnwrap(Vectorizer(stored: joined.config, featureNames: joined.storedFeatureNames,
                                              columnWeights: joined.storedColumnWeights))
        XCTAssertEqual(stored, joined)
        XCTAssertEqual(stored.transform(texts), rows)
        let json = try JSONEncoder().encode(joined.config)
        XCTAssertEqual(try JSONDecoder().decode(FeatureConfig.self, from: json), joined.config)
        XCTAssertNil(Vectorizer(stored: joined.config, featureNames: Array(joined.storedFeatureNames.dropLast()),
                                columnWeights: joined.storedColumnWeights), "sizes that do not split are refused")
        // Without a block the configuration's JSON has no trace of one (older models' bytes do not change).
        XCTAssertFalse(String(decoding: try JSONEncoder().encode(mine.config), as: UTF8.self).contains("parent"))

        // A parent with a character group (or another tokenizer) makes its rows from the text itself.
        let other = try XCTUnwrap(parent.besides(parent: mine))
        XCTAssertEqual(other.transform(texts), parent.transform(texts).besides(mine.transform(texts)))
        var unigrams = vocabularyConfig()
        unigrams.wordNgrams = 1
        let plain = Vectorizer.fit(["profit fell", "costs rose"], config: unigrams)
        let third = try XCTUnwrap(plain.besides(parent: parent))
        XCTAssertEqual(third.transform(texts), plain.transform(texts).besides(parent.transform(texts)))

        // Generations: a block whose vectorizer has a block of its own makes both rows, and is stored and rebuilt.
        let grand = try XCTUnwrap(mine.besides(parent: third))
        XCTAssertEqual(grand.columnCount, mine.columnCount + third.columnCount)
        XCTAssertEqual(grand.transform(texts), mine.transform(texts).besides(plain.transform(texts)).besides(parent.transform(texts)))
        let rebuilt = try XCTUnwrap(Vectorizer(stored: grand.config, featureNames: grand.storedFeatureNames,
                                               columnWeights: grand.storedColumnWeights))
        XCTAssertEqual(rebuilt, grand)
        XCTAssertEqual(rebuilt.transform(texts), grand.transform(texts))
        XCTAssertEqual(try JSONDecoder().decode(FeatureConfig.self, from: JSONEncoder().encode(grand.config)), grand.config)
        // Generations are bounded.
        var chain = parent
        for _ in 0..<ParentBlockConfig.maxDepth { chain = try XCTUnwrap(plain.besides(parent: chain)) }
        XCTAssertNil(plain.besides(parent: chain))
        var deep = plain.config
        deep.parentBlock = ParentBlockConfig(features: chain.config, names: 0, columnWeights: 0)
        XCTAssertThrowsError(try deep.validate())
        XCTAssertNoThrow(try chain.config.validate())
    }

    func testDeterministicAndParallelEqualsSerial() {
        var texts: [String] = []
        for i in 0..<1500 { texts.append(corpus[i % corpus.count] + " \(SampleTexts.all[i % SampleTexts.all.count]) w\(i % 97)") }
        for c in [hashingConfig, vocabularyConfig(minDF: 2)] {
            var c = c
            c.charNgrams = CharNgramRange(min: 2, max: 4)
            let (v1, m1) = Vectorizer.fitTransform(texts, config: c)
            let (v2, m2) = Vectorizer.fitTransform(texts, config: c)
            XCTAssertEqual(v1, v2)
            XCTAssertEqual(m1, m2)
            let serial = v1.transform(texts, maxBlocks: 1)
            let many = v1.transform(texts, maxBlocks: 7, minimumRows: 1)
            XCTAssertEqual(serial, m1)
            XCTAssertEqual(many, m1)
            XCTAssertEqual(v1.transform(texts), m1)
            let one = v1.transform(texts[17])
            XCTAssertEqual(one.indices, Array(m1.row(17).indices))
            XCTAssertEqual(one.values, Array(m1.row(17).values))
        }
    }

    func testRebuildFromStoredValuesAndCodable() throws {
        for c in [hashingConfig, vocabularyConfig()] {
            let v = Vectorizer.fit(corpus, config: c)
            let rebuilt = Vectorizer(config: v.config, featureNames: v.featureNames, idf: v.idf)
            XCTAssertEqual(rebuilt, v)
            XCTAssertEqual(rebuilt.transform(corpus), v.transform(corpus))
            let decoded = try JSONDecoder().decode(Vectorizer.self, from: JSONEncoder().encode(v))
            XCTAssertEqual(decoded.transform(corpus), v.transform(corpus))
        }
    }

    func testFeaturesOfTextNamesEveryEntry() {
        for c in [FeatureConfig.default, vocabularyConfig()] {
            let v = Vectorizer.fit(corpus, config: c)
            let f = v.features(of: "Profit did not rise")
            let row = v.transform("Profit did not rise")
            XCTAssertEqual(f.map { $0.index }, row.indices)
            XCTAssertEqual(f.map { $0.value }, row.values)
            let names = Set(f.flatMap { $0.name.components(separatedBy: " | ") })
            XCTAssertTrue(names.isSuperset(of: ["profit", "not_rise", "not not_rise"]), "\(names)")
        }
    }

    func testValidateRejectsBadSettings() {
        var c = FeatureConfig.default
        XCTAssertNoThrow(try c.validate())
        c.wordNgrams = 0
        XCTAssertThrowsError(try c.validate())
        c = .default
        c.charNgrams = CharNgramRange(min: 4, max: 2)
        XCTAssertThrowsError(try c.validate())
        c = .default
        c.vocabulary = .hashing(buckets: 0)
        XCTAssertThrowsError(try c.validate())
        // fit clamps instead of crashing.
        XCTAssertEqual(Vectorizer.fit(["a"], config: c).featureCount, 1)
    }

    func testEmptyInputs() {
        let (v, m) = Vectorizer.fitTransform([], config: vocabularyConfig())
        XCTAssertEqual(m.rowCount, 0)
        XCTAssertEqual(v.featureCount, 0)
        XCTAssertEqual(v.transform(["", "x"]).nonZeroCount, 0)
    }
}

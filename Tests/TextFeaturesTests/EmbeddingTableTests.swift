import XCTest
import Sparse
@testable import TextFeatures

func embeddingFile(_ entries: [(String, [Float])], metadata: String = "{}") -> [UInt8] {
    EmbeddingTable.fileBytes(entries, metadata: metadata)
}

/// Recomputes the checksum of a file edited in place (to test checks behind it).
func resealed(_ file: [UInt8]) -> [UInt8] {
    var f = file
    let sum = StableHash.fnv1a(bytes: f[EmbeddingTable.headerSize...])
    for i in 0..<8 { f[32 + i] = UInt8((sum >> (8 * UInt64(i))) & 0xFF) }
    return f
}

final class EmbeddingTableTests: XCTestCase {
    let entries: [(String, [Float])] = [
        ("good", [1, 0, 0]), ("bad", [-1, 0, 0]), ("profit", [0.5, 0.5, 0]), ("loss", [-0.5, 0, 0.5]), ("rose", [0, 1, 0]),
    ]

    func testLoadsAndLooksUpTokens() throws {
        let t = try EmbeddingTable(bytes: embeddingFile(entries, metadata: #"{"encoder":"x"}"#), identity: "id")
        XCTAssertEqual(t.dimensions, 3)
        XCTAssertEqual(t.count, 5)
        XCTAssertEqual(t.identity, "id")
        XCTAssertEqual(t.metadata, #"{"encoder":"x"}"#)
        XCTAssertEqual(t.vector("loss"), [-0.5, 0, 0.5])
        XCTAssertNil(t.vector("Loss"))
        XCTAssertNil(t.vector("gain"))
    }

    func testCorruptOrTruncatedFilesAreRefused() {
        let good = embeddingFile(entries)
        func refused(_ bytes: [UInt8], _ fragment: String, line: UInt = #line) {
            XCTAssertThrowsError(try EmbeddingTable(bytes: bytes, identity: "x"), line: line) { e in
                XCTAssertTrue("\(e)".contains(fragment), "\(e)", line: line)
            }
        }
        refused([], "shorter than the 48-byte header")
        refused(Array(good.prefix(47)), "shorter than")
        refused(Array(good.dropLast()), "truncated")
        refused(Array(good.prefix(EmbeddingTable.headerSize + 10)), "truncated")
        refused(good + [0], "trailing bytes")
        var flipped = good
        flipped[flipped.count - 3] ^= 0x40
        refused(flipped, "checksum mismatch")
        var magic = good
        magic[0] = 0x58
        refused(magic, "bad magic")
        var version = good
        version[8] = 2
        refused(version, "version 2")
        // A header that claims a huge table is refused before anything is allocated from it.
        var huge = good
        huge[16] = 0xFF; huge[17] = 0xFF; huge[18] = 0x1F
        refused(huge, "token bytes for 2097151 tokens")
        var long = good
        long[12] = 0; long[13] = 4  // 1024 dimensions: a valid header describing a far longer file
        refused(long, "describes")
        var wide = good
        wide[13] = 0x40
        refused(wide, "dimensions")
        // Checks behind the checksum: order of tokens, finite values.
        var unsorted = good
        let at = EmbeddingTable.headerSize + 2 + 1  // the first letter of the first token, "bad" → "zad" (> "good")
        unsorted[at] = UInt8(ascii: "z")
        refused(resealed(unsorted), "out of order")
        var nan = good
        nan[nan.count - 1] = 0x7E  // a Float16 NaN
        refused(resealed(nan), "not a finite number")
    }

    /// The test table, a vocabulary of every word, four texts (known words, a negation, none known, a repeat) and
    /// the plain vectorizer fitted on them.
    func fourTexts() throws -> (EmbeddingTable, FeatureConfig, [String], Vectorizer) {
        let table = try EmbeddingTable(bytes: embeddingFile(entries), identity: "t")
        var config = FeatureConfig.default
        config.vocabulary = .vocabulary(minDocumentFrequency: 1, maxFeatures: nil)
        let texts = ["Profit rose", "Good profit, not bad", "nothing known here", "bad bad loss"]
        return (table, config, texts, Vectorizer.fit(texts, config: config))
    }

    func testTransformAppendsTheUnitMeanAfterTheSparseColumns() throws {
        let (table, config, texts, plain) = try fourTexts()
        let v = plain.attaching(table, weight: 0.5, pooling: .unitLength)
        XCTAssertEqual(v.columnCount, plain.featureCount + 3)
        XCTAssertEqual(v.config.embeddings, EmbeddingGroupConfig(weight: 0.5, table: "t", dimensions: 3, pooling: .unitLength))
        let X = v.transform(texts), S = plain.transform(texts)
        XCTAssertEqual(X.columnCount, v.columnCount)
        func dense(_ r: Int) -> [Float] { Array(X.row(r).values.suffix(from: X.row(r).values.startIndex + S.row(r).values.count)) }
        for r in 0..<texts.count {
            XCTAssertEqual(Array(X.row(r).indices.prefix(S.row(r).indices.count)), Array(S.row(r).indices), "sparse part unchanged")
        }
        // "profit rose": mean of (0.5,0.5,0) and (0,1,0) = (0.25,0.75,0), unit length, times 0.5.
        let n = (0.25 * 0.25 + 0.75 * 0.75).squareRoot()
        let expected = [0.25 / n * 0.5, 0.75 / n * 0.5, 0].map { Float($0) }
        XCTAssertEqual(Array(X.row(0).indices.suffix(3)), (0..<3).map { Int32(plain.featureCount + $0) })
        for (a, b) in zip(dense(0), expected) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        // Negation-marked tokens ("not_bad") use their word: good + profit + bad.
        let g = [1 + 0.5 - 1, 0.5, 0.0], gn = (g.map { $0 * $0 }.reduce(0, +)).squareRoot()
        for (a, b) in zip(dense(1), g.map { Float($0 / gn * 0.5) }) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        XCTAssertEqual(X.row(2).indices.count, S.row(2).indices.count, "no known token: no dense entries")
        // Every occurrence counts: bad, bad, loss.
        let m = [-2.5, 0, 0.5], mn = (m.map { $0 * $0 }.reduce(0, +)).squareRoot()
        for (a, b) in zip(dense(3), m.map { Float($0 / mn * 0.5) }) { XCTAssertEqual(a, b, accuracy: 1e-6) }

        // The one-text path and the training path (means computed once, appended per weight) give the same bits.
        for (r, text) in texts.enumerated() {
            let one = v.transform(text)
            XCTAssertEqual(one.indices, Array(X.row(r).indices))
            XCTAssertEqual(one.values.map(\.bitPattern), Array(X.row(r).values).map(\.bitPattern))
        }
        let means = table.means(texts, tokenizer: config.tokenizer, pooling: .unitLength)
        XCTAssertEqual(means.present, [true, true, false, true])
        // 8 of 12 tokens known: "not" and "nothing" (a negation cue: not_known not_here) are not in the table.
        XCTAssertEqual(means.coverage, 8.0 / 12.0, accuracy: 1e-12)
        let appended = means.appended(to: S, weight: 0.5)
        XCTAssertEqual(appended.columnIndices, X.columnIndices)
        XCTAssertEqual(appended.values.map(\.bitPattern), X.values.map(\.bitPattern))
        XCTAssertEqual(means.appended(to: S.rows([3, 1]), weight: 0.5, rows: [3, 1]), X.rows([3, 1]))
        // Deterministic, and off again at weight 0.
        XCTAssertEqual(v.transform(texts), X)
        XCTAssertEqual(v.attaching(table, weight: 0, pooling: .unitLength), plain)
        XCTAssertEqual(v.attaching(table, weight: 0, pooling: .unitLength).transform(texts), S)
        // Explanations name the dense columns.
        XCTAssertTrue(v.features(of: "good").contains { $0.name == Vectorizer.embeddingFeatureName(0) })
    }

    /// Root-count pooling: the sum of the known tokens' vectors over √(their count). The configuration records it
    /// (a unit-length group encodes as it did before the field existed, and decodes without it), and a projection
    /// (a linear model's group weights) folds into each word's row: the collapsed columns equal the full row's
    /// scores over the group, for both poolings.
    func testRootCountPoolingAndItsProjection() throws {
        let (table, config, texts, plain) = try fourTexts()
        let v = plain.attaching(table, weight: 0.5, pooling: .rootCount)
        XCTAssertEqual(v.config.embeddings?.pooling, .rootCount)
        let X = v.transform(texts), S = plain.transform(texts)
        func dense(_ r: Int) -> [Float] { Array(X.row(r).values.dropFirst(S.row(r).values.count)) }
        // "profit rose": (0.5,0.5,0) + (0,1,0) = (0.5,1.5,0), over √2, times 0.5.
        for (a, b) in zip(dense(0), [0.5, 1.5, 0].map { Float($0 / Double(2).squareRoot() * 0.5) }) {
            XCTAssertEqual(a, b, accuracy: 1e-6)
        }
        // Every occurrence counts: bad, bad, loss = (-2.5, 0, 0.5) over √3.
        XCTAssertEqual(dense(3).count, 3)
        for (a, b) in zip(dense(3), [-2.5, 0, 0.5].map { Float($0 / Double(3).squareRoot() * 0.5) }) {
            XCTAssertEqual(a, b, accuracy: 1e-6)
        }
        XCTAssertEqual(X.row(2).indices.count, S.row(2).indices.count, "no known token: no dense entries")
        let means = table.means(texts, tokenizer: config.tokenizer, pooling: .rootCount)
        XCTAssertEqual(means.appended(to: S, weight: 0.5).values.map(\.bitPattern), X.values.map(\.bitPattern))

        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let root = String(decoding: try encoder.encode(v.config.embeddings!), as: UTF8.self)
        XCTAssertTrue(root.contains(#""pooling":"root-count""#), root)
        let unit = EmbeddingGroupConfig(weight: 0.5, table: "t", dimensions: 3, pooling: .unitLength)
        let unitJSON = String(decoding: try encoder.encode(unit), as: UTF8.self)
        XCTAssertEqual(unitJSON, #"{"dimensions":3,"table":"t","weight":0.5}"#)
        XCTAssertEqual(try JSONDecoder().decode(EmbeddingGroupConfig.self, from: Data(unitJSON.utf8)), unit)
        XCTAssertEqual(try JSONDecoder().decode(EmbeddingGroupConfig.self, from: Data(root.utf8)), v.config.embeddings)
        XCTAssertThrowsError(try JSONDecoder().decode(EmbeddingGroupConfig.self,
                                                      from: Data(root.replacingOccurrences(of: "root-count", with: "max").utf8)))
        // In a feature configuration a root-count group has its own key: a build that knows only `embeddings` sees
        // no group there (and refuses the model, whose weights then outnumber its features).
        struct OldView: Decodable { struct Group: Decodable { var dimensions: Int }; var embeddings: Group? }
        let rootConfig = try encoder.encode(v.config), unitConfig = try encoder.encode(plain.attaching(table, weight: 0.5, pooling: .unitLength).config)
        XCTAssertNil(try JSONDecoder().decode(OldView.self, from: rootConfig).embeddings)
        XCTAssertEqual(try JSONDecoder().decode(OldView.self, from: unitConfig).embeddings?.dimensions, 3)
        XCTAssertEqual(try JSONDecoder().decode(FeatureConfig.self, from: rootConfig), v.config)
        XCTAssertEqual(try JSONDecoder().decode(FeatureConfig.self, from: unitConfig).embeddings?.pooling, .unitLength)
        let rootText = String(decoding: rootConfig, as: UTF8.self)
        XCTAssertTrue(rootText.contains(#""pooledEmbeddings":{"#) && !rootText.contains(#""embeddings""#), rootText)
        for bad in [rootText.replacingOccurrences(of: "pooledEmbeddings", with: "embeddings"),
                    rootText.replacingOccurrences(of: #""pooledEmbeddings":"#, with: #""embeddings":\#(String(decoding: try encoder.encode(unit), as: UTF8.self)),"pooledEmbeddings":"#)] {
            XCTAssertThrowsError(try JSONDecoder().decode(FeatureConfig.self, from: Data(bad.utf8)), bad)
        }

        // 3 dimensions × 2 columns (folded into the words' rows under root count), and × 3 (as wide as the vectors:
        // not folded, the projection applied to the pooled vector).
        let projections: [(width: Int, W: [Float])] = [(2, [0.3, -1.2, 2.0, 0.7, -0.4, 0.9]),
                                                       (3, [0.3, -1.2, 0.5, 2.0, 0.7, -0.1, -0.4, 0.9, 1.1])]
        let f = plain.featureCount
        for pooling in [EmbeddingPooling.unitLength, .rootCount] {
            for (width, W) in projections {
                let g = plain.attaching(table, weight: 0.5, pooling: pooling)
                let c = try XCTUnwrap(g.projectingEmbedding(through: W, width: width))
                XCTAssertEqual(c.projectedRows.count, pooling == .rootCount && width < 3 ? table.count * width : 0)
                for text in texts + ["not good", "profit profit rose", ""] {
                    let full = g.transform(text), short = c.transform(text)
                    let group = zip(full.indices, full.values).filter { Int($0.0) >= f }
                    let scores = (0..<width).map { col in group.reduce(Float(0)) { $0 + $1.1 * W[(Int($1.0) - f) * width + col] } }
                    XCTAssertEqual(Array(short.indices.prefix { Int($0) < f }), Array(full.indices.prefix { Int($0) < f }), text)
                    XCTAssertEqual(Array(short.indices.drop { Int($0) < f }), group.isEmpty ? [] : (0..<width).map { Int32(f + $0) }, text)
                    for (a, b) in zip(short.values.dropFirst(short.values.count - (group.isEmpty ? 0 : width)), scores) {
                        XCTAssertEqual(a, b, accuracy: 1e-5, "\(pooling) \(width) \(text)")
                    }
                }
            }
        }
    }

    func testAVectorizerWithTheGroupIsNotDecodedWithoutItsTable() throws {
        let table = try EmbeddingTable(bytes: embeddingFile(entries), identity: "t")
        let v = Vectorizer.fit(["good profit", "bad loss"], config: .default).attaching(table, weight: 1, pooling: .rootCount)
        let data = try JSONEncoder().encode(v)
        XCTAssertThrowsError(try JSONDecoder().decode(Vectorizer.self, from: data))
        // Without the group the encoding is what it always was.
        let plain = Vectorizer.fit(["good profit", "bad loss"], config: .default)
        XCTAssertFalse(String(decoding: try JSONEncoder().encode(plain.config), as: UTF8.self).contains("embeddings"))
    }
}

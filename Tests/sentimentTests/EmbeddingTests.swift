import Foundation
import XCTest

/// The static word-embedding group end to end through the executable: train with it, predict, explain, evaluate.
final class EmbeddingTests: XCTestCase {
    func testTrainAndPredictWithTheEmbeddingGroup() throws {
        let box = try Sandbox()
        let train = try box.write("train.csv", smallCorpus(step: 3, offset: 0))
        let test = try box.write("test.csv", smallCorpus(step: 7, offset: 1))

        // A single candidate weight: cross-validation tunes λ with the group on (without the shipped model's block,
        // whose features would crowd the group out of the explanation below).
        let on = try jsonObject(box.ok(["train", "--corpus", train, "--name", "emb", "--embedding-weights", "1",
                                        "--no-default-parent", "--format", "json"]))
        XCTAssertEqual(on["embedding_weight"] as? Double, 1)
        XCTAssertEqual(on["embedding_pooling"] as? String, "unit-length", "800 rows: the unit-length mean")
        XCTAssertGreaterThan(on["embedding_coverage"] as? Double ?? 0, 0.5)
        let table = try box.ok(["train", "--corpus", train, "--name", "emb", "--embedding-weights", "1", "--no-default-parent"])
        XCTAssertTrue(table.contains("embeddings") && table.contains("weight 1.0"), table)

        let texts = ["Profit jumps 40% as orders surge", "Factory closes and 300 jobs are cut"]
        let rows = try jsonArray(box.ok(["predict", "--model", "emb@1", "--format", "json", "--no-store"] + texts))
        XCTAssertEqual(rows.count, 2)
        for r in rows {
            let p = try XCTUnwrap(r["probabilities"] as? [String: Double])
            XCTAssertEqual(p.values.reduce(0, +), 1, accuracy: 1e-4)
        }
        // Same model twice (versions 1 and 2): the same predictions.
        let again = try jsonArray(box.ok(["predict", "--model", "emb@2", "--format", "json", "--no-store"] + texts))
        XCTAssertEqual(rows.map { $0["probabilities"] as? [String: Double] }, again.map { $0["probabilities"] as? [String: Double] })
        let explained = try box.ok(["predict", "--model", "emb@1", "--explain", "--no-store", texts[0]])
        XCTAssertTrue(explained.contains("(word embeddings)"), explained)
        let evaluated = try jsonObject(box.ok(["evaluate", "--model", "emb@1", "--corpus", test, "--format", "json"]))
        XCTAssertNotNil(evaluated["macro_f1"])

        // Off: no embedding columns, and the output says none was chosen.
        let off = try jsonObject(box.ok(["train", "--corpus", train, "--name", "plain", "--no-embeddings", "--format", "json"]))
        XCTAssertNil(off["embedding_weight"] as? Double)
        // By default cross-validation tries it on a small corpus (this one has 800 rows)…
        let small = try jsonObject(box.ok(["train", "--corpus", train, "--name", "auto", "--format", "json"]))
        XCTAssertGreaterThan(small["embedding_coverage"] as? Double ?? 0, 0.5, "\(small)")
        // … and on one over 2,000 rows (2,400) with one weight besides 0, the group pooled by root count when chosen.
        let large = repoPath("Corpora/headlines-en/headlines.csv")
        let wide = try box.ok(["train", "--corpus", large, "--name", "large", "--char-ngrams", "off"])
        let line = try XCTUnwrap(wide.split(separator: "\n").first { $0.hasPrefix("embeddings") }, wide)
        XCTAssertTrue(line.contains("by weight 0.0: ") && line.contains(", 0.5: ") && !line.contains("1.0:"), String(line))
        XCTAssertTrue(wide.split(separator: "\n").contains { $0.hasPrefix("rows") && $0.hasSuffix(" 2400") }, wide)
        XCTAssertEqual(line.contains("weight 0.5, root-count pooling ("), !line.contains("weight 0.0 ("), String(line))
        let shown = try jsonObject(box.ok(["models", "show", "large", "--format", "json"]))
        if line.contains("weight 0.0 (") {
            XCTAssertTrue(shown["embeddings"] is NSNull, "\(shown)")
        } else {
            XCTAssertEqual((shown["embeddings"] as? [String: Any])?["pooling"] as? String, "root-count", "\(shown)")
        }
        // The 800-row model's group is a unit-length mean, as before.
        let smallShown = try jsonObject(box.ok(["models", "show", "emb", "--format", "json"]))
        XCTAssertEqual((smallShown["embeddings"] as? [String: Any])?["pooling"] as? String, "unit-length", "\(smallShown)")
        // Adapting from a parent that brings only its weights (the shipped model has no group) tries both: the
        // corpus's own embedding trial, then the parent's strengths on the features with the chosen group.
        let adapted = try jsonObject(box.ok(["train", "--from", "default", "--corpus", train, "--name", "adapted",
                                             "--char-ngrams", "off", "--format", "json"]))
        XCTAssertNotNil(adapted["parent_weight"] as? Double, "\(adapted)")
        XCTAssertGreaterThan(adapted["embedding_coverage"] as? Double ?? 0, 0.5, "\(adapted)")
        let adaptedRows = try jsonArray(box.ok(["predict", "--model", "adapted", "--format", "json", "--no-store"] + texts))
        XCTAssertEqual(adaptedRows.count, 2)
        let adaptedEval = try jsonObject(box.ok(["evaluate", "--model", "adapted", "--corpus", test, "--format", "json"]))
        XCTAssertGreaterThan(adaptedEval["macro_f1"] as? Double ?? 0, 0.5, "\(adaptedEval)")
        // … and without the group when told so.
        let noGroup = try jsonObject(box.ok(["train", "--from", "default", "--corpus", train, "--name", "adapted",
                                             "--char-ngrams", "off", "--no-embeddings", "--format", "json"]))
        XCTAssertNil(noGroup["embedding_coverage"] as? Double, "\(noGroup)")
        let bad = try box.run(["train", "--corpus", train, "--embedding-weights", "0,x"])
        XCTAssertEqual(bad.code, 64, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("--embedding-weights"), bad.stderr)
    }
}

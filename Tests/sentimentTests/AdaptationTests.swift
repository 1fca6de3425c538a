import Foundation
import XCTest

/// `train --from` a model without stored corpora (imported, like the shipped one) brings the parent's weights in.
final class AdaptationTests: XCTestCase {
    /// Texts of a planted signal: 60 positive and 60 negative cue words, the rest filler; neutral rows have no cue.
    /// Deterministic (a fixed linear congruential sequence per seed).
    static func corpus(rows: Int, seed: UInt64) -> String {
        var state = seed &* 6364136223846793005 &+ 1442695040888963407
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        var lines = ["text,label"]
        let labels = ["positive", "negative", "neutral"]
        for i in 0..<rows {
            let label = labels[i % 3]
            var words = (0..<6).map { _ in "filler\(next(300))" }
            if label != "neutral" {
                let cue = label == "positive" ? "upcue" : "downcue"
                words[next(6)] = "\(cue)\(next(60))"
            }
            lines.append(words.joined(separator: " ") + ",\(label)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func testFromAnImportedParentBeatsTrainingAlone() throws {
        let box = try Sandbox()
        let parentCorpus = try box.write("parent.csv", Self.corpus(rows: 1_800, seed: 1))
        let child = try box.write("child.csv", Self.corpus(rows: 60, seed: 2))
        let heldOut = try box.write("held-out.csv", Self.corpus(rows: 600, seed: 3))
        // The parent is trained elsewhere and imported: its corpora are not in this store, only its weights.
        let elsewhere = box.path("elsewhere.sqlite")
        _ = try box.ok(["train", "--db", elsewhere, "--no-default-model", "--corpus", parentCorpus, "--name", "parent", "--char-ngrams", "off"])
        let file = box.path("parent.sentiment-model")
        _ = try box.ok(["models", "export", "parent", file, "--db", elsewhere])
        _ = try box.ok(["models", "import", file])

        // Word features on both sides: the adaptation is what is measured (character 4-grams of this synthetic
        // vocabulary would separate it alone; CharNgramTests checks that a weights-only parent gets the trial).
        let alone = try jsonObject(box.ok(["train", "--corpus", child, "--name", "alone", "--char-ngrams", "off",
                                           "--no-default-parent", "--format", "json"]))
        XCTAssertNil(alone["parent_weight"] as? Double)
        let adapted = try jsonObject(box.ok(["train", "--from", "parent", "--corpus", child, "--name", "adapted",
                                             "--char-ngrams", "off", "--format", "json"]))
        XCTAssertEqual(adapted["parent"] as? String, "parent@1")
        XCTAssertGreaterThan(adapted["parent_weight"] as? Double ?? 0, 0, "\(adapted)")
        XCTAssertEqual(adapted["rows"] as? Int, 60)

        func macroF1(_ model: String) throws -> Double {
            let r = try jsonObject(box.ok(["evaluate", "--model", model, "--corpus", heldOut, "--format", "json"]))
            return try XCTUnwrap(r["macro_f1"] as? Double)
        }
        let (a, f) = (try macroF1("alone"), try macroF1("adapted"))
        // 60 rows name few of the 120 cue words twice; the parent knows them all.
        XCTAssertGreaterThan(f, a + 0.1, "alone \(a), from the parent \(f)")
        XCTAssertGreaterThan(f, 0.9)

        // Same corpus, settings and seed in another store: the same model, byte for byte.
        let other = box.path("other.sqlite")
        _ = try box.ok(["models", "import", file, "--db", other])
        _ = try box.ok(["train", "--db", other, "--from", "parent", "--corpus", child, "--name", "adapted",
                        "--char-ngrams", "off"])
        let one = box.path("one.model"), two = box.path("two.model")
        _ = try box.ok(["models", "export", "adapted@1", one])
        _ = try box.ok(["models", "export", "adapted@1", two, "--db", other])
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: one)), try Data(contentsOf: URL(fileURLWithPath: two)))

        // The table output says what the parent contributed.
        let table = try box.ok(["train", "--from", "parent@1", "--corpus", child, "--name", "adapted", "--char-ngrams", "off"])
        XCTAssertTrue(table.contains("parent") && table.contains("CV macro-F1 by weight"), table)

        // The parent's block travels with the model: shown, exported, imported elsewhere, predicting the same.
        let shown = try jsonObject(box.ok(["models", "show", "adapted@1", "--format", "json"]))
        let blockSize = try XCTUnwrap(shown["parent_block_features"] as? Int, "\(shown)")
        XCTAssertGreaterThan(blockSize, 100, "the parent's vocabulary")
        XCTAssertTrue(try box.ok(["models", "show", "adapted@1"]).contains("and the parent's \(blockSize) beside them"))
        let fresh = box.path("fresh.sqlite")
        _ = try box.ok(["models", "import", one, "--db", fresh, "--no-default-model"])
        let here = try box.ok(["predict", "--model", "adapted@1", "--file", heldOut, "--no-store", "--format", "csv"])
        let there = try box.ok(["predict", "--db", fresh, "--model", "adapted@1", "--file", heldOut, "--no-store", "--format", "csv"])
        XCTAssertEqual(here, there)
        XCTAssertGreaterThan(here.count, 10_000)
        // Retrained from in the store (its corpus is there), the adapted model passes its own parent on again: the
        // fit adapts from that parent rather than drop what it brought.
        let more = try box.write("more.csv", Self.corpus(rows: 30, seed: 4))
        let retrained = try jsonObject(box.ok(["train", "--from", "adapted@1", "--corpus", more, "--name", "retrained",
                                               "--char-ngrams", "off", "--format", "json"]))
        XCTAssertEqual(retrained["rows"] as? Int, 90, "the parent's corpus and the new one")
        XCTAssertNotNil(retrained["parent_weight"] as? Double, "\(retrained)")
        XCTAssertGreaterThan(try macroF1("retrained"), a + 0.1)
        // And so on down the line: the weights-only model is found through the parents.
        let more2 = try box.write("more2.csv", Self.corpus(rows: 30, seed: 5))
        let line = try jsonObject(box.ok(["train", "--from", "retrained", "--corpus", more2, "--name", "retrained",
                                          "--char-ngrams", "off", "--format", "json"]))
        XCTAssertEqual(line["rows"] as? Int, 120)
        XCTAssertNotNil(line["parent_weight"] as? Double, "\(line)")
        // A model adapted from another is a parent in turn (its own block nested in the new one's): imported
        // without its corpus, trained from, exported and imported again, it predicts the same.
        let again = try box.run(["train", "--db", fresh, "--from", "adapted@1", "--corpus", more, "--name", "again",
                                 "--char-ngrams", "off", "--format", "json"])
        XCTAssertEqual(again.code, 0, again.stderr)
        XCTAssertFalse(again.stderr.contains("warning"), again.stderr)
        XCTAssertNotNil(try jsonObject(again.stdout)["parent_weight"] as? Double, again.stdout)
        let againFile = box.path("again.model")
        _ = try box.ok(["models", "export", "again", againFile, "--db", fresh])
        let third = box.path("third.sqlite")
        _ = try box.ok(["models", "import", againFile, "--db", third, "--no-default-model"])
        XCTAssertEqual(try box.ok(["predict", "--db", fresh, "--model", "again", "--file", heldOut, "--no-store", "--format", "csv"]),
                       try box.ok(["predict", "--db", third, "--model", "again", "--file", heldOut, "--no-store", "--format", "csv"]))
        // Explanations name the parent's features apart from the corpus's own.
        let explained = try box.ok(["predict", "--model", "adapted@1", "--explain", "upcue1 upcue2 upcue3 filler1"])
        XCTAssertTrue(explained.contains("parent:upcue"), explained)
    }

    /// A weights-only parent whose labels the corpus does not share cannot help: said, and trained alone.
    func testAParentWithOtherLabelsIsNamedInAWarning() throws {
        let box = try Sandbox()
        let child = try box.write("child.csv", Self.corpus(rows: 60, seed: 2)
            .replacingOccurrences(of: ",positive", with: ",bullish").replacingOccurrences(of: ",negative", with: ",bearish"))
        let r = try box.run(["train", "--from", "default", "--corpus", child, "--format", "json"])
        XCTAssertEqual(r.code, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("shares fewer than two labels with the corpus (its labels: negative, neutral, positive)"), r.stderr)
        XCTAssertNil(try jsonObject(r.stdout)["parent_weight"] as? Double)
    }

    func testAParentWhoseCorporaAreInTheDataIsNotAPrior() throws {
        let box = try Sandbox()
        let parentCorpus = try box.write("parent.csv", Self.corpus(rows: 300, seed: 1))
        let child = try box.write("child.csv", Self.corpus(rows: 60, seed: 2))
        _ = try box.ok(["train", "--corpus", parentCorpus, "--name", "parent", "--no-default-parent"])
        let r = try jsonObject(box.ok(["train", "--from", "parent", "--corpus", child, "--no-default-parent", "--format", "json"]))
        XCTAssertEqual(r["rows"] as? Int, 360)
        XCTAssertNil(r["parent_weight"] as? Double, "\(r)")
    }

    /// A corpus too small for cross-validation to judge the shipped model takes it at full weight, and says why.
    /// The header and the first `rows` headlines of the project's financial news corpus (one headline per line).
    static func financialNews(rows: Int) throws -> String {
        try String(contentsOfFile: repoPath("Corpora/financial-news-en/news.csv"), encoding: .utf8)
            .split(separator: "\n").prefix(rows + 1).joined(separator: "\n") + "\n"
    }

    func testATinyCorpusTakesTheShippedModelAtFullWeight() throws {
        let box = try Sandbox()
        let tiny = try box.write("tiny.csv", try Self.financialNews(rows: 30))
        let json = try jsonObject(box.ok(["train", "--corpus", tiny, "--char-ngrams", "off", "--no-embeddings", "--format", "json"]))
        XCTAssertEqual(json["rows"] as? Int, 30)
        XCTAssertEqual(json["parent_weight"] as? Double, 1, "\(json)")
        XCTAssertEqual(json["parent"] as? String, "default@1")
        XCTAssertTrue((json["parent_weight_fixed_because"] as? String ?? "").contains("rows of the rarest label"), "\(json)")
        let table = try box.ok(["train", "--corpus", tiny, "--name", "again", "--char-ngrams", "off", "--no-embeddings"])
        XCTAssertTrue(table.contains("weight 1.0") && table.contains("full weight, not chosen by CV"), table)
        // Five texts without a word in common: no feature of their own, but the shipped model carries them.
        let headlines = ["Profit doubles as orders surge,positive", "Plant closes and jobs are cut,negative",
                         "Company to hold annual meeting on Friday,neutral", "Record quarter lifts outlook,positive",
                         "Lender warns of deeper losses,negative"]
        let five = try box.write("five.csv", (["text,label"] + headlines).joined(separator: "\n") + "\n")
        let carried = try jsonObject(box.ok(["train", "--corpus", five, "--char-ngrams", "off", "--no-embeddings", "--format", "json"]))
        XCTAssertEqual(carried["features"] as? Int, 0, "\(carried)")
        XCTAssertEqual(carried["parent_weight"] as? Double, 1, "\(carried)")
        let said = try box.ok(["predict", "--model", "five", "--no-store", "--format", "csv", "Profit falls sharply as the plant closes",
                               "Shares rise on record demand"])
        XCTAssertTrue(said.contains(",negative,") && said.contains(",positive,"), said)
        let bare = try box.run(["train", "--corpus", five, "--name", "bare", "--no-default-parent"])
        XCTAssertEqual(bare.code, 65, bare.stderr)
        XCTAssertTrue(bare.stderr.contains("no feature was kept"), bare.stderr)
        // Three headlines, fewer than the 5 folds: cross-validated with one fold per row, so the shipped model still
        // carries them; their out-of-fold rows carry no scale, so the model keeps the shipped model's temperature.
        let three = try box.write("three.csv", (["text,label"] + headlines.prefix(3)).joined(separator: "\n") + "\n")
        let few = try jsonObject(box.ok(["train", "--corpus", three, "--format", "json"]))
        XCTAssertEqual(few["tuned"] as? Bool, true, "\(few)")
        XCTAssertEqual(few["parent_weight"] as? Double, 1, "\(few)")
        XCTAssertTrue((few["parent_weight_fixed_because"] as? String ?? "").contains("3-fold CV"), "\(few)")
        let shipped = try jsonObject(box.ok(["models", "show", "default", "--format", "json"]))
        XCTAssertEqual(few["temperature"] as? Double ?? 0, shipped["temperature"] as? Double ?? 1, accuracy: 1e-6, "\(few)")
        let fewAlone = try jsonObject(box.ok(["train", "--corpus", three, "--name", "three-alone", "--no-default-parent",
                                              "--min-df", "1", "--format", "json"]))
        XCTAssertEqual(fewAlone["tuned"] as? Bool, false, "without a parent three rows are not cross-validated: \(fewAlone)")
        // A corpus the folds can judge reports no such reason.
        let judged = try jsonObject(box.ok(["train", "--corpus", repoPath("Corpora/financial-news-en/news.csv"), "--name", "judged",
                                            "--char-ngrams", "off", "--no-embeddings", "--format", "json"]))
        XCTAssertNotNil(judged["parent_weight"] as? Double, "\(judged)")
        XCTAssertNil(judged["parent_weight_fixed_because"] as? String, "\(judged)")
    }

    /// Without --from, small training data tries the shipped model as a parent block (as `--from default`), keeps
    /// its own name and settings, and records the parent only when the fit takes it.
    func testSmallDataTriesTheShippedModel() throws {
        let box = try Sandbox()
        // Headlines of a kind the shipped model knows (it was trained on this corpus): cross-validation takes it.
        let rows = try Self.financialNews(rows: 300)
        let small = try box.write("small.csv", rows)
        let taken = try jsonObject(box.ok(["train", "--corpus", small, "--char-ngrams", "off", "--no-embeddings", "--format", "json"]))
        XCTAssertEqual(taken["model"] as? String, "small@1", "named after the corpus, not the parent")
        XCTAssertGreaterThan(taken["parent_weight"] as? Double ?? 0, 0, "\(taken)")
        XCTAssertEqual(taken["parent"] as? String, "default@1")
        let shown = try jsonObject(box.ok(["models", "show", "small@1", "--format", "json"]))
        XCTAssertGreaterThan(shown["parent_block_features"] as? Int ?? 0, 1_000, "\(shown)")
        // The same model as asking for it (in another store, under the same name), byte for byte.
        let asked = box.path("asked.sqlite")
        _ = try box.ok(["train", "--db", asked, "--from", "default", "--corpus", small, "--name", "small",
                        "--char-ngrams", "off", "--no-embeddings"])
        let one = box.path("one.model"), two = box.path("two.model")
        _ = try box.ok(["models", "export", "small@1", one])
        _ = try box.ok(["models", "export", "small@1", two, "--db", asked])
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: one)), try Data(contentsOf: URL(fileURLWithPath: two)))

        // Labels spelled with capitals take the weights of the shipped model's lower-case ones, and keep their spelling.
        let capitals = try box.write("capitals.csv", rows.replacingOccurrences(of: ",positive", with: ",Positive")
            .replacingOccurrences(of: ",negative", with: ",Negative").replacingOccurrences(of: ",neutral", with: ",Neutral"))
        let capital = try jsonObject(box.ok(["train", "--corpus", capitals, "--char-ngrams", "off", "--no-embeddings", "--format", "json"]))
        XCTAssertEqual(capital["labels"] as? [String], ["Negative", "Neutral", "Positive"], "\(capital)")
        XCTAssertEqual(capital["parent_weight"] as? Double, taken["parent_weight"] as? Double, "\(capital)")

        // Not tried when told so, nor on other labels (no warning: nothing was asked for).
        let alone = try jsonObject(box.ok(["train", "--corpus", small, "--name", "alone", "--char-ngrams", "off",
                                           "--no-embeddings", "--no-default-parent", "--format", "json"]))
        XCTAssertNil(alone["parent_weight"] as? Double, "\(alone)")
        XCTAssertNil(alone["parent"] as? String)
        let other = try box.write("other.csv", Self.corpus(rows: 60, seed: 2)
            .replacingOccurrences(of: ",positive", with: ",bullish").replacingOccurrences(of: ",negative", with: ",bearish")
            .replacingOccurrences(of: ",neutral", with: ",flat"))
        let r = try box.run(["train", "--corpus", other, "--char-ngrams", "off", "--no-embeddings", "--format", "json"])
        XCTAssertEqual(r.code, 0, r.stderr)
        XCTAssertFalse(r.stderr.contains("warning"), r.stderr)
        XCTAssertNil(try jsonObject(r.stdout)["parent_weight"] as? Double, r.stdout)
        // Nor on data over the limit (2,400 rows).
        let large = try jsonObject(box.ok(["train", "--corpus", repoPath("Corpora/headlines-en/headlines.csv"), "--name", "large",
                                           "--char-ngrams", "off", "--no-embeddings", "--format", "json"]))
        XCTAssertEqual(large["rows"] as? Int, 2_400)
        XCTAssertNil(large["parent_weight"] as? Double, "\(large)")
        // Nor in a store without the shipped model.
        let bare = box.path("bare.sqlite")
        let none = try jsonObject(box.ok(["train", "--db", bare, "--no-default-model", "--corpus", small, "--char-ngrams", "off",
                                          "--no-embeddings", "--format", "json"]))
        XCTAssertNil(none["parent_weight"] as? Double, "\(none)")
        // Asked for there, it is missed aloud; and it needs a tuned fit in memory.
        let missing = try box.run(["train", "--db", bare, "--no-default-model", "--corpus", small, "--name", "asked",
                                   "--default-parent", "--char-ngrams", "off", "--no-embeddings"])
        XCTAssertEqual(missing.code, 0, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("the store has no shipped model"), missing.stderr)
        for flags in [["--streaming"], ["--no-tune"], ["--l2", "0.001"]] {
            let r = try box.run(["train", "--corpus", small, "--default-parent"] + flags)
            XCTAssertEqual(r.code, 64, "\(flags): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("--default-parent needs"), r.stderr)
        }

        // Retraining the model continues the block from the shipped model found up its line of parents.
        let more = try box.write("more.csv", "text,label\nProfit doubles as orders surge,positive\nPlant closes and jobs are cut,negative\n"
                                 + "Company to hold annual meeting on Friday,neutral\n")
        let retrained = try jsonObject(box.ok(["train", "--from", "small", "--corpus", more, "--char-ngrams", "off",
                                               "--no-embeddings", "--format", "json"]))
        XCTAssertEqual(retrained["rows"] as? Int, 303)
        XCTAssertEqual(retrained["parent"] as? String, "small@1")
        XCTAssertNotNil(retrained["parent_weight"] as? Double, "\(retrained)")

        // Beside a --from model with corpora the shipped model is tried too; the line of parents then names that
        // model, and retraining finds the block's source by its vocabulary instead.
        _ = try box.ok(["train", "--corpus", small, "--name", "base", "--char-ngrams", "off", "--no-embeddings", "--no-default-parent"])
        let continued = try jsonObject(box.ok(["train", "--from", "base", "--corpus", more, "--format", "json"]))
        XCTAssertEqual(continued["parent"] as? String, "base@1")
        XCTAssertGreaterThan(continued["parent_weight"] as? Double ?? 0, 0, "\(continued)")
        let more2 = try box.write("more2.csv", "text,label\nSales climb to a record,positive\nShares slump on weak outlook,negative\n")
        let next = try box.run(["train", "--from", "base@2", "--corpus", more2, "--format", "json"])
        XCTAssertEqual(next.code, 0, next.stderr)
        XCTAssertFalse(next.stderr.contains("warning"), next.stderr)
        XCTAssertNotNil(try jsonObject(next.stdout)["parent_weight"] as? Double, next.stdout)
    }
}

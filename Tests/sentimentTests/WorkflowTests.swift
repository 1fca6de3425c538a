import Foundation
import XCTest

/// The retraining loop end to end through the real executable: predict with the shipped model → train →
/// predict a file → query → correct → retrain with corrections → compare → export / import.
final class WorkflowTests: XCTestCase {
    func testRetrainingLoop() throws {
        let box = try Sandbox()
        let train = try box.write("train.csv", smallCorpus(step: 3, offset: 0))
        let test = try box.write("test.csv", smallCorpus(step: 7, offset: 1))

        // A new store starts with the shipped default model.
        let first = try jsonArray(box.ok(["predict", "Shares soar after record profit", "--format", "json"]))
        XCTAssertEqual(first.count, 1)
        let p = first[0]
        XCTAssertEqual(Set(p.keys), ["id", "text", "label", "confidence", "probabilities", "model"])
        XCTAssertEqual(p["model"] as? String, "default@1")
        XCTAssertEqual(p["text"] as? String, "Shares soar after record profit")
        let probs = try XCTUnwrap(p["probabilities"] as? [String: Double])
        XCTAssertEqual(Set(probs.keys), ["negative", "neutral", "positive"])
        XCTAssertEqual(probs.values.reduce(0, +), 1, accuracy: 1e-4)
        XCTAssertEqual(p["confidence"] as? Double, probs.values.max())
        XCTAssertEqual(p["label"] as? String, probs.max { $0.value < $1.value }?.key)

        // Train.
        let trained = try jsonObject(box.ok(["train", "--corpus", train, "--name", "news", "--format", "json"]))
        XCTAssertEqual(trained["model"] as? String, "news@1")
        XCTAssertEqual(trained["status"] as? String, "active")
        XCTAssertEqual(trained["labels"] as? [String], ["negative", "neutral", "positive"])
        XCTAssertEqual(trained["tuned"] as? Bool, true)
        XCTAssertNotNil(trained["cv_macro_f1"] as? Double)
        let models = try jsonArray(box.ok(["models", "list", "--format", "json"]))
        XCTAssertEqual(models.map { $0["model"] as? String }, ["default@1", "news@1"])
        XCTAssertEqual(models.map { $0["status"] as? String }, ["inactive", "active"])

        // Predict a file (one text per line); every row is stored with its source line.
        let texts = ["Profit jumps 40% as orders surge", "Factory closes and 300 jobs are cut",
                     "The annual general meeting will be held on 12 April", "Bank cuts its outlook after a weak quarter"]
        let file = try box.write("texts.txt", texts.joined(separator: "\n") + "\n")
        let lines = try box.ok(["predict", "--file", file, "--format", "jsonl"]).split(separator: "\n")
        XCTAssertEqual(lines.count, texts.count)
        let rows = try lines.map { try jsonObject(String($0)) }
        XCTAssertEqual(rows.map { $0["text"] as? String }, texts)
        XCTAssertTrue(rows.allSatisfy { $0["model"] as? String == "news@1" })
        let ids = rows.compactMap { $0["id"] as? Int }
        XCTAssertEqual(ids.count, texts.count)
        XCTAssertEqual(ids, ids.sorted())

        // Query.
        let all = try jsonArray(box.ok(["predictions", "--format", "json"]))
        XCTAssertEqual(all.count, 5)
        XCTAssertEqual(all.first?["id"] as? Int, ids.last, "newest first")
        XCTAssertEqual(all.first?["source"] as? String, "\(file):4")
        let label = try XCTUnwrap(rows[1]["label"] as? String)
        let byLabel = try jsonArray(box.ok(["predictions", "--label", label, "--format", "json"]))
        XCTAssertFalse(byLabel.isEmpty)
        XCTAssertTrue(byLabel.allSatisfy { $0["label"] as? String == label })
        let confident = try jsonArray(box.ok(["predictions", "--min-confidence", "0.5", "--format", "json"]))
        XCTAssertTrue(confident.allSatisfy { ($0["confidence"] as? Double ?? 0) >= 0.5 })
        let found = try jsonArray(box.ok(["predictions", "--search", "factory", "--format", "json"]))
        XCTAssertEqual(found.map { $0["text"] as? String }, [texts[1]])
        let byModel = try jsonArray(box.ok(["predictions", "--model", "default", "--format", "json"]))
        XCTAssertEqual(byModel.count, 1)
        let paged = try jsonArray(box.ok(["predictions", "--limit", "2", "--offset", "1", "--order", "oldest", "--format", "json"]))
        XCTAssertEqual(paged.map { $0["id"] as? Int }, Array(ids.prefix(2)).map { Optional($0) })
        let summary = try jsonObject(box.ok(["predictions", "summary", "--format", "json"]))
        XCTAssertEqual(summary["total"] as? Int, 5)
        XCTAssertEqual((summary["by_model"] as? [String: Int])?["news@1"], 4)
        let table = try box.ok(["predictions"])
        XCTAssertTrue(table.contains("Factory closes"), table)

        // --no-store leaves the store as it was.
        try box.ok(["predict", "--no-store", "Quarterly sales fall short of forecasts"])
        XCTAssertEqual(try jsonArray(box.ok(["predictions", "--format", "json"])).count, 5)

        // Correct, then retrain from the model with the correction folded in.
        let corrected = ids[2]
        try box.ok(["correct", String(corrected), "neutral"])
        let corrections = try jsonArray(box.ok(["predictions", "--corrected", "--format", "json"]))
        XCTAssertEqual(corrections.map { $0["id"] as? Int }, [corrected])
        XCTAssertEqual(corrections.first?["corrected_label"] as? String, "neutral")
        XCTAssertEqual(try jsonArray(box.ok(["predictions", "--uncorrected", "--format", "json"])).count, 4)
        let extra = try box.write("extra.csv", smallCorpus(step: 5, offset: 2))
        let retrained = try jsonObject(box.ok(["train", "--from", "news", "--corpus", extra, "--include-corrections", "--format", "json"]))
        XCTAssertEqual(retrained["model"] as? String, "news@2")
        XCTAssertEqual(retrained["parent"] as? String, "news@1")
        XCTAssertEqual(retrained["corrections"] as? Int, 1)
        XCTAssertGreaterThan(retrained["rows"] as? Int ?? 0, trained["rows"] as? Int ?? 0)

        // Evaluate and compare (both stored as evaluations).
        let eval = try jsonObject(box.ok(["evaluate", "--model", "news@1", "--corpus", test, "--format", "json"]))
        for key in ["accuracy", "macro_f1", "weighted_f1", "log_loss", "ece", "per_class", "confusion", "labels"] {
            XCTAssertNotNil(eval[key], "evaluate JSON lacks \(key)")
        }
        XCTAssertEqual((eval["confusion"] as? [[Int]])?.count, 3)
        let compared = try jsonObject(box.ok(["models", "compare", "news@1", "news@2", "--corpus", test, "--format", "json"]))
        let reports = try XCTUnwrap(compared["models"] as? [String: [String: Any]])
        XCTAssertEqual(Set(reports.keys), ["news@1", "news@2"])
        XCTAssertEqual(reports["news@1"]?["macro_f1"] as? Double, eval["macro_f1"] as? Double)
        let shown = try jsonObject(box.ok(["models", "show", "news@1", "--format", "json"]))
        XCTAssertEqual((shown["evaluations"] as? [Any])?.count, 2)
        XCTAssertEqual((shown["top_features"] as? [String: Any])?.count, 3)
        let corpora = try jsonArray(box.ok(["corpora", "list", "--format", "json"]))
        XCTAssertEqual(corpora.count, 3, "train, extra and test corpora, each imported once")
        XCTAssertEqual(corpora.compactMap { $0["name"] as? String }, ["train", "extra", "test"])
        // Other content from a file with a taken name is named after its folder too, then gets the next free name.
        let sameName = try box.write("sub/train.csv", smallCorpus(step: 9, offset: 3))
        try box.ok(["evaluate", "--model", "news@1", "--corpus", sameName])
        XCTAssertEqual(try jsonArray(box.ok(["corpora", "list", "--format", "json"])).last?["name"] as? String, "sub-train")
        let sameFolder = try box.write("more/sub/train.csv", smallCorpus(step: 9, offset: 4))
        try box.ok(["evaluate", "--model", "news@1", "--corpus", sameFolder])
        XCTAssertEqual(try jsonArray(box.ok(["corpora", "list", "--format", "json"])).last?["name"] as? String, "train-2")
        XCTAssertTrue(try box.ok(["corpora", "show", "train-2"]).contains("train-2"))

        // Export, import into another store: the same predictions.
        let exported = box.path("news.sentiment-model")
        try box.ok(["models", "export", "news@2", exported])
        let other = try Sandbox()
        try other.ok(["models", "import", exported, "--no-default-model"])
        let a = try jsonArray(box.ok(["predict", "--model", "news@2", "--no-store", "--format", "json"] + texts))
        let b = try jsonArray(other.ok(["predict", "--no-store", "--format", "json"] + texts))
        XCTAssertEqual(a.map { $0["probabilities"] as? [String: Double] }, b.map { $0["probabilities"] as? [String: Double] })
        XCTAssertEqual(b.first?["model"] as? String, "news@2")

        // Activate and delete.
        try box.ok(["models", "activate", "news@1"])
        XCTAssertEqual(try jsonArray(box.ok(["predict", "--no-store", "--format", "json", "x y"])).first?["model"] as? String, "news@1")
        try box.ok(["models", "archive", "default"])
        let archived = try jsonArray(box.ok(["models", "list", "--format", "json"])).first { $0["model"] as? String == "default@1" }
        XCTAssertEqual(archived?["status"] as? String, "archived")
        try box.ok(["models", "delete", "news@2", "--yes"])
        XCTAssertEqual(try jsonArray(box.ok(["models", "list", "--format", "json"])).count, 2)
        XCTAssertEqual(try jsonArray(box.ok(["predictions", "--format", "json"])).count, 5, "predictions survive model deletion")
    }

    func testOutputFormats() throws {
        let box = try Sandbox()
        let csv = try box.ok(["predict", "--format", "csv", "Profits, sales \"and\" margins rose", "Output fell"])
        let lines = csv.split(separator: "\n")
        XCTAssertEqual(lines.first, "id,text,label,confidence,p_negative,p_neutral,p_positive,model")
        XCTAssertEqual(lines.count, 3)
        XCTAssertTrue(lines[1].contains("\"Profits, sales \"\"and\"\" margins rose\""), String(lines[1]))
        let table = try box.ok(["predict", "--explain", "Operating profit rose sharply"])
        XCTAssertTrue(table.contains("toward") || table.contains("against"), table)
        let json = try jsonArray(box.ok(["predict", "--explain", "--format", "json", "Operating profit rose sharply"]))
        let explanation = try XCTUnwrap(json.first?["explanation"] as? [String: Any])
        XCTAssertNotNil(explanation["toward"] as? [Any])
        // Standard input, one text per line.
        let piped = try box.ok(["predict", "-", "--format", "jsonl", "--no-store"], stdin: "first line\nsecond line\n")
        XCTAssertEqual(piped.split(separator: "\n").count, 2)
        // Help of every command carries an example.
        for cmd in [["train"], ["evaluate"], ["predict"], ["predictions"], ["predictions", "summary"], ["correct"], ["models"], ["models", "list"], ["models", "show"], ["models", "compare"], ["models", "activate"], ["models", "archive"], ["models", "delete"], ["models", "export"], ["models", "import"], ["corpora"], ["corpora", "list"], ["corpora", "show"]] {
            let help = try box.run(cmd + ["--help"])
            XCTAssertEqual(help.code, 0)
            XCTAssertTrue(help.stdout.contains("Example"), "\(cmd) --help has no example")
        }
    }

    func testExplicitL2TurnsTuningOffUnlessTuneIsGiven() throws {
        let box = try Sandbox()
        let train = try box.write("train.csv", smallCorpus(step: 5))
        let fixed = try jsonObject(box.ok(["train", "--corpus", train, "--l2", "0.001", "--format", "json"]))
        XCTAssertEqual(fixed["tuned"] as? Bool, false)
        XCTAssertEqual(fixed["l2"] as? Double, 0.001)
        let tuned = try jsonObject(box.ok(["train", "--corpus", train, "--l2", "0.001", "--tune", "--format", "json"]))
        XCTAssertEqual(tuned["tuned"] as? Bool, true)
        XCTAssertEqual(tuned["model"] as? String, "train@2", "named after the corpus file, next version")
    }

    func testCalibrationAcrossCorporaFitsTheTemperatureOnHeldOutCorpora() throws {
        let box = try Sandbox()
        // Two kinds of text: news headlines and business wire sentences, each predicted by a model of the other.
        let news = try box.write("news.csv", smallCorpus(step: 3))
        let wire = try box.write("wire.csv", String(contentsOfFile: repoPath("Corpora/financial-news-en/news.csv"), encoding: .utf8))
        let plain = try jsonObject(box.ok(["train", "--corpus", news, "--corpus", wire, "--name", "plain", "--format", "json"]))
        XCTAssertNil(plain["calibrated_across_corpora"] as? Int)
        let across = try jsonObject(box.ok(["train", "--corpus", news, "--corpus", wire, "--name", "across",
                                            "--calibrate-across-corpora", "--format", "json"]))
        XCTAssertEqual(across["calibrated_across_corpora"] as? Int, 2)
        let t = try XCTUnwrap(across["temperature"] as? Double), t0 = try XCTUnwrap(plain["temperature"] as? Double)
        XCTAssertGreaterThan(t, 0)
        XCTAssertNotEqual(t, t0, "the temperature comes from the held-out corpora, not from cross-validation")
        let before = try XCTUnwrap(across["out_of_corpus_ece_before"] as? Double)
        let after = try XCTUnwrap(across["out_of_corpus_ece_after"] as? Double)
        XCTAssertLessThan(after, before, "the fitted temperature makes the held-out corpora's confidence more honest")
        // The model stores that temperature: same weights as without the flag, other confidence.
        let p1 = try XCTUnwrap(jsonArray(box.ok(["predict", "--model", "plain", "--no-store", "--format", "json", "Shares fall after profit warning"])).first)
        let p2 = try XCTUnwrap(jsonArray(box.ok(["predict", "--model", "across", "--no-store", "--format", "json", "Shares fall after profit warning"])).first)
        XCTAssertEqual(p1["label"] as? String, p2["label"] as? String)
        XCTAssertNotEqual(p1["confidence"] as? Double, p2["confidence"] as? Double)
        // One corpus cannot be held out against another.
        let one = try box.run(["train", "--corpus", news, "--calibrate-across-corpora"])
        XCTAssertEqual(one.code, 64, one.stderr)
        XCTAssertTrue(one.stderr.contains("two or more corpora"), one.stderr)
    }

    func testDefaultStoreLocationFollowsXDG() throws {
        let box = try Sandbox()
        let r = try box.run(["predict", "--no-store", "Record profit"], useEnvironmentStore: false)
        XCTAssertEqual(r.code, 0, r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: box.dir.appendingPathComponent("xdg/sentiment/sentiment.sqlite").path))
    }
}

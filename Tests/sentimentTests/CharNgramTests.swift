import Foundation
import XCTest

/// `train --char-ngrams` end to end through the executable.
final class CharNgramTests: XCTestCase {
    /// Positive texts have two made-up words ending in "zork", negative ones two ending in "vimp"; no content word
    /// repeats, so only character n-grams inside words can tell the labels apart.
    func subwordCSV(rows: Int, seed: UInt64) -> String {
        var state = seed
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
        let letters = Array("abcdefghijklmnopqrstuvwxy")
        func made(_ suffix: String) -> String {
            String((0..<(4 + Int(next() % 3))).map { _ in letters[Int(next() % UInt64(letters.count))] }) + suffix
        }
        var lines = ["text,label"]
        for i in 0..<rows {
            let cue = i % 2 == 0 ? "zork" : "vimp"
            lines.append("the report says \(made(cue)) and \(made("")) then \(made(cue)) \(made("")),\(i % 2 == 0 ? "positive" : "negative")")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func testAutoChoosesThemWhereTheyHelpAndTheFlagOverridesIt() throws {
        let box = try Sandbox()
        let train = try box.write("train.csv", subwordCSV(rows: 160, seed: 1))
        let test = try box.write("test.csv", subwordCSV(rows: 80, seed: 2))

        let auto = try jsonObject(box.ok(["train", "--corpus", train, "--name", "auto", "--format", "json"]))
        XCTAssertEqual(auto["char_ngrams"] as? String, "4-4", "\(auto)")
        let table = try box.ok(["train", "--corpus", train, "--name", "auto"])
        XCTAssertTrue(table.contains("char n-grams") && table.contains("4-4 (CV macro-F1 without"), table)
        // `models show` says what the model uses, as chosen.
        XCTAssertTrue(try box.ok(["models", "show", "auto"]).contains("word 1-2-grams, character 4-grams, tfidf"))
        XCTAssertEqual(try jsonObject(box.ok(["models", "show", "auto", "--format", "json"]))["char_ngrams"] as? String, "4-4")
        let off = try jsonObject(box.ok(["train", "--corpus", train, "--name", "off", "--char-ngrams", "off", "--format", "json"]))
        XCTAssertNil(off["char_ngrams"] as? String, "\(off)")
        XCTAssertFalse(try box.ok(["models", "show", "off"]).contains("character"))
        let fixed = try jsonObject(box.ok(["train", "--corpus", train, "--name", "fixed", "--char-ngrams", "3-5", "--format", "json"]))
        XCTAssertEqual(fixed["char_ngrams"] as? String, "3-5", "\(fixed)")

        func macroF1(_ model: String) throws -> Double {
            let e = try jsonObject(box.ok(["evaluate", "--model", model, "--corpus", test, "--format", "json"]))
            return try XCTUnwrap(e["macro_f1"] as? Double, "\(e)")
        }
        XCTAssertGreaterThan(try macroF1("auto"), 0.9)
        XCTAssertLessThan(try macroF1("off"), 0.75)

        // A model trained from a parent keeps the parent's setting (off here) unless the flag says otherwise.
        let child = try jsonObject(box.ok(["train", "--from", "off", "--corpus", test, "--format", "json"]))
        XCTAssertNil(child["char_ngrams"] as? String, "\(child)")
        // A parent that brings only its weights (imported, like the shipped model) has no say: the corpus gets the
        // trial it would get alone, weighed against the parent's strengths.
        let file = box.path("off.sentiment-model"), other = box.path("other.sqlite")
        _ = try box.ok(["models", "export", "off", file])
        _ = try box.ok(["models", "import", file, "--db", other])
        let adapted = try jsonObject(box.ok(["train", "--db", other, "--from", "off", "--corpus", test, "--name", "adapted",
                                             "--format", "json"]))
        XCTAssertEqual(adapted["char_ngrams"] as? String, "4-4", "\(adapted)")
        XCTAssertNotNil(adapted["parent_weight"] as? Double, "the parent's strengths were tried: \(adapted)")

        try box.fails(["train", "--corpus", train, "--char-ngrams", "5-2"], code: 64, mentions: "--char-ngrams")
        try box.fails(["train", "--corpus", train, "--char-ngrams", "some"], code: 64, mentions: "--char-ngrams")
    }
}

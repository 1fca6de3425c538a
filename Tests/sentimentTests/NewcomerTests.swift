import Foundation
import XCTest

/// Issue 19 as a newcomer meets it: which store, deleting with care, feedback on long work, and the smaller things.
final class NewcomerTests: XCTestCase {
    // MARK: Item 2: which store

    func testTheDefaultStoreIsNamedOnATerminalAndAnEmptyDbIsAUsageError() throws {
        let box = try Sandbox()
        let defaultStore = box.dir.appendingPathComponent("xdg/sentiment/sentiment.sqlite").path
        let typed = try box.runInTerminal(["models", "list"], useEnvironmentStore: false)
        XCTAssertEqual(typed.code, 0, typed.terminal)
        XCTAssertTrue(typed.terminal.contains("using the default store \(defaultStore)"), typed.terminal)
        // Redirected stderr (a script, a log): no note; an explicit store: no note.
        let piped = try box.run(["models", "list"], useEnvironmentStore: false)
        XCTAssertEqual(piped.code, 0, piped.stderr)
        XCTAssertEqual(piped.stderr, "")
        XCTAssertFalse(try box.runInTerminal(["models", "list"]).terminal.contains("default store"))

        // `--db ""` (an unset variable) is a usage error, not the default store.
        try FileManager.default.removeItem(atPath: defaultStore)
        try box.fails(["predict", "--db", "", "Shares soar"], code: 64, mentions: "--db is empty")
        XCTAssertFalse(FileManager.default.fileExists(atPath: defaultStore))

        // Output that names a new model names its store.
        let corpus = try box.write("news.csv", try smallCorpus())
        let trained = try box.ok(["train", "--corpus", corpus, "--no-tune"])
        XCTAssertTrue(trained.contains("store") && trained.contains(box.db), trained)
        let evaluated = try box.ok(["evaluate", "--corpus", corpus])
        XCTAssertTrue(evaluated.contains("store \(box.db)"), evaluated)
    }

    // MARK: Items 7 and 11: deleting with care

    func testDeletingAModelAsksOnATerminalAndNeedsYesOtherwise() throws {
        let box = try Sandbox()
        try box.ok(["train", "--corpus", try box.write("news.csv", try smallCorpus(step: 4)), "--no-tune"])
        try box.ok(["train", "--corpus", try box.write("news.csv", try smallCorpus(step: 3)), "--no-tune"])
        func models() throws -> [String] {
            try jsonArray(box.ok(["models", "list", "--format", "json"])).compactMap { $0["model"] as? String }.sorted()
        }
        XCTAssertEqual(try models(), ["default@1", "news@1", "news@2"])

        let piped = try box.run(["models", "delete", "news"])
        XCTAssertEqual(piped.code, 64, piped.stderr)
        XCTAssertTrue(piped.stderr.contains("--yes"), piped.stderr)
        XCTAssertTrue(piped.stderr.contains("news@2"), "names the version it would delete: \(piped.stderr)")

        let declined = try box.runInTerminal(["models", "delete", "news"], answer: "n\n")
        XCTAssertEqual(declined.code, 1, declined.terminal)
        XCTAssertTrue(declined.terminal.contains("Delete model news@2 (the newest of 2 versions; the active model"), declined.terminal)
        XCTAssertTrue(declined.terminal.contains("nothing deleted"), declined.terminal)
        XCTAssertEqual(try models(), ["default@1", "news@1", "news@2"])

        let accepted = try box.runInTerminal(["models", "delete", "news"], answer: "y\n")
        XCTAssertEqual(accepted.code, 0, accepted.terminal)
        XCTAssertTrue(accepted.stdout.contains("deleted news@2"), accepted.stdout)
        XCTAssertTrue(accepted.stdout.contains("no model is active now"), accepted.stdout)
        XCTAssertEqual(try models(), ["default@1", "news@1"])

        XCTAssertTrue(try box.ok(["models", "delete", "news@1", "-y"]).contains("deleted news@1"))
        XCTAssertEqual(try models(), ["default@1"])
    }

    func testCorporaDeleteKeepsWhatAModelWasTrainedOn() throws {
        let box = try Sandbox()
        let train = try box.write("news.csv", try smallCorpus(step: 4))
        let held = try box.write("held.csv", try smallCorpus(step: 5, offset: 1))
        try box.ok(["train", "--corpus", train, "--no-tune"])
        try box.ok(["evaluate", "--corpus", held])
        func corpora() throws -> [String] {
            try jsonArray(box.ok(["corpora", "list", "--format", "json"])).compactMap { $0["name"] as? String }.sorted()
        }
        XCTAssertEqual(try corpora(), ["held", "news"])

        try box.fails(["corpora", "delete", "news", "--yes"], code: 65, mentions: "news@1")
        try box.fails(["corpora", "delete", "held"], code: 64, mentions: "--yes")
        try box.fails(["corpora", "delete", "nope", "--yes"], code: 66, mentions: "nope")
        XCTAssertEqual(try corpora(), ["held", "news"])

        let deleted = try box.ok(["corpora", "delete", "held", "--yes"])
        XCTAssertTrue(deleted.contains("deleted corpus held"), deleted)
        XCTAssertEqual(try corpora(), ["news"])
        try box.ok(["models", "show", "news"])  // its evaluation on the deleted corpus is still shown
        try box.ok(["models", "delete", "news", "--yes"])
        try box.ok(["corpora", "delete", "news", "--yes"])
        XCTAssertEqual(try corpora(), [])
        XCTAssertTrue(try box.ok(["store", "verify"]).contains("ok"))
    }

    func testPredictionsDeleteByIdOrFilterWithCare() throws {
        let box = try Sandbox()
        let made = try jsonArray(box.ok(["predict", "--format", "json", "Shares soar after record profit",
                                         "Plant closes, 300 jobs cut", "Rates unchanged"]))
        let ids = made.compactMap { $0["id"] as? Int }
        XCTAssertEqual(ids.count, 3)
        func stored() throws -> Int { try jsonObject(box.ok(["predictions", "summary", "--format", "json"]))["total"] as! Int }

        try box.fails(["predictions", "delete"], code: 64, mentions: "--all")
        try box.fails(["predictions", "delete", String(ids[0])], code: 64, mentions: "--yes")
        try box.fails(["predictions", "delete", String(ids[0]), "999", "--yes"], code: 66, mentions: "999")
        XCTAssertEqual(try stored(), 3)

        try box.ok(["correct", String(ids[1]), "negative"])
        let asked = try box.runInTerminal(["predictions", "delete", "--search", "plant"], answer: "y\n")
        XCTAssertEqual(asked.code, 0, asked.terminal)
        XCTAssertTrue(asked.terminal.contains("Delete 1 prediction (1 corrected; of default@1 1)"), asked.terminal)
        XCTAssertTrue(asked.stdout.contains("deleted 1 prediction; 2 stored"), asked.stdout)

        XCTAssertTrue(try box.ok(["predictions", "delete", String(ids[0]), "--yes"]).contains("deleted 1 prediction; 1 stored"))
        XCTAssertEqual(try jsonArray(box.ok(["predictions", "--format", "json"])).compactMap { $0["id"] as? Int }, [ids[2]])
        // The full-text index and the columnar blocks follow.
        XCTAssertEqual(try jsonArray(box.ok(["predictions", "--search", "soar", "--format", "json"])).count, 0)
        XCTAssertEqual(try jsonArray(box.ok(["predictions", "--order", "confidence-ascending", "--format", "json"])).count, 1)
        XCTAssertTrue(try box.ok(["store", "verify"]).contains("ok"))
        XCTAssertTrue(try box.ok(["predictions", "delete", "--model", "default", "--yes"]).contains("deleted 1 prediction; 0 stored"))
        XCTAssertEqual(try stored(), 0)
    }

    // MARK: Item 9: feedback on long work

    func testPredictFileShowsProgressOnATerminalAndOnlyASummaryWhenPiped() throws {
        let box = try Sandbox()
        let lines = (0..<30_000).map { "Headline \($0): profit rises at plant \($0 % 97)" }
        let file = try box.write("many.txt", lines.joined(separator: "\n") + "\n")
        let typed = try box.runInTerminal(["predict", "--file", file, "--format", "csv"])
        XCTAssertEqual(typed.code, 0, typed.terminal)
        XCTAssertTrue(typed.terminal.contains("predicting"), typed.terminal)
        XCTAssertTrue(typed.terminal.contains("30,000 rows from \(file), 30,000 stored, in "), typed.terminal)
        XCTAssertEqual(typed.stdout.split(separator: "\n").count, 30_001)

        let piped = try box.run(["predict", "--file", file, "--format", "csv", "--no-store"])
        XCTAssertEqual(piped.code, 0, piped.stderr)
        let stderrLines = piped.stderr.split(separator: "\n")
        XCTAssertEqual(stderrLines.count, 1, piped.stderr)
        XCTAssertTrue(piped.stderr.hasPrefix("sentiment: 30,000 rows from \(file), none stored (--no-store), in "), piped.stderr)
        XCTAssertFalse(piped.stderr.contains("\r") || piped.stderr.contains("\u{1B}"), "no redrawn line when piped")
    }

    func testCtrlCDuringPredictSaysWhatWasKept() throws {
        let box = try Sandbox()
        let lines = (0..<600_000).map { "Headline \($0): shares fall at plant \($0 % 89)" }
        let file = try box.write("huge.txt", lines.joined(separator: "\n") + "\n")
        let run = try box.runInTerminal(["predict", "--file", file, "--format", "csv"], interruptAfter: "rows/s")
        XCTAssertEqual(run.code, 130, run.terminal)
        let said = try XCTUnwrap(run.terminal.range(of: #"interrupted: [0-9,]+ predictions? stored"#, options: .regularExpression),
                                 run.terminal)
        let kept = Int(run.terminal[said].filter(\.isNumber))!
        XCTAssertGreaterThan(kept, 0)
        XCTAssertLessThan(kept, 600_000)
        XCTAssertTrue(run.terminal.contains("nothing half-written"), run.terminal)
        let summary = try jsonObject(box.ok(["predictions", "summary", "--format", "json"]))
        XCTAssertEqual(summary["total"] as? Int, kept, "what it says is what the store has")
        XCTAssertEqual(run.stdout.split(separator: "\n").count, kept + 1, "and what it wrote")
    }

    func testStreamingTrainShowsItsReadingAndCtrlCLeavesTheStoreAsItWas() throws {
        let box = try Sandbox()
        let seed = try smallCorpus(step: 1).split(separator: "\n")
        var rows = [String(seed[0])]
        while rows.count < 120_000 { rows += seed.dropFirst().map(String.init) }
        let corpus = try box.write("big.csv", rows.joined(separator: "\n") + "\n")
        try box.ok(["models", "list"])  // the store with the shipped model only
        let run = try box.runInTerminal(["train", "--corpus", corpus, "--streaming", "--name", "big"],
                                        interruptAfter: "rows/s")
        XCTAssertEqual(run.code, 130, run.terminal)
        XCTAssertTrue(run.terminal.contains("reading \(corpus)"), run.terminal)
        XCTAssertTrue(run.terminal.contains("interrupted: nothing stored"), run.terminal)
        XCTAssertEqual(try jsonArray(box.ok(["corpora", "list", "--format", "json"])).count, 0)
        XCTAssertEqual(try jsonArray(box.ok(["models", "list", "--format", "json"])).count, 1)
    }

    // MARK: Item 10: smaller things

    func testAnImportedModelKeepsItsVersionOrSaysWhichItGot() throws {
        let box = try Sandbox()
        let other = box.path("other.sqlite")
        try box.ok(["train", "--corpus", try box.write("news.csv", try smallCorpus(step: 4)), "--no-tune", "--db", other])
        let file = box.path("news.sentiment-model")
        try box.ok(["models", "export", "news@1", file, "--db", other])

        let fresh = try box.ok(["models", "import", file])
        XCTAssertTrue(fresh.contains("imported news@1 (inactive)"), fresh)
        XCTAssertTrue(try box.ok(["models", "import", file]).contains("news@1 is already in \(box.db) with the same content"))

        let taken = box.path("taken.sqlite")
        try box.ok(["train", "--corpus", try box.write("news.csv", try smallCorpus(step: 3)), "--no-tune", "--db", taken])
        try box.ok(["train", "--corpus", try box.write("news.csv", try smallCorpus(step: 5)), "--no-tune", "--db", taken])
        let renumbered = try box.ok(["models", "import", file, "--db", taken])
        XCTAssertTrue(renumbered.contains("imported news@1 as news@3"), renumbered)
        XCTAssertTrue(renumbered.contains("version 1 of news is taken"), renumbered)
    }

    func testCorporaOfTheSameFileNameInOtherFoldersAreNamedByFolder() throws {
        let box = try Sandbox()
        let a = try box.write("phrasebank/train.csv", try smallCorpus(step: 4))
        let b = try box.write("tweets/train.csv", try smallCorpus(step: 3))
        let c = try box.write("other/train.csv", try smallCorpus(step: 5))
        try box.ok(["train", "--corpus", a, "--corpus", b, "--name", "both", "--no-tune"])
        try box.ok(["train", "--corpus", c, "--name", "third", "--streaming"])
        let names = try jsonArray(box.ok(["corpora", "list", "--format", "json"])).compactMap { $0["name"] as? String }
        XCTAssertEqual(names, ["train", "tweets-train", "other-train"])
    }

    func testEvaluateReportsTheFileGivenNotTheFirstWithItsContent() throws {
        let box = try Sandbox()
        let rows = try smallCorpus(step: 6).split(separator: "\n").dropFirst().map { line -> String in
            let comma = line.lastIndex(of: ",")!
            var text = String(line[..<comma])
            if text.hasPrefix("\"") { text = String(text.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"") }
            return "__label__\(line[line.index(after: comma)...]) \(text)"
        }.joined(separator: "\n") + "\n"
        let first = try box.write("small.ft", rows)
        let second = try box.write("small-ft.txt", rows)
        try box.ok(["evaluate", "--corpus", first])
        let table = try box.ok(["evaluate", "--corpus", second])
        XCTAssertTrue(table.contains("on \(second) ("), table)
        XCTAssertTrue(table.contains("same content as corpus small, imported from \(first)"), table)
        let json = try jsonObject(box.ok(["evaluate", "--corpus", second, "--format", "json"]))
        XCTAssertEqual(json["corpus"] as? String, second)
        XCTAssertEqual(json["stored_corpus"] as? String, "small")
    }

    func testLabelsThatDifferOnlyInCaseAreWarned() throws {
        let box = try Sandbox()
        var lines = try smallCorpus(step: 4).split(separator: "\n").map(String.init)
        for i in stride(from: 1, to: lines.count, by: 10) where lines[i].hasSuffix(",positive") {
            lines[i] = String(lines[i].dropLast("positive".count)) + "Positive"
        }
        let corpus = try box.write("mixed.csv", lines.joined(separator: "\n") + "\n")
        let counts = try jsonObject(box.ok(["train", "--corpus", corpus, "--no-tune", "--format", "json", "--no-activate"]))["label_counts"] as! [String: Int]
        for streaming in [false, true] {
            let r = try box.run(["train", "--corpus", corpus, "--no-activate"] + (streaming ? ["--streaming"] : ["--no-tune"]))
            XCTAssertEqual(r.code, 0, r.stderr)
            XCTAssertTrue(r.stderr.contains("warning: labels \"Positive\" (\(counts["Positive"]!) rows), \"positive\" (\(counts["positive"]!) rows) differ only in case"),
                          "streaming \(streaming): \(r.stderr)")
        }
    }

    func testUnknownOptionsComeFirstAndMistypedCommandsGetASuggestion() throws {
        let box = try Sandbox()
        let r = try box.run(["train", "--corpse", "x"])
        XCTAssertEqual(r.code, 64, r.stderr)
        XCTAssertTrue(r.stderr.contains("--corpse"), r.stderr)
        XCTAssertTrue(r.stderr.contains("--corpus"), "suggests the right flag: \(r.stderr)")
        XCTAssertFalse(r.stderr.contains("give at least one"), r.stderr)

        try box.fails(["predicts", "Shares soar"], code: 64, mentions: "did you mean 'predict'?")
        try box.fails(["models", "lsit"], code: 64, mentions: "did you mean 'list'?")
        try box.fails(["evaluate", "--modle", "news", "--corpus", "x.csv"], code: 64, mentions: "--model")
    }

    // MARK: Item 11: completions and a manual

    func testCompletionScriptsAreGenerated() throws {
        let box = try Sandbox()
        for shell in ["bash", "zsh", "fish"] {
            let script = try box.ok(["--generate-completion-script", shell])
            XCTAssertTrue(script.contains("predictions"), "\(shell): \(script.prefix(200))")
            XCTAssertTrue(script.contains("yes"), "\(shell): the delete commands' flags are completed")
        }
    }
}

import Foundation
import XCTest

/// The tokenizer options training turns on for the corpus at hand (Arabic spelling, emoticons, elongation), end to end: `train`
/// and `models show` say so, prediction reads variant spellings as one, and other corpora are left as they were.
final class TokenizerOptionTests: XCTestCase {
    func testTrainReportsTheOptionsItsCorpusNeeds() throws {
        let box = try Sandbox()
        let arabicRows = try String(contentsOfFile: repoPath("Corpora/social-ar/posts.csv"), encoding: .utf8)
            .split(separator: "\n").prefix(401).joined(separator: "\n") + "\n"
        let arabic = try box.write("ar.csv", arabicRows)
        let table = try box.ok(["train", "--corpus", arabic, "--name", "ar", "--no-tune", "--no-default-parent"])
        let line = try XCTUnwrap(table.split(separator: "\n").first { $0.hasPrefix("tokenizer") }, table)
        XCTAssertTrue(line.contains("Arabic spelling variants read as one") && line.contains("elongated words shortened")
                      && !line.contains("emoticons"), String(line))
        let shown = try jsonObject(box.ok(["models", "show", "ar", "--format", "json"]))
        XCTAssertEqual(shown["tokenizer_options"] as? [String], ["arabic-normalization", "elongation"])
        XCTAssertTrue(try box.ok(["models", "show", "ar"]).contains("Arabic spelling variants read as one"))
        let variants = try jsonArray(box.ok(["predict", "--model", "ar", "--format", "json", "--no-store",
                                             "أحسن خدمة والتوصيل سريع جداً", "احسن خدمة والتوصيل سريع جدا"]))
        XCTAssertEqual(variants.count, 2)
        XCTAssertEqual(variants[0]["probabilities"] as? [String: Double], variants[1]["probabilities"] as? [String: Double])

        let english = try box.write("en.csv", smallCorpus(step: 5))
        let plain = try jsonObject(box.ok(["train", "--corpus", english, "--name", "en", "--no-tune", "--no-default-parent",
                                           "--format", "json"]))
        XCTAssertEqual(plain["tokenizer_options"] as? [String], [])
        XCTAssertFalse(try box.ok(["models", "show", "en"]).contains("tokenizer"))

        // The word lists (polarity and change): on by default, off with --no-lexicon, named by train and models show.
        XCTAssertEqual(plain["polarity_lexicon"] as? String, "en-1")
        XCTAssertEqual(plain["change_lexicon"] as? String, "en-1")
        let shownEnglish = try box.ok(["models", "show", "en"])
        XCTAssertTrue(shownEnglish.contains("lexicon ") && shownEnglish.contains("changes ") && shownEnglish.contains("en-1: "), shownEnglish)
        let shownJSON = try jsonObject(box.ok(["models", "show", "en", "--format", "json"]))
        XCTAssertEqual(shownJSON["polarity_lexicon"] as? String, "en-1")
        XCTAssertEqual(shownJSON["change_lexicon"] as? String, "en-1")
        let bare = try jsonObject(box.ok(["train", "--corpus", english, "--name", "bare", "--no-tune", "--no-default-parent",
                                          "--no-lexicon", "--format", "json"]))
        XCTAssertNil(bare["polarity_lexicon"] as? String)
        XCTAssertNil(bare["change_lexicon"] as? String)
        let shownBare = try box.ok(["models", "show", "bare"])
        XCTAssertFalse(shownBare.contains("lexicon") || shownBare.contains("changes"), shownBare)
        // A listed word the corpus never has still counts with the list, and is unknown without it; so does a change
        // word (its <down>).
        try assertDiffers("Quarter ahead splendid", from: "Quarter ahead", with: "en", not: "bare", in: box)
        try assertDiffers("Quarter ahead dipped", from: "Quarter ahead", with: "en", not: "bare", in: box)

        let faces = try box.write("faces.csv", smallCorpus(step: 5) + "Record quarter :-),positive\nGreat results :),positive\n")
        let withFaces = try jsonObject(box.ok(["train", "--corpus", faces, "--name", "faces", "--no-tune",
                                               "--no-default-parent", "--format", "json"]))
        XCTAssertEqual(withFaces["tokenizer_options"] as? [String], ["emoticons"])
        // The face is a feature of that model, and punctuation to the one trained without faces.
        try assertDiffers("Quarter ahead =)", from: "Quarter ahead", with: "faces", not: "en", in: box)

        let stretched = try box.write("stretched.csv", smallCorpus(step: 5) + "Results sooooo good,positive\nsooo bad quarter,negative\n")
        let withStretch = try jsonObject(box.ok(["train", "--corpus", stretched, "--name", "stretched", "--no-tune",
                                                 "--no-default-parent", "--format", "json"]))
        XCTAssertEqual(withStretch["tokenizer_options"] as? [String], ["elongation"])
        // Any length of the stretched word is the word that model learned; to the other model it is unknown.
        try assertDiffers("Quarter ahead Sooooooooooo", from: "Quarter ahead", with: "stretched", not: "en", in: box)
    }

    func testAJapaneseCorpusGetsBracketsAndTopicChanges() throws {
        let box = try Sandbox()
        // Costs and sales each rise and fall; the two words around the change say which is news.
        var rows = "text,label\n"
        for (subject, rise) in [("営業費用", "negative"), ("販売費用", "negative"), ("売上高", "positive"), ("受注高", "positive")] {
            let fall = rise == "negative" ? "positive" : "negative"
            for (i, amount) in ["3.1", "5.2", "8.4"].enumerated() {
                rows += "\(subject)は前期比\(amount)％増となりました,\(rise)\n"
                rows += "\(subject)は前期比\(amount)％減となりました,\(fall)\n"
                rows += "当期の\(subject)は\(i + 2)億円（前期は\(i + 1)億円）と増加しました,\(rise)\n"
            }
        }
        for i in 0..<6 { rows += "本社を\(i + 1)月に移転しました,neutral\n" }
        let ja = try box.write("ja.csv", rows)
        let table = try box.ok(["train", "--corpus", ja, "--name", "ja", "--no-tune", "--no-default-parent"])
        let line = try XCTUnwrap(table.split(separator: "\n").first { $0.hasPrefix("tokenizer") }, table)
        XCTAssertTrue(line.contains("bracketed Japanese marked") && line.contains("Japanese topic-and-change tokens"), String(line))
        let shown = try jsonObject(box.ok(["models", "show", "ja", "--format", "json"]))
        XCTAssertEqual(shown["tokenizer_options"] as? [String], ["brackets", "japanese-topic-changes"])
        // The explanation names the pair; a rise of costs is bad news, of sales good.
        let explained = try box.ok(["predict", "--model", "ja", "--explain", "--no-store", "人件費用は前期比9.9％増（前期は減少）"])
        XCTAssertTrue(explained.contains("<費用→増>"), explained)
        let labels = try jsonArray(box.ok(["predict", "--model", "ja", "--format", "json", "--no-store",
                                           "人件費用は大幅に増加", "純売上高は大幅に増加"])).map { $0["label"] as? String }
        XCTAssertEqual(labels, ["negative", "positive"])
    }

    /// `text` predicts otherwise than `plain` with `model` and the same with `other` (to which the difference is
    /// unknown).
    private func assertDiffers(_ text: String, from plain: String, with model: String, not other: String, in box: Sandbox,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        for (name, differs) in [(model, true), (other, false)] {
            let p = try jsonArray(box.ok(["predict", "--model", name, "--format", "json", "--no-store", text, plain]))
                .map { $0["probabilities"] as? [String: Double] }
            XCTAssertEqual(p[0] != p[1], differs, "\(name): \(p)", file: file, line: line)
        }
    }
}

import Foundation
import GRDB
import XCTest

/// Output formats through the executable: the streamed prediction export (CSV with one `p_` column per label,
/// JSON, JSON Lines), which formats each command accepts, and JSON numbers as numbers.
final class OutputFormatTests: XCTestCase {
    /// A store with predictions of two models with different labels (the shipped default model's and a
    /// two-label one), texts that need CSV quoting and JSON escapes, and a correction.
    private func storeWithTwoModels() throws -> Sandbox {
        let box = try Sandbox()
        var corpus = "text,label\n"
        for i in 0..<20 {
            corpus += "\"Profit up \(i), shares climb\",up\n"
            corpus += "\"Losses widen \(i), shares fall\",down\n"
        }
        try box.ok(["train", "--corpus", try box.write("updown.csv", corpus), "--name", "updown", "--no-tune", "--no-activate"])
        try box.ok(["predict", "Shares soar after record profit", "Plant closes, 300 jobs cut",
                    "He said \"no\" to the merger", "Line one\nline two of a headline", "Rates unchanged"])
        try box.ok(["predict", "--model", "updown", "Profit up, shares climb", "Losses widen again", "Flat quarter"])
        try box.ok(["correct", "2", "negative"])
        return box
    }

    func testPredictionsCSVHasOnePColumnPerLabelAndMatchesJSON() throws {
        let box = try storeWithTwoModels()
        let csv = try parseCSV(box.ok(["predictions", "--format", "csv"]))
        let json = try jsonArray(box.ok(["predictions", "--format", "json"]))
        let header = try XCTUnwrap(csv.first)
        XCTAssertEqual(header, ["id", "text", "label", "confidence", "p_down", "p_negative", "p_neutral", "p_positive", "p_up",
                                "model", "source", "created_at", "corrected_label", "corrected_at"])
        let rows = csv.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
        XCTAssertEqual(rows.count, 8)
        XCTAssertEqual(rows.count, json.count)
        for (row, object) in zip(rows, json) {
            XCTAssertEqual(row["id"], (object["id"] as? Int).map(String.init))
            XCTAssertEqual(row["text"], object["text"] as? String)
            XCTAssertEqual(row["label"], object["label"] as? String)
            XCTAssertEqual(row["confidence"].flatMap(Double.init), object["confidence"] as? Double)
            XCTAssertEqual(row["model"], object["model"] as? String)
            XCTAssertEqual(row["source"], object["source"] as? String)
            XCTAssertEqual(row["created_at"], object["created_at"] as? String)
            XCTAssertEqual(row["corrected_label"], (object["corrected_label"] as? String) ?? "")
            XCTAssertEqual(row["corrected_at"], (object["corrected_at"] as? String) ?? "")
            let probabilities = try XCTUnwrap(object["probabilities"] as? [String: Double])
            for label in ["down", "negative", "neutral", "positive", "up"] {
                // A label the row's model lacks is an empty cell.
                XCTAssertEqual(row["p_" + label].flatMap(Double.init), probabilities[label], "\(label) of \(row)")
                XCTAssertEqual(row["p_" + label] == "", probabilities[label] == nil)
            }
            XCTAssertEqual(Set(probabilities.keys), (object["model"] as? String) == "updown@1" ? ["down", "up"] : ["negative", "neutral", "positive"])
        }
        XCTAssertEqual(rows.first { $0["id"] == "2" }?["corrected_label"], "negative")
        XCTAssertTrue(rows.contains { $0["text"] == "He said \"no\" to the merger" })
        XCTAssertTrue(rows.contains { $0["text"] == "Line one\nline two of a headline" })
        // Newest first, as the listing.
        XCTAssertEqual(rows.map { $0["id"]! }, ["8", "7", "6", "5", "4", "3", "2", "1"])
    }

    func testStreamedExportsAgreeWithEachOtherUnderEveryFilter() throws {
        let box = try storeWithTwoModels()
        let filters: [[String]] = [
            [], ["--label", "up"], ["--model", "updown"], ["--model", "default@1", "--uncorrected"], ["--corrected"],
            ["--search", "shares"], ["--search", "\"shares climb\""], ["--min-confidence", "0.5"], ["--max-confidence", "0.6"],
            ["--since", "2000-01-01"], ["--until", "2000-01-01"], ["--limit", "3", "--offset", "2"],
            ["--order", "confidence-ascending"], ["--order", "oldest", "--label", "negative"],
        ]
        var seen = Set<Int>()
        for filter in filters {
            let json = try jsonArray(box.ok(["predictions", "--format", "json"] + filter))
            let lines = try box.ok(["predictions", "--format", "jsonl"] + filter).split(separator: "\n").map { try jsonObject(String($0)) }
            let csv = try parseCSV(box.ok(["predictions", "--format", "csv"] + filter))
            let ids = json.map { $0["id"] as! Int }
            XCTAssertEqual(lines.map { $0["id"] as! Int }, ids, "\(filter)")
            XCTAssertEqual(csv.dropFirst().map { Int($0[0])! }, ids, "\(filter)")
            XCTAssertEqual(csv.first?.first, "id", "a header even without rows: \(filter)")
            for (a, b) in zip(json, lines) { XCTAssertEqual(a as NSDictionary, b as NSDictionary, "\(filter)") }
            // The same rows as the table answers from the store's other path.
            let table = try box.ok(["predictions", "--limit", "100"] + filter.filter { $0 != "--limit" && $0 != "3" })
            if !filter.contains("--limit") {
                let tableIds = table.split(separator: "\n").dropFirst(2).compactMap { Int($0.split(separator: " ").first ?? "") }
                XCTAssertEqual(tableIds, ids, "\(filter)")
            }
            seen.insert(ids.count)
        }
        XCTAssertGreaterThan(seen.count, 3, "the filters select different rows")
    }

    func testEveryCommandRejectsAFormatItCannotProduce() throws {
        let box = try Sandbox()
        let corpus = try box.write("news.csv", try smallCorpus())
        try box.ok(["train", "--corpus", corpus, "--name", "news", "--no-tune"])
        let tableOrJSON: [[String]] = [
            ["train", "--corpus", corpus], ["evaluate", "--corpus", corpus], ["models", "show", "news"],
            ["models", "compare", "news", "default", "--corpus", corpus], ["corpora", "show", "news"], ["predictions", "summary"],
        ]
        for args in tableOrJSON {
            for format in ["csv", "jsonl"] {
                try box.fails(args + ["--format", format], code: 64, mentions: "'table' and 'json'")
            }
            let help = try box.ok(Array(args.prefix(while: { !$0.hasPrefix("--") && $0 != "news" })) + ["--help"])
            XCTAssertTrue(help.contains("values: table, json;") || help.contains("values: table, json)"), "\(args): \(help)")
        }
        for args in [["models", "list"], ["corpora", "list"]] {
            try box.fails(args + ["--format", "csv"], code: 64, mentions: "'table', 'json' or 'jsonl'")
            XCTAssertTrue(try box.ok(args + ["--help"]).contains("values: table, json, jsonl"), "\(args)")
        }
        for args in [["predict", "Shares soar"], ["predictions"]] {
            try box.fails(args + ["--format", "xml"], code: 64, mentions: "'table', 'json', 'jsonl' or 'csv'")
        }
        XCTAssertEqual(try box.run(["models", "list", "--format", "jsonl"]).code, 0)
    }

    func testJSONNumbersAreNumbersInEveryCommand() throws {
        let box = try Sandbox()
        let corpus = try box.write("news.csv", try smallCorpus())
        let heldOut = try box.write("held-out.csv", try smallCorpus(step: 4, offset: 1))
        var outputs: [(String, String)] = []
        func json(_ args: [String]) throws {
            outputs.append((args.joined(separator: " "), try box.ok(args + ["--format", "json"])))
        }
        try json(["train", "--corpus", corpus, "--name", "news", "--no-tune"])
        try json(["train", "--corpus", corpus, "--name", "tuned", "--tune"])
        try json(["evaluate", "--corpus", heldOut])
        try json(["models", "list"])
        try json(["models", "show", "news"])
        try json(["models", "show", "tuned"])
        try json(["models", "compare", "news", "tuned", "--corpus", heldOut])
        try json(["corpora", "list"])
        try json(["corpora", "show", "news"])
        try json(["predict", "Shares soar after record profit", "2024"])
        try box.ok(["correct", "1", "negative"])
        try json(["predictions"])
        try json(["predictions", "summary"])
        for args in [["predict", "Shares soar", "Plant closes"], ["predictions"], ["models", "list"], ["corpora", "list"]] {
            let text = try box.ok(args + ["--format", "jsonl"])
            for line in text.split(separator: "\n") {
                XCTAssertNoThrow(try jsonObject(String(line)), "\(args): one object per line")
                outputs.append((args.joined(separator: " ") + " jsonl", String(line)))
            }
        }
        // Strings that may hold digits: texts, names, paths, labels, features, digests, dates.
        let textual: Set<String> = ["text", "name", "model", "label", "labels", "feature", "source", "corpus", "corpora",
                                    "checksum", "sha256", "parent", "status", "format", "created_at", "imported_at",
                                    "corrected_at", "started_at", "corrected_label", "optimizer", "class_weighting",
                                    "weighting", "supervised_weighting", "by_label", "by_model", "by_corrected_label", "top_features"]
        var numbers = 0
        func walk(_ v: Any, key: String, path: String) {
            switch v {
            case let d as [String: Any]:
                for (k, x) in d { walk(x, key: textual.contains(key) ? key : k, path: path + "." + k) }
            case let a as [Any]:
                for x in a { walk(x, key: key, path: path + "[]") }
            case let s as String:
                if !textual.contains(key) {
                    XCTAssertNil(Double(s), "\(path): the number \(s) is a JSON string")
                }
            case is NSNumber:
                numbers += 1
            default:
                break
            }
        }
        for (command, text) in outputs {
            walk(try parseJSON(text, file: #filePath, line: #line), key: "", path: command)
        }
        XCTAssertGreaterThan(numbers, 100)
        let models = try jsonArray(box.ok(["models", "list", "--format", "json"]))
        XCTAssertTrue(models.allSatisfy { $0["version"] is NSNumber })
        let summary = try jsonObject(box.ok(["predictions", "summary", "--format", "json"]))
        XCTAssertEqual(summary["total"] as? Int, 4, "two from --format json, two from jsonl")
        XCTAssertEqual(summary["corrected"] as? Int, 1)
    }
}

/// RFC 4180 records (quoted fields with commas, doubled quotes and newlines).
func parseCSV(_ text: String) throws -> [[String]] {
    var records: [[String]] = []
    var field = "", record: [String] = []
    var quoted = false, atStart = true
    var chars = Array(text)[...]
    while let c = chars.popFirst() {
        if quoted {
            if c == "\"" {
                if chars.first == "\"" { field.append("\""); chars.removeFirst() } else { quoted = false }
            } else {
                field.append(c)
            }
            continue
        }
        switch c {
        case "\"" where atStart: quoted = true; atStart = false
        case ",": record.append(field); field = ""; atStart = true
        case "\n":
            record.append(field); records.append(record)
            field = ""; record = []; atStart = true
        default: field.append(c); atStart = false
        }
    }
    XCTAssertFalse(quoted, "unterminated quoted field")
    XCTAssertTrue(field.isEmpty && record.isEmpty, "the last record ends with a newline")
    let widths = Set(records.map(\.count))
    XCTAssertLessThanOrEqual(widths.count, 1, "every record has the header's fields: \(widths)")
    return records
}

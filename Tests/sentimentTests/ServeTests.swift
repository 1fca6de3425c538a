import Foundation
import SentimentKit
import SentimentServer
import XCTest
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `sentiment serve` through the real executable on a random loopback port: the contract of docs/API.md.
///
/// Each test starts its own server (few starts: each costs a store open and a model load) and asserts exact
/// statuses and bodies. Nothing waits a fixed time for correctness: a test waits for the server's "serving" line,
/// for answers, and for the process's exit.
final class ServeTests: XCTestCase {
    /// Headlines the prediction tests store (search expectations below depend on their words).
    static let headlines = [
        "Shares soar after record profit",
        "Record profit lifts the bank's shares to a new high",
        "Quarterly profit hits a record",
        "Profit warning sends shares tumbling",
        "Factory closes and hundreds of jobs are cut",
        "Bank warns of steep losses as loan defaults climb",
        "The S&P 500 closes at a record high",
        "S&P 500 futures slip as investors weigh the rate outlook",
        "Board meeting scheduled for Tuesday",
        "The company will publish its annual report in March",
        "Sales rose 12% in the third quarter",
        "Operating loss widened to EUR 3 million",
        "The retailer opens two new stores in Helsinki",
        "Chief executive resigns amid accounting probe",
        "Dividend raised for the tenth consecutive year",
        "Orders surge as demand for chips recovers",
        "The airline cuts its forecast after fuel costs jump",
        "Shareholders approve the merger",
        "Q3-2024 revenue beat expectations",
        "AT&T shares were unchanged",
    ]

    /// Markup, control characters, quotes, backslashes, line and paragraph separators, non-ASCII: stored and
    /// answered exactly as sent.
    static let awkwardText = "<script>alert(\"x\")</script> \u{01}\u{07}\u{1B}[31m red\t\r\n\u{7F}\u{85}\u{2028}\u{2029} é 😀 \\ / </b>&amp;"

    // MARK: token, routing, models, the served OpenAPI document

    func testTokenRoutingModelsAndOpenAPIDocument() throws {
        let box = try Sandbox()
        let server = try startServer(box)
        XCTAssertNil(server.shownToken, "a token from SENTIMENT_API_TOKEN is not printed: \(server.stderr)")

        // Open routes need no token.
        let health = try server.call("GET", "/healthz", auth: .none)
        XCTAssertEqual(try expectJSON(200, health) as NSDictionary, ["status": "ok"])
        let page = try server.call("GET", "/", auth: .none)
        XCTAssertEqual(page.status, 200)
        XCTAssertEqual(page.headers["content-type"], "text/html; charset=utf-8")
        XCTAssertEqual(try server.call("GET", "/metrics", auth: .none).status, 200)

        // Every /v1 route: 401 without a token, with WWW-Authenticate: Bearer.
        let v1 = SentimentServer.routes.filter { $0.path.hasPrefix("/v1/") }
        XCTAssertEqual(v1.count, 11)
        for route in v1 {
            let path = route.path.replacingOccurrences(of: "{id}", with: "1").replacingOccurrences(of: "{ref}", with: "default@1")
            let answer = try server.call(route.method.rawValue, path, auth: .none,
                                         json: route.method == .post ? ["texts": ["x"]] : nil)
            try expectError(401, "unauthorized", answer)
            XCTAssertEqual(answer.headers["www-authenticate"], "Bearer", "\(route)")
        }
        // Wrong tokens: same length, shorter, longer, empty, another scheme.
        var sameLength = Array(testToken)
        sameLength[sameLength.count - 1] = sameLength.last == "x" ? "y" : "x"
        for header in ["Bearer \(String(sameLength))", "Bearer \(testToken.dropLast())", "Bearer \(testToken)0",
                       "Bearer ", "Bearer", "Basic \(testToken)", testToken, "Bearer  \(testToken)"] {
            let answer = try server.call("GET", "/v1/models", auth: .header(header))
            try expectError(401, "unauthorized", answer)
            XCTAssertEqual(answer.headers["www-authenticate"], "Bearer", header)
        }
        // The scheme is case-insensitive.
        for scheme in ["bearer", "BEARER", "BeArEr"] {
            XCTAssertEqual(try server.call("GET", "/v1/models", auth: .header("\(scheme) \(testToken)")).status, 200, scheme)
        }

        // 404 for unknown routes, 405 for known paths with another method.
        try expectError(404, "not_found", server.call("GET", "/nosuch", auth: .none))
        try expectError(404, "not_found", server.call("GET", "/v1/nosuch"))
        try expectError(404, "not_found", server.call("POST", "/v1/predictions/1/correction/extra", json: ["label": "x"]))
        try expectError(405, "method_not_allowed", server.call("DELETE", "/v1/models"))
        try expectError(405, "method_not_allowed", server.call("GET", "/v1/predict"))
        try expectError(405, "method_not_allowed", server.call("PUT", "/v1/predictions/1", json: ["label": "x"]))
        try expectError(405, "method_not_allowed", server.call("GET", "/v1/models/default@1/activate"))
        try expectError(405, "method_not_allowed", server.call("POST", "/healthz", auth: .none, json: [:]))

        // No CORS headers without --cors-origin.
        for answer in [try server.call("GET", "/v1/models", headers: [("Origin", "https://app.example")]),
                       try server.call("OPTIONS", "/v1/predict", auth: .none, headers: [("Origin", "https://app.example"),
                                                                                     ("Access-Control-Request-Method", "POST")])] {
            XCTAssertEqual(answer.headers.keys.filter { $0.hasPrefix("access-control-") }, [], "\(answer.headers)")
        }

        // Models on a new store: the shipped default, active.
        let list = try expectJSON(200, server.call("GET", "/v1/models"))
        XCTAssertEqual(list["active"] as? String, "default@1")
        let models = try XCTUnwrap(list["models"] as? [[String: Any]])
        XCTAssertEqual(models.count, 1)
        let model = try XCTUnwrap(models.first)
        XCTAssertEqual(Set(model.keys), ["model", "name", "version", "status", "created_at", "labels", "checksum", "parent", "cv_macro_f1"])
        XCTAssertEqual(model["model"] as? String, "default@1")
        XCTAssertEqual(model["name"] as? String, "default")
        XCTAssertEqual(model["version"] as? Int, 1)
        XCTAssertEqual(model["status"] as? String, "active")
        XCTAssertTrue(model["parent"] is NSNull)
        let labels = try XCTUnwrap(model["labels"] as? [String])
        XCTAssertEqual(labels, ["negative", "neutral", "positive"])
        let checksum = try XCTUnwrap(model["checksum"] as? String)
        XCTAssertTrue(checksum.count == 64 && checksum.allSatisfy(\.isHexDigit), checksum)
        XCTAssertNotNil(parseTimestamp(model["created_at"] as? String ?? ""), "created_at: \(model)")

        for ref in ["active", "default@1", "default"] {
            var shown = try expectJSON(200, server.call("GET", "/v1/models/\(ref)"))
            XCTAssertTrue(shown.removeValue(forKey: "evaluations") is [Any], ref)
            XCTAssertEqual(shown as NSDictionary, model as NSDictionary, ref)
        }
        try expectError(404, "not_found", server.call("GET", "/v1/models/nosuch"), mentioning: ["nosuch"])
        try expectError(404, "not_found", server.call("GET", "/v1/models/default@7"))
        try expectError(404, "not_found", server.call("POST", "/v1/models/nosuch@1/activate"))
        let activated = try expectJSON(200, server.call("POST", "/v1/models/default@1/activate"))
        XCTAssertEqual(activated["model"] as? String, "default@1")
        XCTAssertEqual(activated["status"] as? String, "active")
        XCTAssertEqual(try expectJSON(200, server.call("GET", "/v1/models"))["active"] as? String, "default@1")

        // Reading corpora by path needs --allow-paths.
        try expectError(400, "bad_request", server.call("POST", "/v1/evaluate", json: ["path": repoPath("Corpora/headlines-en/headlines.csv")]),
                        mentioning: ["--allow-paths"])

        // The served OpenAPI document is the repository's, byte for byte.
        let document = try server.call("GET", "/openapi.json", auth: .none)
        XCTAssertEqual(document.status, 200)
        XCTAssertEqual(document.headers["content-type"], "application/json")
        let file = try Data(contentsOf: URL(fileURLWithPath: repoPath("Sources/SentimentServer/Page/openapi.json")))
        XCTAssertEqual(document.body, Array(file))

        server.stop()
    }

    // MARK: the OpenAPI document's operations are exactly the server's routes

    func testOpenAPIDocumentsExactlyTheServedRoutes() throws {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map { "\($0)/python3" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let python = path else { throw XCTSkip("python3 is not installed: Tests/Packaging/check-openapi.py not run") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [repoPath("Tests/Packaging/check-openapi.py")]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let routes = SentimentServer.routes.map(\.description).joined(separator: "\n") + "\n"
        XCTAssertEqual(SentimentServer.routes.count, 15)
        input.fileHandleForWriting.write(Data(routes.utf8))
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "check-openapi.py:\n\(text)\nroutes:\n\(routes)")
    }

    // MARK: predict, query, correct, summarize, metrics

    func testPredictQueryCorrectSummarizeAndMetrics() throws {
        let box = try Sandbox()
        let server = try startServer(box)
        let labels = ["negative", "neutral", "positive"]
        let today = String(isoTimestamp(Date()).prefix(10))
        var stored: [Int: [String: Any]] = [:]  // id → prediction as predict answered it
        var predictOK = 0
        var lastId = 0

        /// Checks one predict answer: model, labels, probabilities, ids (increasing and new when stored).
        func predict(_ body: [String: Any], storing: Bool, line: UInt = #line) throws -> [[String: Any]] {
            let answer = try expectJSON(200, server.call("POST", "/v1/predict", json: body), line: line)
            predictOK += 1
            let texts = body["texts"] as! [String]
            XCTAssertEqual(answer["model"] as? String, "default@1", line: line)
            let predictions = try XCTUnwrap(answer["predictions"] as? [[String: Any]], line: line)
            XCTAssertEqual(predictions.map { $0["text"] as? String }, texts, "in input order, texts exactly", line: line)
            for p in predictions {
                XCTAssertEqual(p["model"] as? String, "default@1", line: line)
                let label = try XCTUnwrap(p["label"] as? String, line: line)
                XCTAssertTrue(labels.contains(label), label, line: line)
                let probabilities = try XCTUnwrap(p["probabilities"] as? [String: Double], line: line)
                XCTAssertEqual(Set(probabilities.keys), Set(labels), line: line)
                XCTAssertEqual(probabilities.values.reduce(0, +), 1, accuracy: 1e-3, line: line)
                let confidence = try XCTUnwrap(p["confidence"] as? Double, line: line)
                XCTAssertEqual(confidence, probabilities[label]!, line: line)
                XCTAssertEqual(confidence, probabilities.values.max()!, line: line)
                if storing {
                    let id = try XCTUnwrap(p["id"] as? Int, "a stored prediction has an id: \(p)", line: line)
                    XCTAssertGreaterThan(id, lastId, "ids increase", line: line)
                    lastId = id
                    stored[id] = p
                } else {
                    XCTAssertTrue(p["id"] is NSNull, "id null when not stored: \(p)", line: line)
                }
            }
            return predictions
        }

        _ = try predict(["texts": Array(Self.headlines[0..<10])], storing: true)
        _ = try predict(["texts": Array(Self.headlines[10...]), "model": "default@1", "store": true], storing: true)
        // Explanations.
        let explained = try predict(["texts": ["Shares soar after record profit", "Factory closes and hundreds of jobs are cut"],
                                     "explain": true], storing: true)
        for p in explained {
            let explanation = try XCTUnwrap(p["explanation"] as? [String: Any], "\(p)")
            XCTAssertEqual(Set(explanation.keys), ["toward", "against"])
            let toward = try XCTUnwrap(explanation["toward"] as? [[String: Any]])
            XCTAssertFalse(toward.isEmpty, "\(p)")
            for side in ["toward", "against"] {
                for item in try XCTUnwrap(explanation[side] as? [[String: Any]]) {
                    XCTAssertEqual(Set(item.keys), ["feature", "contribution"])
                    XCTAssertNotNil(item["feature"] as? String)
                    XCTAssertNotNil(item["contribution"] as? Double)
                }
            }
        }
        // Markup and control characters round-trip exactly.
        let awkward = try predict(["texts": [Self.awkwardText]], storing: true)
        let awkwardId = try XCTUnwrap(awkward.first?["id"] as? Int)
        let awkwardStored = try expectJSON(200, server.call("GET", "/v1/predictions/\(awkwardId)"))
        XCTAssertEqual(awkwardStored["text"] as? String, Self.awkwardText)
        // Nothing stored with "store": false.
        let before = try expectJSON(200, server.call("GET", "/v1/predictions?limit=1000"))
        _ = try predict(["texts": ["Profits climb", "Losses deepen", "Meeting on Monday"], "store": false, "explain": false], storing: false)
        XCTAssertEqual(try expectJSON(200, server.call("GET", "/v1/predictions?limit=1000")) as NSDictionary, before as NSDictionary)
        let total = stored.count
        XCTAssertEqual(total, Self.headlines.count + 3)
        XCTAssertEqual((before["predictions"] as? [Any])?.count, total)

        // Bad predict requests.
        try expectError(404, "not_found", server.call("POST", "/v1/predict", json: ["texts": ["x"], "model": "nosuch"]),
                        mentioning: ["nosuch", box.db])
        try expectError(404, "not_found", server.call("POST", "/v1/predict", json: ["texts": ["x"], "model": "default@2"]))
        for malformed in ["{\"texts\": [", "texts=a", "", "[\"a\"]", "{\"texts\": [\"a\"]} x", "{'texts': ['a']}"] {
            try expectError(400, "bad_request", server.call("POST", "/v1/predict", body: Array(malformed.utf8), contentType: "application/json"))
        }
        try expectError(400, "bad_request", server.call("POST", "/v1/predict", json: ["text": ["a"]]), mentioning: ["texts"])
        try expectError(400, "bad_request", server.call("POST", "/v1/predict", json: ["texts": "a"]), mentioning: ["texts"])
        try expectError(400, "bad_request", server.call("POST", "/v1/predict", json: ["texts": ["a", 1]]), mentioning: ["texts"])
        try expectError(400, "bad_request", server.call("POST", "/v1/predict", json: ["texts": ["fine", ""]]), mentioning: ["texts[1]"])
        try expectError(400, "bad_request", server.call("POST", "/v1/predict", json: ["texts": [" \n\t"]]), mentioning: ["texts[0]"])
        try expectError(400, "bad_request", server.call("POST", "/v1/predict", json: ["texts": ["a"], "store": "yes"]), mentioning: ["store"])

        // Listing, with filters.
        func list(_ query: [(String, String)], line: UInt = #line) throws -> (ids: [Int], page: [[String: Any]], next: Any?) {
            let answer = try expectJSON(200, server.call("GET", "/v1/predictions?" + queryString(query)), line: line)
            XCTAssertEqual(Set(answer.keys), ["predictions", "next_cursor"], line: line)
            let page = try XCTUnwrap(answer["predictions"] as? [[String: Any]], line: line)
            return (page.map { $0["id"] as! Int }, page, answer["next_cursor"])
        }
        let all = try list([("limit", "1000")])
        XCTAssertEqual(all.ids, stored.keys.sorted(by: >), "newest first by default")
        XCTAssertTrue(all.next is NSNull)
        XCTAssertEqual(try list([("limit", "1000"), ("order", "oldest")]).ids, stored.keys.sorted())
        for p in all.page {
            let id = p["id"] as! Int
            let answered = stored[id]!
            XCTAssertEqual(Set(p.keys), ["id", "text", "label", "confidence", "probabilities", "model", "source", "created_at",
                                         "corrected_label", "corrected_at"])
            for key in ["text", "label", "model"] { XCTAssertEqual(p[key] as? String, answered[key] as? String, "\(id) \(key)") }
            XCTAssertEqual(p["confidence"] as! Double, answered["confidence"] as! Double, accuracy: 1e-6)
            XCTAssertEqual(p["source"] as? String, "api")
            XCTAssertTrue(p["corrected_label"] is NSNull && p["corrected_at"] is NSNull)
            XCTAssertEqual((p["created_at"] as? String)?.prefix(10), Substring(today))
        }
        func confidence(_ id: Int) -> Double { stored[id]!["confidence"] as! Double }
        for label in labels {
            let expected = stored.filter { $0.value["label"] as? String == label }.keys.sorted(by: >)
            XCTAssertEqual(try list([("label", label), ("limit", "1000")]).ids, expected, label)
        }
        XCTAssertEqual(try list([("label", "nosuch")]).ids, [])
        let confidences = Set(stored.keys.map(confidence)).sorted()
        XCTAssertGreaterThan(confidences.count, 4)
        let low = (confidences[1] + confidences[2]) / 2, high = (confidences[confidences.count - 3] + confidences[confidences.count - 2]) / 2
        let lowString = String(format: "%.9f", low), highString = String(format: "%.9f", high)
        XCTAssertEqual(Set(try list([("min_confidence", lowString), ("limit", "1000")]).ids),
                       Set(stored.keys.filter { confidence($0) >= low }))
        XCTAssertEqual(Set(try list([("max_confidence", highString), ("limit", "1000")]).ids),
                       Set(stored.keys.filter { confidence($0) <= high }))
        XCTAssertEqual(Set(try list([("min_confidence", lowString), ("max_confidence", highString), ("limit", "1000")]).ids),
                       Set(stored.keys.filter { confidence($0) >= low && confidence($0) <= high }))
        XCTAssertEqual(try list([("min_confidence", "0"), ("max_confidence", "1"), ("limit", "1000")]).ids.count, total)

        // Search: plain words (punctuation split as the index splits it), every word must occur; a quoted phrase.
        func ids(withTexts texts: [String]) -> Set<Int> { Set(stored.filter { texts.contains($0.value["text"] as! String) }.keys) }
        let searches: [(String, [String])] = [
            ("S&P 500", ["The S&P 500 closes at a record high", "S&P 500 futures slip as investors weigh the rate outlook"]),
            ("record profit", ["Shares soar after record profit", "Record profit lifts the bank's shares to a new high",
                               "Quarterly profit hits a record"]),
            ("\"record profit\"", ["Shares soar after record profit", "Record profit lifts the bank's shares to a new high"]),
            ("Q3-2024", ["Q3-2024 revenue beat expectations"]),
            ("AT&T", ["AT&T shares were unchanged"]),
            ("12%", ["Sales rose 12% in the third quarter"]),
            ("nonexistentword", []),
        ]
        for (search, texts) in searches {
            XCTAssertEqual(Set(try list([("search", search), ("limit", "1000")]).ids), ids(withTexts: texts), search)
        }
        // Words FTS5 would read as syntax are plain words here: never an error.
        for search in ["AND", "OR", "NOT", "a OR b", "shares NOT profit", "profit*", "NEAR(shares profit)", "(", ")", "\"", "\"unbalanced",
                       "-", "-profit", "+", "^shares", "col:shares", "{shares}", "'", "*", ":", "S&P 500 (NYSE)", "profit; DROP TABLE prediction"] {
            XCTAssertEqual(try server.call("GET", "/v1/predictions?" + queryString([("search", search)])).status, 200, "search=\(search)")
            XCTAssertEqual(try server.call("GET", "/v1/predictions/summary?" + queryString([("search", search)])).status, 200,
                           "summary search=\(search)")
        }

        // Orders.
        let ascending = try list([("order", "confidence-ascending"), ("limit", "1000")])
        XCTAssertEqual(ascending.ids.count, total)
        XCTAssertEqual(ascending.ids.map(confidence), ascending.ids.map(confidence).sorted(), "confidence-ascending is ascending")
        XCTAssertLessThan(confidence(ascending.ids.first!), confidence(ascending.ids.last!))
        let descending = try list([("order", "confidence-descending"), ("limit", "1000")])
        XCTAssertEqual(descending.ids.map(confidence), descending.ids.map(confidence).sorted(by: >))

        // Paging: every prediction exactly once, the last page with next_cursor null; in every order.
        for order in ["newest", "oldest", "confidence-ascending", "confidence-descending"] {
            var seen: [Int] = []
            var cursor: String? = nil
            var pages = 0
            while pages <= total {
                var query = [("limit", "4"), ("order", order)]
                if let cursor { query.append(("cursor", cursor)) }
                let page = try list(query)
                pages += 1
                seen += page.ids
                if let next = page.next as? String {
                    XCTAssertEqual(page.ids.count, 4, "a page before the last is full")
                    cursor = next
                } else {
                    XCTAssertTrue(page.next is NSNull, "next_cursor is a string or null: \(String(describing: page.next))")
                    break
                }
            }
            XCTAssertEqual(pages, (total + 3) / 4, order)
            XCTAssertEqual(seen.count, total, order)
            XCTAssertEqual(Set(seen), Set(stored.keys), order)
            let whole = try list([("order", order), ("limit", "1000")]).ids
            XCTAssertEqual(seen, whole, "pages in the order of the whole list: \(order)")
        }
        // Paging with a filter.
        let positives = stored.filter { $0.value["label"] as? String == "positive" }.keys.sorted(by: >)
        var pagedPositives: [Int] = []
        var cursor: String? = nil
        for _ in 0...positives.count {
            var query = [("label", "positive"), ("limit", "2")]
            if let cursor { query.append(("cursor", cursor)) }
            let page = try list(query)
            pagedPositives += page.ids
            cursor = page.next as? String
            if cursor == nil { break }
        }
        XCTAssertEqual(pagedPositives, positives)

        // Dates: a bare date is that whole UTC day.
        XCTAssertEqual(try list([("since", today), ("limit", "1000")]).ids.count, total)
        XCTAssertEqual(try list([("until", today), ("limit", "1000")]).ids.count, total)
        XCTAssertEqual(try list([("since", "2999-01-01")]).ids, [])
        XCTAssertEqual(try list([("until", "2000-01-01T00:00:00Z")]).ids, [])
        XCTAssertEqual(try list([("since", "2000-01-01T00:00:00Z"), ("until", "2999-01-01"), ("limit", "1000")]).ids.count, total)
        XCTAssertEqual(try list([("model", "default"), ("limit", "1000")]).ids.count, total)
        XCTAssertEqual(try list([("model", "default@1"), ("limit", "1000")]).ids.count, total)

        // Bad parameter values: 400 naming the parameter, on the list and on the summary.
        let bad: [(String, String)] = [
            ("limit", "0"), ("limit", "abc"), ("limit", "1001"), ("limit", "-1"), ("min_confidence", "2"), ("min_confidence", "abc"),
            ("max_confidence", "-0.5"), ("order", "bogus"), ("since", "yesterday"), ("until", "2024-13-45"),
            ("cursor", "xyz"), ("corrected", "maybe"), ("model", "a@b@c"),
        ]
        for (name, value) in bad {
            let answer = try server.call("GET", "/v1/predictions?" + queryString([(name, value)]))
            try expectError(400, "bad_request", answer, mentioning: [name])
        }
        for (name, value) in bad where !["limit", "order", "cursor"].contains(name) {
            try expectError(400, "bad_request", server.call("GET", "/v1/predictions/summary?" + queryString([(name, value)])),
                            mentioning: [name])
        }

        // One prediction; corrections.
        let someId = try XCTUnwrap(stored.keys.min())
        let one = try expectJSON(200, server.call("GET", "/v1/predictions/\(someId)"))
        XCTAssertEqual(one as NSDictionary, all.page.first { $0["id"] as? Int == someId }! as NSDictionary)
        try expectError(404, "not_found", server.call("GET", "/v1/predictions/999999"))
        for notAnId in ["abc", "0", "-1", "1.5"] {
            try expectError(400, "bad_request", server.call("GET", "/v1/predictions/\(notAnId)"), mentioning: [notAnId])
        }
        let original = try XCTUnwrap(one["label"] as? String)
        let other = labels.first { $0 != original }!
        let corrected = try expectJSON(200, server.call("POST", "/v1/predictions/\(someId)/correction", json: ["label": other]))
        XCTAssertEqual(corrected["id"] as? Int, someId)
        XCTAssertEqual(corrected["label"] as? String, original, "the predicted label stays")
        XCTAssertEqual(corrected["corrected_label"] as? String, other)
        XCTAssertNotNil(parseTimestamp(corrected["corrected_at"] as? String ?? ""), "\(corrected)")
        XCTAssertEqual(try expectJSON(200, server.call("GET", "/v1/predictions/\(someId)")) as NSDictionary, corrected as NSDictionary)
        let correctedList = try list([("corrected", "true")])
        XCTAssertEqual(correctedList.ids, [someId])
        XCTAssertEqual(correctedList.page.first.map { $0 as NSDictionary }, corrected as NSDictionary)
        XCTAssertEqual(try list([("corrected", "false"), ("limit", "1000")]).ids.count, total - 1)
        try expectError(400, "bad_request", server.call("POST", "/v1/predictions/\(someId)/correction", json: ["label": "bogus"]),
                        mentioning: ["bogus"])
        try expectError(400, "bad_request", server.call("POST", "/v1/predictions/\(someId)/correction", json: ["labels": other]),
                        mentioning: ["label"])
        try expectError(400, "bad_request", server.call("POST", "/v1/predictions/\(someId)/correction",
                                                        body: Array("{".utf8), contentType: "application/json"))
        try expectError(404, "not_found", server.call("POST", "/v1/predictions/999999/correction", json: ["label": other]))
        try expectError(400, "bad_request", server.call("POST", "/v1/predictions/abc/correction", json: ["label": other]))
        XCTAssertEqual(try expectJSON(200, server.call("GET", "/v1/predictions/\(someId)"))["corrected_label"] as? String, other,
                       "a refused correction changed nothing")

        // The summary.
        var byLabel: [String: Int] = [:]
        for p in stored.values { byLabel[p["label"] as! String, default: 0] += 1 }
        let summary = try expectJSON(200, server.call("GET", "/v1/predictions/summary"))
        XCTAssertEqual(Set(summary.keys), ["total", "by_label", "by_model", "corrected", "uncorrected", "by_corrected_label", "by_day"])
        XCTAssertEqual(summary["total"] as? Int, total)
        XCTAssertEqual(summary["by_label"] as? [String: Int], byLabel)
        XCTAssertEqual(summary["by_model"] as? [String: Int], ["default@1": total])
        XCTAssertEqual(summary["corrected"] as? Int, 1)
        XCTAssertEqual(summary["uncorrected"] as? Int, total - 1)
        XCTAssertEqual(summary["by_corrected_label"] as? [String: Int], [other: 1])
        let days = try XCTUnwrap(summary["by_day"] as? [[String: Any]])
        if today == String(isoTimestamp(Date()).prefix(10)) {  // not across UTC midnight
            XCTAssertEqual(days.count, 1, "\(days)")
            XCTAssertEqual(days.first?["day"] as? String, today)
            XCTAssertEqual(days.first?["by_label"] as? [String: Int], byLabel)
        }
        for label in labels {
            let filtered = try expectJSON(200, server.call("GET", "/v1/predictions/summary?" + queryString([("label", label)])))
            XCTAssertEqual(filtered["total"] as? Int, byLabel[label] ?? 0, label)
        }
        let none = try expectJSON(200, server.call("GET", "/v1/predictions/summary?since=2999-01-01"))
        XCTAssertEqual(none["total"] as? Int, 0)
        XCTAssertEqual((none["by_day"] as? [Any])?.count, 0)

        // Metrics.
        let metrics = try server.call("GET", "/metrics", auth: .none)
        XCTAssertEqual(metrics.status, 200)
        let lines = metrics.text.split(separator: "\n").map(String.init)
        func value(_ prefix: String) -> Double? {
            lines.first { $0.hasPrefix(prefix + " ") }.flatMap { Double($0.dropFirst(prefix.count + 1)) }
        }
        XCTAssertEqual(value("sentiment_predictions_stored_total"), Double(total), metrics.text)
        XCTAssertEqual(value("sentiment_predictions_unstored_total"), 3, metrics.text)
        XCTAssertTrue(lines.contains { $0.hasPrefix("sentiment_http_requests_total{route=") }, metrics.text)
        XCTAssertEqual(value("sentiment_http_requests_total{route=\"/v1/predict\",method=\"POST\",status=\"200\"}"), Double(predictOK),
                       metrics.text)

        server.stop()
    }

    // MARK: limits

    func testLimits() throws {
        let box = try Sandbox()
        let server = try startServer(box, ["--max-texts", "3", "--max-text-bytes", "100", "--max-body-bytes", "2000"])
        XCTAssertEqual(try server.call("POST", "/v1/predict", json: ["texts": ["Profits rise", "Losses widen", "Meeting today"]]).status, 200)
        try expectError(413, "payload_too_large", server.call("POST", "/v1/predict", json: ["texts": ["a", "b", "c", "d"]]),
                        mentioning: ["3"])
        // 100 UTF-8 bytes (50 characters) pass; 101 do not.
        let hundred = String(repeating: "é", count: 50)
        XCTAssertEqual(try server.call("POST", "/v1/predict", json: ["texts": [hundred]]).status, 200)
        try expectError(413, "payload_too_large", server.call("POST", "/v1/predict", json: ["texts": ["fine", hundred + "a"]]),
                        mentioning: ["texts[1]"])
        // A body over 2000 bytes, whatever it holds.
        let padded: [String: Any] = ["texts": ["Profits rise"], "padding": String(repeating: "x", count: 2500)]
        try expectError(413, "payload_too_large", server.call("POST", "/v1/predict", json: padded))
        let bigBody = Array(("{\"texts\": [\"Profits rise\"]}" + String(repeating: " ", count: 100_000)).utf8)
        try expectError(413, "payload_too_large", server.call("POST", "/v1/predict", body: bigBody, contentType: "application/json"))
        let corpus = try smallCorpus(step: 20)
        XCTAssertGreaterThan(corpus.utf8.count, 2000)
        try expectError(413, "payload_too_large", server.call("POST", "/v1/evaluate", body: Array(corpus.utf8), contentType: "text/csv"))
        try expectError(413, "payload_too_large", server.call("POST", "/v1/train?name=big", body: Array(corpus.utf8), contentType: "text/csv"))
        // Only the accepted requests stored anything.
        XCTAssertEqual(try expectJSON(200, server.call("GET", "/v1/predictions/summary"))["total"] as? Int, 4)
        server.stop()
    }

    // MARK: evaluate and train

    func testEvaluateAndTrain() throws {
        let box = try Sandbox()
        let allowed = box.path("corpora")
        let outside = box.path("elsewhere")
        try FileManager.default.createDirectory(atPath: allowed, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: allowed + "-evil", withIntermediateDirectories: true)
        // The server's own temporary directory, to see that uploads are removed.
        let temporary = box.path("tmp")
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        let server = try startServer(box, ["--allow-paths", allowed], environment: ["TMPDIR": temporary])
        let lines = try smallCorpus(step: 48).split(separator: "\n").map(String.init)
        let rows = lines.count - 1
        let evaluationCorpus = lines.joined(separator: "\n") + "\n"

        /// Checks an evaluation's shape and consistency.
        func checkEvaluation(_ e: [String: Any], rows: Int, line: UInt = #line) throws {
            XCTAssertEqual(e["model"] as? String, "default@1", line: line)
            XCTAssertEqual(e["rows"] as? Int, rows, line: line)
            let labels = try XCTUnwrap(e["labels"] as? [String], "\(e)", line: line)
            XCTAssertEqual(labels, ["negative", "neutral", "positive"], line: line)
            for key in ["accuracy", "macro_f1", "weighted_f1"] {
                let v = try XCTUnwrap(e[key] as? Double, key, line: line)
                XCTAssertTrue((0...1).contains(v), "\(key) \(v)", line: line)
            }
            XCTAssertNotNil(e["log_loss"] as? Double, line: line)
            XCTAssertNotNil(e["ece"] as? Double, line: line)
            let perClass = try XCTUnwrap(e["per_class"] as? [[String: Any]], line: line)
            XCTAssertEqual(perClass.compactMap { $0["label"] as? String }, labels, line: line)
            XCTAssertEqual(perClass.compactMap { $0["support"] as? Int }.reduce(0, +), rows, line: line)
            for c in perClass {
                for key in ["precision", "recall", "f1"] { XCTAssertNotNil(c[key] as? Double, "\(key) in \(c)", line: line) }
            }
            let confusion = try XCTUnwrap(e["confusion"] as? [[Int]], line: line)
            XCTAssertEqual(confusion.count, labels.count, line: line)
            XCTAssertTrue(confusion.allSatisfy { $0.count == labels.count }, line: line)
            XCTAssertEqual(confusion.joined().reduce(0, +), rows, line: line)
            let diagonal = (0..<labels.count).map { confusion[$0][$0] }.reduce(0, +)
            XCTAssertEqual(e["accuracy"] as! Double, Double(diagonal) / Double(rows), accuracy: 1e-6, line: line)
        }

        // Evaluate.
        let evaluation = try expectJSON(200, server.call("POST", "/v1/evaluate", body: Array(evaluationCorpus.utf8), contentType: "text/csv"))
        try checkEvaluation(evaluation, rows: rows)
        XCTAssertGreaterThan(evaluation["accuracy"] as! Double, 0.5, "the default model on its own kind of headlines")
        let withModel = try expectJSON(200, server.call("POST", "/v1/evaluate?model=default@1", body: Array(evaluationCorpus.utf8),
                                                        contentType: "text/csv; charset=utf-8"))
        XCTAssertEqual(withModel["accuracy"] as? Double, evaluation["accuracy"] as? Double)
        // JSON Lines.
        let jsonl = try lines.dropFirst().prefix(10).map { line -> String in
            let comma = try XCTUnwrap(line.lastIndex(of: ","))
            var text = String(line[..<comma])
            if text.hasPrefix("\"") { text = String(text.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"") }
            let object = ["text": text, "label": String(line[line.index(after: comma)...])]
            return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        }.joined(separator: "\n") + "\n"
        try checkEvaluation(expectJSON(200, server.call("POST", "/v1/evaluate", body: Array(jsonl.utf8), contentType: "application/x-ndjson")),
                            rows: 10)
        // A bad line: its number is in the message.
        let badCorpus = "text,label\nProfits rise sharply,positive\nFactory closes,negative\nBoard meets on Monday,\nOrders surge,positive\n"
        try expectError(400, "bad_request", server.call("POST", "/v1/evaluate", body: Array(badCorpus.utf8), contentType: "text/csv"),
                        mentioning: [":4:"])
        let badField = "text,label\nProfits rise sharply,positive\n\"Factory closes,negative\n"
        try expectError(400, "bad_request", server.call("POST", "/v1/evaluate", body: Array(badField.utf8), contentType: "text/csv"),
                        mentioning: [":3:"])
        try expectError(400, "bad_request", server.call("POST", "/v1/evaluate", body: Array(evaluationCorpus.utf8), contentType: "text/plain"))
        try expectError(400, "bad_request", server.call("POST", "/v1/evaluate", json: [:]))
        try expectError(404, "not_found", server.call("POST", "/v1/evaluate?model=nosuch", body: Array(evaluationCorpus.utf8),
                                                      contentType: "text/csv"))

        // Paths: inside the allowed directory only, symlinks resolved.
        let inside = try box.write("corpora/inside.csv", evaluationCorpus)
        let byPath = try expectJSON(200, server.call("POST", "/v1/evaluate", json: ["path": inside]))
        try checkEvaluation(byPath, rows: rows)
        XCTAssertEqual(byPath["corpus"] as? String, inside)
        let outsideFile = try box.write("elsewhere/outside.csv", evaluationCorpus)
        let evilFile = try box.write("corpora-evil/outside.csv", evaluationCorpus)
        try FileManager.default.createSymbolicLink(atPath: box.path("corpora/link.csv"), withDestinationPath: outsideFile)
        try FileManager.default.createSymbolicLink(atPath: box.path("corpora/linkdir"), withDestinationPath: outside)
        for path in [outsideFile, evilFile, box.path("corpora/link.csv"), box.path("corpora/linkdir/outside.csv"),
                     allowed + "/../elsewhere/outside.csv", box.db, "/etc/passwd", "relative.csv"] {
            try expectError(400, "bad_request", server.call("POST", "/v1/evaluate", json: ["path": path]), mentioning: ["path"])
        }

        // Train.
        let modelsBefore = try expectJSON(200, server.call("GET", "/v1/models"))
        func poll(_ id: String, line: UInt = #line) throws -> [String: Any] {
            for _ in 0..<2400 {
                let job = try XCTUnwrap(try expectJSON(200, server.call("GET", "/v1/jobs/\(id)"), line: line)["job"] as? [String: Any], line: line)
                XCTAssertEqual(job["id"] as? String, id, line: line)
                let status = try XCTUnwrap(job["status"] as? String, line: line)
                XCTAssertTrue(["queued", "running", "succeeded", "failed", "cancelled"].contains(status), status, line: line)
                if ["succeeded", "failed", "cancelled"].contains(status) { return job }
                usleep(25_000)
            }
            XCTFail("job \(id) did not end", line: line)
            throw HTTPFailure(description: "job did not end")
        }
        func accepted(_ answer: HTTPAnswer, line: UInt = #line) throws -> [String: Any] {
            let job = try XCTUnwrap(try expectJSON(202, answer, line: line)["job"] as? [String: Any], "\(answer)", line: line)
            XCTAssertEqual(Set(job.keys), ["id", "kind", "status", "created_at", "started_at", "finished_at", "progress", "model", "error",
                                           "warnings"], line: line)
            XCTAssertEqual(job["kind"] as? String, "train", line: line)
            XCTAssertTrue(["queued", "running"].contains(job["status"] as? String ?? ""), "\(job)", line: line)
            XCTAssertTrue(job["model"] is NSNull && job["error"] is NSNull && job["finished_at"] is NSNull, "\(job)", line: line)
            return job
        }

        // A bad corpus: the job fails with the line in its message; no model is added.
        let failing = try accepted(server.call("POST", "/v1/train?name=api-bad", body: Array(badCorpus.utf8), contentType: "text/csv"))
        let failed = try poll(failing["id"] as! String)
        XCTAssertEqual(failed["status"] as? String, "failed")
        XCTAssertTrue(failed["model"] is NSNull)
        XCTAssertNotNil(failed["finished_at"] as? String)
        let failure = try XCTUnwrap(failed["error"] as? [String: Any], "\(failed)")
        XCTAssertEqual(failure["code"] as? String, "bad_request")
        XCTAssertTrue((failure["message"] as? String ?? "").contains(":4:"), "\(failure)")
        // One label only: fails too.
        let oneLabel = "text,label\nProfits rise,positive\nOrders surge,positive\nShares soar,positive\n"
        let failing2 = try accepted(server.call("POST", "/v1/train?name=api-one", body: Array(oneLabel.utf8), contentType: "text/csv"))
        XCTAssertEqual(try poll(failing2["id"] as! String)["status"] as? String, "failed")
        XCTAssertEqual(try expectJSON(200, server.call("GET", "/v1/models")) as NSDictionary, modelsBefore as NSDictionary,
                       "failed trainings left the models as they were")
        // Refused before a job starts.
        try expectError(400, "bad_request", server.call("POST", "/v1/train", body: Array(evaluationCorpus.utf8), contentType: "text/csv"),
                        mentioning: ["name"])
        try expectError(400, "bad_request", server.call("POST", "/v1/train?name=x&activate=maybe", body: Array(evaluationCorpus.utf8),
                                                        contentType: "text/csv"), mentioning: ["activate"])
        try expectError(400, "bad_request", server.call("POST", "/v1/train", json: ["name": "x"]))
        try expectError(400, "bad_request", server.call("POST", "/v1/train", json: ["path": outsideFile, "name": "x"]), mentioning: ["path"])
        try expectError(404, "not_found", server.call("GET", "/v1/jobs/999"))
        try expectError(404, "not_found", server.call("GET", "/v1/jobs/abc"))

        // A good corpus in the body.
        let training = try smallCorpus(step: 4)
        let job = try accepted(server.call("POST", "/v1/train?name=api-news", body: Array(training.utf8), contentType: "text/csv"))
        let done = try poll(job["id"] as! String)
        XCTAssertEqual(done["status"] as? String, "succeeded", "\(done)")
        XCTAssertEqual(done["model"] as? String, "api-news@1")
        XCTAssertTrue(done["error"] is NSNull)
        XCTAssertEqual((done["progress"] as? [String: Any])?["fraction"] as? Double, 1)
        XCTAssertEqual(done["warnings"] as? [String], [])
        XCTAssertNotNil(done["started_at"] as? String)
        XCTAssertNotNil(done["finished_at"] as? String)
        var models = try expectJSON(200, server.call("GET", "/v1/models"))
        XCTAssertEqual(models["active"] as? String, "api-news@1")
        var byRef = Dictionary(uniqueKeysWithValues: (models["models"] as! [[String: Any]]).map { ($0["model"] as! String, $0) })
        XCTAssertEqual(Set(byRef.keys), ["default@1", "api-news@1"])
        XCTAssertEqual(byRef["api-news@1"]?["status"] as? String, "active")
        XCTAssertEqual(byRef["default@1"]?["status"] as? String, "inactive")
        XCTAssertEqual(try expectJSON(200, server.call("GET", "/v1/models/active"))["model"] as? String, "api-news@1")
        XCTAssertEqual(try expectJSON(200, server.call("POST", "/v1/predict", json: ["texts": ["Profits rise"], "store": false]))["model"] as? String,
                       "api-news@1", "predict uses the newly active model")

        // 409 while a training runs. Deterministic: the running job reads its corpus from a FIFO this test holds
        // open (read and write, so neither side's open blocks), and cannot end before the test writes and closes it.
        let fifo = box.path("corpora/fifo.csv")
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let fd = open(fifo, O_RDWR | O_CLOEXEC)
        XCTAssertGreaterThanOrEqual(fd, 0)
        var fifoOpen = true
        defer { if fifoOpen { close(fd) } }
        let blocked = try accepted(server.call("POST", "/v1/train", json: ["path": fifo, "name": "api-fifo", "activate": false]))
        try expectError(409, "conflict", server.call("POST", "/v1/train?name=api-news", body: Array(training.utf8), contentType: "text/csv"))
        XCTAssertTrue(["queued", "running"].contains(
            try expectJSON(200, server.call("GET", "/v1/jobs/\(blocked["id"] as! String)"))["job"].flatMap { ($0 as? [String: Any])?["status"] as? String } ?? ""))
        let fifoCorpus = Array(try smallCorpus(step: 8, offset: 1).utf8)
        var written = 0
        while written < fifoCorpus.count {
            let n = fifoCorpus.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            XCTAssertGreaterThan(n, 0, "write to the FIFO: \(String(cString: strerror(errno)))")
            if n <= 0 { break }
            written += n
        }
        close(fd)
        fifoOpen = false
        let fifoDone = try poll(blocked["id"] as! String)
        XCTAssertEqual(fifoDone["status"] as? String, "succeeded", "\(fifoDone)")
        XCTAssertEqual(fifoDone["model"] as? String, "api-fifo@1")
        models = try expectJSON(200, server.call("GET", "/v1/models"))
        byRef = Dictionary(uniqueKeysWithValues: (models["models"] as! [[String: Any]]).map { ($0["model"] as! String, $0) })
        XCTAssertEqual(byRef["api-fifo@1"]?["status"] as? String, "inactive", "\"activate\": false")
        XCTAssertEqual(models["active"] as? String, "api-news@1")

        // No corpus, from a parent (its corpora, plus corrections): the review page's "retrain with corrections".
        let retrain = try accepted(server.call("POST", "/v1/train", json: ["from": "api-news@1", "include_corrections": true]))
        let retrained = try poll(retrain["id"] as! String)
        XCTAssertEqual(retrained["status"] as? String, "succeeded", "\(retrained)")
        XCTAssertEqual(retrained["model"] as? String, "api-news@2")
        let second = try expectJSON(200, server.call("GET", "/v1/models/api-news@2"))
        XCTAssertEqual(second["parent"] as? String, "api-news@1")
        XCTAssertEqual(second["status"] as? String, "active")
        XCTAssertEqual(try expectJSON(200, server.call("GET", "/v1/models/api-news"))["model"] as? String, "api-news@2", "newest version")
        // A parent that does not exist: the job fails, nothing is added.
        let orphan = try accepted(server.call("POST", "/v1/train", json: ["from": "nosuch@1"]))
        let orphanDone = try poll(orphan["id"] as! String)
        XCTAssertEqual(orphanDone["status"] as? String, "failed")
        XCTAssertEqual((orphanDone["error"] as? [String: Any])?["code"] as? String, "not_found", "\(orphanDone)")

        // Activate the default again.
        XCTAssertEqual(try expectJSON(200, server.call("POST", "/v1/models/default@1/activate"))["status"] as? String, "active")
        models = try expectJSON(200, server.call("GET", "/v1/models"))
        XCTAssertEqual(models["active"] as? String, "default@1")
        byRef = Dictionary(uniqueKeysWithValues: (models["models"] as! [[String: Any]]).map { ($0["model"] as! String, $0) })
        XCTAssertEqual(Set(byRef.keys), ["default@1", "api-news@1", "api-news@2", "api-fifo@1"])
        XCTAssertEqual(byRef.values.filter { $0["status"] as? String == "active" }.count, 1)
        XCTAssertEqual(byRef["api-news@2"]?["status"] as? String, "inactive")
        // Every upload (evaluated, trained, failed, refused) was removed.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: temporary).filter { $0.hasPrefix("sentiment-upload") }, [])
        XCTAssertEqual(try expectJSON(200, server.call("POST", "/v1/predict", json: ["texts": ["Profits rise"], "store": false]))["model"] as? String,
                       "default@1")

        // What the training warned about reaches the job: here a parent that shares fewer than two labels with it.
        let renamed = training.replacingOccurrences(of: ",positive\n", with: ",bullish\n")
            .replacingOccurrences(of: ",negative\n", with: ",bearish\n")
        let warnedJob = try accepted(server.call("POST", "/v1/train?name=api-warned&from=default&activate=false",
                                                 body: Array(renamed.utf8), contentType: "text/csv"))
        let warned = try poll(warnedJob["id"] as! String)
        XCTAssertEqual(warned["status"] as? String, "succeeded", "\(warned)")
        let warnings = try XCTUnwrap(warned["warnings"] as? [String], "\(warned)")
        XCTAssertTrue(warnings.contains { $0.contains("default@1 shares fewer than two labels with the corpus") }, "\(warnings)")

        server.stop()
    }

    // MARK: graceful shutdown with requests in flight

    func testShutdownFinishesRequestsInFlight() throws {
        let box = try Sandbox()
        let corpora = box.path("corpora")
        try FileManager.default.createDirectory(atPath: corpora, withIntermediateDirectories: true)
        let server = try startServer(box, ["--allow-paths", corpora])
        // A training job in flight too: it reads its corpus from a FIFO this test holds open, so it is still running
        // when SIGTERM arrives, and the server cannot exit before the test writes the corpus and closes the FIFO.
        let fifo = box.path("corpora/fifo.csv")
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let fd = open(fifo, O_RDWR | O_CLOEXEC)
        XCTAssertGreaterThanOrEqual(fd, 0)
        var fifoOpen = true
        defer { if fifoOpen { close(fd) } }
        XCTAssertEqual(try server.call("POST", "/v1/train", json: ["path": fifo, "name": "api-fifo"]).status, 202)
        let requests = 20, textsPerRequest = 200
        final class Outcomes: @unchecked Sendable {
            let lock = NSLock()
            var answers: [Int: HTTPAnswer] = [:]
            var failures: [Int: String] = [:]
        }
        let outcomes = Outcomes()
        let firstAnswer = DispatchSemaphore(value: 0)
        let finished = DispatchGroup()
        let port = server.port
        func texts(_ r: Int) -> [String] { (0..<textsPerRequest).map { "Request \(r) headline \($0): shares rise after profit beats forecasts" } }
        for r in 0..<requests {
            finished.enter()
            let body = Array(try JSONSerialization.data(withJSONObject: ["texts": texts(r)]))
            let thread = Thread {
                defer { finished.leave() }
                do {
                    let answer = try httpRequest(port: port, method: "POST", path: "/v1/predict",
                                                 headers: [("Authorization", "Bearer \(testToken)"), ("Content-Type", "application/json")],
                                                 body: body)
                    outcomes.lock.withLock { outcomes.answers[r] = answer }
                    firstAnswer.signal()
                } catch {
                    outcomes.lock.withLock { outcomes.failures[r] = "\(error)" }
                }
            }
            thread.start()
        }
        XCTAssertEqual(firstAnswer.wait(timeout: .now() + 120), .success, "no answer at all")
        kill(server.process.processIdentifier, SIGTERM)
        XCTAssertEqual(finished.wait(timeout: .now() + 120), .success, "requests still waiting 120 s after SIGTERM")
        // Every request has its answer: now let the training read its corpus. Cancelled at its next phase boundary
        // (nothing stored), or, if it got past the last one before the server asked it to stop, stored whole.
        let corpus = Array(try smallCorpus(step: 8).utf8)
        var written = 0
        while written < corpus.count {
            let n = corpus.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            if n <= 0 { XCTFail("write to the FIFO: \(String(cString: strerror(errno)))"); break }
            written += n
        }
        close(fd)
        fifoOpen = false
        // stop() sends SIGTERM again (harmless to a server already stopping) and checks the exit.
        server.stop()
        let models = try jsonArray(box.ok(["models", "list", "--db", box.db, "--format", "json"]))
        let references = models.compactMap { $0["model"] as? String }
        XCTAssertTrue(references == ["default@1"] || Set(references) == ["default@1", "api-fifo@1"], "\(references)")

        let stored = try box.run(["predictions", "--db", box.db, "--format", "jsonl"])
        XCTAssertEqual(stored.code, 0, stored.stderr)
        var storedTexts: [Int: String] = [:]
        for line in stored.stdout.split(separator: "\n") {
            let p = try jsonObject(String(line))
            storedTexts[p["id"] as! Int] = p["text"] as? String
        }
        let (answers, failures) = outcomes.lock.withLock { (outcomes.answers, outcomes.failures) }
        XCTAssertEqual(answers.count + failures.count, requests)
        var ok = 0
        for (r, answer) in answers.sorted(by: { $0.key < $1.key }) {
            if answer.status == 200 {
                ok += 1
                let predictions = try XCTUnwrap(try jsonObject(answer.text)["predictions"] as? [[String: Any]])
                XCTAssertEqual(predictions.count, textsPerRequest)
                for (p, text) in zip(predictions, texts(r)) {
                    let id = try XCTUnwrap(p["id"] as? Int, "request \(r): \(p)")
                    XCTAssertEqual(storedTexts[id], text, "request \(r) was answered 200 but its prediction \(id) is not in the store")
                }
            } else {
                XCTAssertNotEqual(answer.status, 500, "request \(r): \(answer)")
                XCTAssertNotEqual(answer.status, 200)
                let object = try jsonObject(answer.text)
                let error = try XCTUnwrap(object["error"] as? [String: Any], "request \(r): \(answer)")
                XCTAssertNotNil(error["code"] as? String)
                XCTAssertNotEqual(error["code"] as? String, "internal", "request \(r): \(answer)")
            }
        }
        XCTAssertGreaterThanOrEqual(ok, 1)
        XCTAssertGreaterThanOrEqual(storedTexts.count, ok * textsPerRequest)
        let verify = try box.run(["store", "verify", "--db", box.db])
        XCTAssertEqual(verify.code, 0, verify.stdout + verify.stderr)
    }

    // MARK: the token: made and written beside the store, or read from a file

    func testGeneratedTokenAndTokenFile() throws {
        let box = try Sandbox()
        // Neither SENTIMENT_API_TOKEN nor --token-file: a new token in STORE.api-token (0600), printed in the URL.
        let server = try startServer(box, token: nil)
        let shown = try XCTUnwrap(server.shownToken, "the URL carries the token: \(server.stderr)")
        XCTAssertEqual(shown.count, 64)
        XCTAssertTrue(shown.allSatisfy(\.isHexDigit), shown)
        let tokenPath = box.db + ".api-token"
        let saved = try String(contentsOfFile: tokenPath, encoding: .utf8)
        XCTAssertEqual(saved.split(separator: "\n").first.map(String.init), shown)
        let attributes = try FileManager.default.attributesOfItem(atPath: tokenPath)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        XCTAssertEqual(try server.call("GET", "/v1/models").status, 200)
        try expectError(401, "unauthorized", server.call("GET", "/v1/models", auth: .none))
        try expectError(401, "unauthorized", server.call("GET", "/v1/models", auth: .header("Bearer \(testToken)")))
        server.stop()

        // Replaced at each start.
        let again = try startServer(box, token: nil)
        let replaced = try XCTUnwrap(again.shownToken)
        XCTAssertNotEqual(replaced, shown)
        XCTAssertEqual(try String(contentsOfFile: tokenPath, encoding: .utf8).split(separator: "\n").first.map(String.init), replaced)
        XCTAssertEqual((try FileManager.default.attributesOfItem(atPath: tokenPath)[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        XCTAssertEqual(try again.call("GET", "/v1/models").status, 200)
        try expectError(401, "unauthorized", again.call("GET", "/v1/models", auth: .header("Bearer \(shown)")))
        again.stop()

        // --token-file: its first line.
        let file = try box.write("token.txt", "file-token-0123456789abcdef\nsecond-line-0123456789abcdef\n")
        let fromFile = try startServer(box, ["--token-file", file], token: nil)
        XCTAssertEqual(fromFile.shownToken, "file-token-0123456789abcdef")
        XCTAssertEqual(try fromFile.call("GET", "/v1/models").status, 200)
        try expectError(401, "unauthorized", fromFile.call("GET", "/v1/models", auth: .header("Bearer second-line-0123456789abcdef")))
        try expectError(401, "unauthorized", fromFile.call("GET", "/v1/models", auth: .header("Bearer \(replaced)")))
        fromFile.stop()

        // SENTIMENT_API_TOKEN comes first, and is not printed.
        let fromEnvironment = try startServer(box, ["--token-file", file], token: testToken)
        XCTAssertNil(fromEnvironment.shownToken, fromEnvironment.stderr)
        XCTAssertEqual(try fromEnvironment.call("GET", "/v1/models").status, 200)
        try expectError(401, "unauthorized", fromEnvironment.call("GET", "/v1/models", auth: .header("Bearer file-token-0123456789abcdef")))
        fromEnvironment.stop()
    }

    // MARK: defects found while writing these tests (each asserts the contract; the messages say what differs)

    /// A text holding U+0000 must be refused (400) or stored whole: answering "a\u0000b" with an id and then
    /// serving "a" for that id loses the text silently.
    func testTextWithNULIsRefusedOrStoredWhole() throws {
        let box = try Sandbox()
        let server = try startServer(box)
        let text = "before\u{0}after"
        let answer = try server.call("POST", "/v1/predict", json: ["texts": [text]])
        if answer.status == 200 {
            let p = try XCTUnwrap((try jsonObject(answer.text)["predictions"] as? [[String: Any]])?.first)
            XCTAssertEqual(p["text"] as? String, text)
            let id = try XCTUnwrap(p["id"] as? Int)
            let stored = try expectJSON(200, server.call("GET", "/v1/predictions/\(id)"))
            XCTAssertEqual(stored["text"] as? String, text,
                           "POST /v1/predict answered 200 with the text whole, but GET /v1/predictions/\(id) serves it cut at U+0000")
            let listed = try expectJSON(200, server.call("GET", "/v1/predictions"))
            XCTAssertEqual((listed["predictions"] as? [[String: Any]])?.first?["text"] as? String, text, "GET /v1/predictions")
        } else {
            try expectError(400, "bad_request", answer)
        }
        server.stop()
    }

    /// A trailing comma is not JSON (RFC 8259): 400, and nothing predicted or stored.
    func testTrailingCommaIsMalformedJSON() throws {
        let box = try Sandbox()
        let server = try startServer(box)
        for body in ["{\"texts\": [\"Profits rise\"],}", "{\"texts\": [\"Profits rise\",]}"] {
            let answer = try server.call("POST", "/v1/predict", body: Array(body.utf8), contentType: "application/json")
            XCTAssertEqual(answer.status, 400, "POST /v1/predict with the body \(body): \(answer)")
            if answer.status == 400 { try expectError(400, "bad_request", answer) }
        }
        XCTAssertEqual(try expectJSON(200, server.call("GET", "/v1/predictions/summary"))["total"] as? Int, 0, "nothing stored")
        server.stop()
    }

    /// The cursor is opaque, so paging must not depend on where rows sit: predictions stored while a client pages
    /// through the list (newest first, the default) must not make it see a prediction twice.
    func testPagingSeesEachPredictionOnceWhilePredictionsAreStored() throws {
        let box = try Sandbox()
        let server = try startServer(box)
        let first = try expectJSON(200, server.call("POST", "/v1/predict", json: ["texts": Array(Self.headlines[0..<10])]))
        let existing = Set(try XCTUnwrap(first["predictions"] as? [[String: Any]]).map { $0["id"] as! Int })
        var seen: [Int] = []
        var cursor: String? = nil
        for page in 0...existing.count {
            if page == 1 {  // a new prediction arrives between the first and the second page
                XCTAssertEqual(try server.call("POST", "/v1/predict", json: ["texts": ["Orders surge", "Profits fall"]]).status, 200)
            }
            let answer = try expectJSON(200, server.call("GET", "/v1/predictions?" + queryString([("limit", "4")] + (cursor.map { [("cursor", $0)] } ?? []))))
            seen += try XCTUnwrap(answer["predictions"] as? [[String: Any]]).map { $0["id"] as! Int }
            cursor = answer["next_cursor"] as? String
            if cursor == nil { break }
        }
        let old = seen.filter(existing.contains)
        XCTAssertEqual(old.count, existing.count,
                       "GET /v1/predictions?limit=4 then ?cursor=…: with 2 predictions stored after the first page, the ids \(seen) show some twice")
        XCTAssertEqual(Set(old), existing)
        XCTAssertEqual(old, existing.sorted(by: >))
        server.stop()
    }

    /// With --cors-origin, that origin (and no other) gets CORS headers: on errors too, or a page on that origin
    /// cannot read why a request failed (a 401 for a wrong token looks like a network error to it).
    func testCORSForTheOneOrigin() throws {
        let box = try Sandbox()
        let origin = "https://app.example"
        let server = try startServer(box, ["--cors-origin", origin])
        let preflight = try server.call("OPTIONS", "/v1/predict", auth: .none,
                                        headers: [("Origin", origin), ("Access-Control-Request-Method", "POST"),
                                                  ("Access-Control-Request-Headers", "authorization,content-type")])
        XCTAssertEqual(preflight.status, 204)
        XCTAssertEqual(preflight.headers["access-control-allow-origin"], origin)
        XCTAssertEqual(preflight.headers["access-control-allow-methods"], "GET, POST, OPTIONS")
        XCTAssertEqual(preflight.headers["access-control-allow-headers"], "Authorization, Content-Type")
        let ok = try server.call("GET", "/v1/models", headers: [("Origin", origin)])
        XCTAssertEqual(ok.status, 200)
        XCTAssertEqual(ok.headers["access-control-allow-origin"], origin)
        XCTAssertEqual(ok.headers["vary"], "Origin")
        // Another origin: nothing.
        let other = try server.call("GET", "/v1/models", headers: [("Origin", "https://evil.example")])
        XCTAssertEqual(other.status, 200)
        XCTAssertNil(other.headers["access-control-allow-origin"])
        let otherPreflight = try server.call("OPTIONS", "/v1/predict", auth: .none, headers: [("Origin", "https://evil.example")])
        XCTAssertNil(otherPreflight.headers["access-control-allow-origin"])
        // Errors, for the allowed origin.
        for (answer, request) in [(try server.call("GET", "/v1/models", auth: .none, headers: [("Origin", origin)]), "GET /v1/models without a token"),
                                  (try server.call("GET", "/v1/predictions/999", headers: [("Origin", origin)]), "GET /v1/predictions/999"),
                                  (try server.call("GET", "/v1/predictions?limit=0", headers: [("Origin", origin)]), "GET /v1/predictions?limit=0")] {
            XCTAssertGreaterThanOrEqual(answer.status, 400, request)
            XCTAssertEqual(answer.headers["access-control-allow-origin"], origin,
                           "\(request) from Origin \(origin): \(answer.status) without Access-Control-Allow-Origin")
        }
        server.stop()
    }
}

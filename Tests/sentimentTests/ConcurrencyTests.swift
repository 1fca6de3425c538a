import Foundation
import XCTest

/// `predict` and `predictions` while `train` writes to the same store: no "database is locked", consistent results.
final class ConcurrencyTests: XCTestCase {
    func testReadersAndWritersShareTheStore() throws {
        let box = try Sandbox()
        let corpus = repoPath("Corpora/headlines-en/headlines.csv")
        try box.ok(["train", "--corpus", corpus, "--name", "news"])

        let group = DispatchGroup()
        final class Failures: @unchecked Sendable {
            let lock = NSLock()
            var list: [String] = []
            func add(_ s: String) { lock.lock(); list.append(s); lock.unlock() }
        }
        let failures = Failures()
        func background(_ args: [String], times: Int) {
            group.enter()
            DispatchQueue.global().async {
                defer { group.leave() }
                for _ in 0..<times {
                    do {
                        let r = try box.run(args)
                        if r.code != 0 {
                            failures.add("\(args.joined(separator: " ")): \(r.stderr)")
                        }
                    } catch {
                        failures.add("\(error)")
                    }
                }
            }
        }
        background(["train", "--corpus", corpus, "--name", "news"], times: 3)
        background(["predict", "--model", "news@1", "Profit jumps", "Factory closes"], times: 8)
        background(["predictions", "--format", "json", "--limit", "10"], times: 8)
        background(["predictions", "summary", "--format", "json"], times: 8)
        group.wait()
        XCTAssertEqual(failures.list, [])
        let summary = try jsonObject(box.ok(["predictions", "summary", "--format", "json"]))
        XCTAssertEqual(summary["total"] as? Int, 16, "every stored prediction is there")
        let models = try jsonArray(box.ok(["models", "list", "--format", "json"]))
        XCTAssertEqual(models.compactMap { $0["model"] as? String }.filter { $0.hasPrefix("news@") }.sorted(),
                       ["news@1", "news@2", "news@3", "news@4"])
    }
}

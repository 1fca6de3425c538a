@testable import ClassifierStore
import Foundation
import GRDB
import XCTest

/// `predict` and `predictions` while other commands write to the same store: no "database is locked", and readers
/// see committed work only, and whole.
///
/// How concurrent commands interleave is up to the scheduler, so each assertion either holds for every
/// interleaving (what a reader may see at any moment, what is there at the end) or is made under a forced one (a
/// write transaction this test holds open while the readers run).
final class ConcurrencyTests: XCTestCase {
    func testReadersNeitherWaitForNorSeeAnOpenWriteTransaction() throws {
        let box = try Sandbox()
        try box.ok(["train", "--corpus", repoPath("Corpora/headlines-en/headlines.csv"), "--name", "news"])
        try box.ok(["predict", "--model", "news@1", "Profit jumps", "Factory closes", "Orders surge", "Jobs are cut"])
        let readers: [[String]] = [
            ["predictions", "--format", "json", "--limit", "3"],
            ["predictions", "summary", "--format", "json"],
            ["models", "list", "--format", "json"],
            ["predict", "--model", "news@1", "--no-store", "--format", "json", "Profit jumps"],
        ]
        let committed = try readers.map { try box.ok($0) }
        XCTAssertEqual(try jsonObject(committed[1])["total"] as? Int, 4)

        // This process opens a write transaction, deletes every prediction and renames the models in it, and keeps
        // it open while the readers run. In WAL mode they must not wait for it (they would fail with "store is
        // busy" after the 5 s busy timeout, since it stays open until they are done) and must not see any of it.
        // (Opening the store also gives it a WAL file that is not empty: a store opened without one writes to
        // create it, and that write would have to wait.)
        let store = try SentimentStore(path: box.db)
        try store.writer.writeWithoutTransaction { db in
            try db.execute(sql: "BEGIN IMMEDIATE")
            defer { try? db.execute(sql: "ROLLBACK") }
            try db.execute(sql: "DELETE FROM prediction; DELETE FROM prediction_block; UPDATE model SET name = name || '-x'")
            XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM prediction"), 0)
            for (args, before) in zip(readers, committed) {
                let r = try box.run(args)
                XCTAssertEqual(r.code, 0, "\(args.joined(separator: " ")) while a write transaction is open: \(r.stderr)")
                XCTAssertEqual(r.stdout, before, "\(args.joined(separator: " ")) saw uncommitted changes")
            }
        }
        // Rolled back: everything is there as before.
        XCTAssertEqual(try readers.map { try box.ok($0) }, committed)
    }

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
        /// Runs `args` `times` times on a thread of its own; `check` returns what is wrong with an output, if anything.
        func background(_ args: [String], times: Int, check: @escaping @Sendable (Any) -> String? = { _ in nil }) {
            group.enter()
            DispatchQueue.global().async {
                defer { group.leave() }
                for _ in 0..<times {
                    do {
                        let r = try box.run(args)
                        if r.code != 0 {
                            failures.add("\(args.joined(separator: " ")): \(r.stderr)")
                        } else if args.contains("json"), let problem = check(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) {
                            failures.add("\(args.joined(separator: " ")): \(problem)")
                        }
                    } catch {
                        failures.add("\(error)")
                    }
                }
            }
        }
        // What a reader sees depends on how far the writers have got, but whatever the moment, it sees whole
        // commands: each `predict` stores its two predictions in one transaction, each `train` its model.
        background(["train", "--corpus", corpus, "--name", "news"], times: 3)
        background(["predict", "--model", "news@1", "Profit jumps", "Factory closes"], times: 8)
        background(["predictions", "--format", "json", "--limit", "9"], times: 8) { rows in
            let n = (rows as? [Any])?.count ?? -1
            return n == 9 || (n >= 0 && n % 2 == 0) ? nil : "\(n) predictions listed: half of a predict's"
        }
        background(["predictions", "summary", "--format", "json"], times: 8) { summary in
            let total = (summary as? [String: Any])?["total"] as? Int ?? -1
            return total >= 0 && total <= 16 && total % 2 == 0 ? nil : "total \(total): half of a predict's"
        }
        background(["models", "list", "--format", "json"], times: 8) { models in
            let versions = ((models as? [[String: Any]]) ?? []).compactMap { $0["model"] as? String }
                .filter { $0.hasPrefix("news@") }.compactMap { Int($0.dropFirst(5)) }.sorted()
            return versions == Array(1...max(1, versions.count)) && versions.count <= 4 ? nil : "news versions \(versions)"
        }
        group.wait()
        XCTAssertEqual(failures.list, [])
        let summary = try jsonObject(box.ok(["predictions", "summary", "--format", "json"]))
        XCTAssertEqual(summary["total"] as? Int, 16, "every stored prediction is there")
        let models = try jsonArray(box.ok(["models", "list", "--format", "json"]))
        XCTAssertEqual(models.compactMap { $0["model"] as? String }.filter { $0.hasPrefix("news@") }.sorted(),
                       ["news@1", "news@2", "news@3", "news@4"])
    }
}

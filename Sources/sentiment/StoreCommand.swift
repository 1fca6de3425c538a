import ArgumentParser
import Foundation
import SentimentKit

struct Store: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check or tidy the store itself.",
        discussion: "Example:\n  sentiment store verify",
        subcommands: [Verify.self, Optimize.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the store: SQLite's integrity check, model checksums, indexes and the columnar copies of predictions. Exit 74 when something is wrong.",
            discussion: "Example:\n  sentiment store verify --db news.sqlite")
        @OptionGroup var store: StoreOptions

        func run() throws {
            try reporting {
                // Writable: FTS5's integrity check is an INSERT of a command row (nothing is changed).
                let db = try store.service().store
                let problems = try db.verify()
                guard problems.isEmpty else {
                    emitText(problems.joined(separator: "\n"))
                    throw CLIFailure.store("\(db.path): \(problems.count) problem(s) found; `sentiment store optimize` rebuilds derived data")
                }
                emitText("\(db.path): ok")
            }
        }
    }

    struct Optimize: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rebuild what the store derives from its tables (full-text index, columnar prediction blocks) and compact it.",
            discussion: "Example:\n  sentiment store optimize --db news.sqlite")
        @OptionGroup var store: StoreOptions

        func run() throws {
            try reporting {
                let db = try store.service().store
                try db.optimize()
                emitText("\(db.path): optimized")
            }
        }
    }
}

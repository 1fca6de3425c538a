import ArgumentParser
import Foundation
import SentimentKit

struct Store: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check, tidy or copy the store itself.",
        discussion: "Example:\n  sentiment store verify",
        subcommands: [Verify.self, Optimize.self, Copy.self])

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

    struct Copy: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy a whole store into an empty one (SQLite or PostgreSQL, either way) and verify the copy.",
            discussion: """
                Copies corpora, models (payloads, checksums, versions, statuses), training runs, evaluations and \
                predictions (ids, times, probabilities, corrections) in one transaction, then reads the copy back and \
                compares row counts, digests of every table and each model's checksum. The destination must be empty \
                (a new SQLite file or an empty PostgreSQL database): otherwise nothing is written and the exit code is \
                65. A copy that does not verify exits 74.

                Example:
                  sentiment store copy --from news.sqlite --to postgres://sentiment@db.internal/sentiment
                """)
        @Option(name: .long, help: ArgumentHelp("The store to copy: a SQLite path or a postgres:// URL.", valueName: "store"))
        var from: String
        @Option(name: .long, help: ArgumentHelp("The empty store to copy into: a SQLite path (created) or a postgres:// URL.", valueName: "store"))
        var to: String

        func validate() throws {
            if from.isEmpty || to.isEmpty { throw ValidationError("--from and --to need a store's path or URL") }
            if from == to { throw ValidationError("--from and --to name the same store") }
        }

        func run() throws {
            try reporting {
                let source = StoreLocation(path: from), destination = StoreLocation(path: to)
                if !source.isPostgres && !FileManager.default.fileExists(atPath: from) {
                    throw CLIFailure.notFound("\(from): no such store")
                }
                let reader = try SentimentService(opening: source, defaultModel: false, readOnly: true).store
                let writer = try SentimentService(opening: destination, defaultModel: false).store
                let report = try StoreCopy.run(from: reader, to: writer)
                let t = report.tables
                emitText("""
                    copied \(source.displayName) to \(destination.displayName): \(grouped(t.corpora)) corpora, \
                    \(grouped(t.documents)) documents, \(grouped(t.models)) models, \(grouped(t.trainingRuns)) training runs, \
                    \(grouped(t.evaluations)) evaluations, \(grouped(t.predictions)) predictions (\(grouped(t.corrections)) corrected) \
                    in \(String(format: "%.1f", report.copySeconds)) s; verified in \(String(format: "%.1f", report.verifySeconds)) s: \
                    row counts and digests of every table, \(report.modelsVerified) model checksums, predictions sha256 \
                    \(report.predictionDigest.prefix(16))
                    """)
            }
        }
    }
}

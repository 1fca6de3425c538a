import ArgumentParser
import SentimentKit
import CMalloc
import Foundation

@main
struct Sentiment: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sentiment",
        abstract: "Label news headlines as positive, negative or neutral; train, evaluate and query every prediction.",
        discussion: """
            Every command works on one SQLite store (--db, $SENTIMENT_DB, or ~/.local/share/sentiment/sentiment.sqlite; \
            on a terminal a note on standard error names the default store when it is used). A new store starts \
            with the shipped default model.

            Exit codes: 0 ok, 1 a deletion declined, 64 usage, 65 bad input, 66 not found, 70 internal error, \
            73 cannot create output file, 74 store error, 130 interrupted (Ctrl-C; what was kept is said).

            Shell completions: sentiment --generate-completion-script bash|zsh|fish (see the README).

            Example:
              sentiment predict "Shares soar after record profit"
            """,
        version: "0.2.0 (store schema \(SentimentService.storeSchemaVersion))",
        subcommands: [Train.self, Evaluate.self, Predict.self, Predictions.self, Correct.self, Models.self, Corpora.self,
                      Store.self, Serve.self])

    static func main() {
        #if canImport(Glibc)
        // glibc gives every thread that allocates its own heap arena (up to 8 per core), each keeping freed memory:
        // with the reader, featurizer, trainer and store threads of `train` at 1M rows that was ~25 MB of peak
        // RSS (123 → 101 MB with two arenas, measured; speed the same within noise).
        _ = mallopt(M_ARENA_MAX, 2)
        #endif
        let arguments = Array(CommandLine.arguments.dropFirst())
        var command: ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            // A mistyped flag or command is named first, with the closest one (exit 64 as the parser's own).
            if exitCode(for: error) == .validationFailure, let hint = UsageHints.hint(for: arguments, root: Sentiment.self) {
                printError("sentiment: error: \(hint)")
                Foundation.exit(Exit.usage)
            }
            exit(withError: error)
        }
        do {
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}

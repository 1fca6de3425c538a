import ArgumentParser

@main
struct Sentiment: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sentiment",
        abstract: "Label news headlines as positive, negative or neutral; train, evaluate and query every prediction.",
        discussion: """
            Every command works on one SQLite store (--db, $SENTIMENT_DB, or ~/.local/share/sentiment/sentiment.sqlite). \
            A new store starts with the shipped default model.

            Exit codes: 0 ok, 64 usage, 65 bad input, 66 not found, 70 internal error, 74 store error.

            Example:
              sentiment predict "Shares soar after record profit"
            """,
        version: "0.1.0",
        subcommands: [Train.self, Evaluate.self, Predict.self, Predictions.self, Correct.self, Models.self, Corpora.self])
}

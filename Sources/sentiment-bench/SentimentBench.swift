import ArgumentParser

@main
struct SentimentBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sentiment-bench",
        abstract: "Release-mode benchmarks of the sentiment package.",
        discussion: """
            Build with `swift build -c release` and run from .build/release: debug builds are many times slower. \
            bench/run.sh drives the suite (`sentiment-bench suite`); the other modes time one piece alone.

            Example:
              sentiment-bench quality ../shared/corpora/financial-phrasebank/train.csv ../shared/corpora/financial-phrasebank/test.csv
            """,
        subcommands: [FeaturesBenchmark.self, Tokens.self, QualityBenchmark.self, SuiteBenchmark.self, Measure.self,
                      StoreInsertBenchmark.self, StoreQueryBenchmark.self, StoreLatencyBenchmark.self, HashBenchmark.self])
}

// swift-tools-version:6.1
// sentiment: text → features → model → application → store, with the CLI as a thin front end.
import PackageDescription

let package = Package(
    name: "sentiment",
    products: [
        .library(name: "Sparse", targets: ["Sparse"]),
        .library(name: "CorpusIO", targets: ["CorpusIO"]),
        .library(name: "TextFeatures", targets: ["TextFeatures"]),
        .library(name: "SoftmaxRegression", targets: ["SoftmaxRegression"]),
        .library(name: "StoreInterface", targets: ["StoreInterface"]),
        .library(name: "ClassifierStore", targets: ["ClassifierStore"]),
        .library(name: "PostgresStore", targets: ["PostgresStore"]),
        .library(name: "SentimentClassifier", targets: ["SentimentClassifier"]),
        .library(name: "DefaultModel", targets: ["DefaultModel"]),
        .library(name: "SentimentKit", targets: ["SentimentKit"]),
        .library(name: "SentimentServer", targets: ["SentimentServer"]),
        .executable(name: "sentiment", targets: ["sentiment"]),
        .executable(name: "sentiment-bench", targets: ["sentiment-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types", exact: "1.8.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // The one growable byte buffer (output rows, bulk-insert values) and its decimal formatter.
        .target(name: "Bytes"),
        // Pure data structure shared by features and model: compressed sparse rows.
        .target(name: "Sparse"),
        // Corpus readers (CSV/TSV, JSON Lines, fastText, PhraseBank): the only I/O before the store.
        .target(name: "CorpusIO"),
        // Tokenizer, n-grams, vocabulary / hashing, TF-IDF → CSR. Pure, no I/O.
        .target(name: "TextFeatures", dependencies: ["Sparse"]),
        // Softmax regression: loss, optimizer, tuning, calibration, metrics, explanations. Pure.
        .target(name: "SoftmaxRegression", dependencies: ["Sparse"]),
        // glibc's malloc.h (mallopt) for the executable; headers only.
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),
        // The store's interface and value types, for every backend and the application layer: no database types.
        .target(name: "StoreInterface"),
        // SQLite store (GRDB): knows nothing about training; stores and loads values. SHA-256 from swift-crypto.
        .target(name: "ClassifierStore",
                dependencies: ["StoreInterface", "Bytes", .product(name: "GRDB", package: "GRDB.swift"),
                               .product(name: "Crypto", package: "swift-crypto")]),
        // PostgreSQL store (postgres-nio): the same interface as ClassifierStore, for a store shared by several machines.
        // It shares ClassifierStore's portable encodings (payloads, checksums, model files), not its SQLite code.
        .target(name: "PostgresStore",
                dependencies: ["StoreInterface", "ClassifierStore", .product(name: "PostgresNIO", package: "postgres-nio"),
                               .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                               .product(name: "Logging", package: "swift-log")]),
        // Features + model = one classifier: fit, predict, evaluate, explain, out-of-core fit. Pure.
        .target(name: "SentimentClassifier",
                dependencies: ["Sparse", "TextFeatures", "SoftmaxRegression"]),
        // The application layer: every use case over a store, for the CLI, the server and other programs.
        .target(name: "SentimentKit",
                dependencies: ["SentimentClassifier", "StoreInterface", "ClassifierStore", "PostgresStore", "CorpusIO", "TextFeatures", "SoftmaxRegression",
                               "DefaultModel", "Bytes", "Sparse"]),
        // Where the shipped default model (Models/default.sentiment-model) is found, and its SHA-256.
        // Where the shipped static word-embedding table (Models/embeddings/) is found, and its SHA-256.
        .target(name: "DefaultModel", path: "Models", exclude: ["rebuild.sh", "default.sentiment-model", "embeddings"]),
        // `sentiment serve`: the application layer over HTTP/JSON (Hummingbird), the review page, Prometheus metrics.
        .target(name: "SentimentServer",
                dependencies: ["SentimentKit", "Bytes", "CorpusIO", "SoftmaxRegression",
                               .product(name: "Hummingbird", package: "hummingbird"),
                               .product(name: "HummingbirdCore", package: "hummingbird"),
                               .product(name: "NIOCore", package: "swift-nio"),
                               .product(name: "HTTPTypes", package: "swift-http-types"),
                               .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                               .product(name: "Prometheus", package: "swift-prometheus"),
                               .product(name: "Logging", package: "swift-log")],
                resources: [.embedInCode("Page/index.html"), .embedInCode("Page/openapi.json")]),
        .executableTarget(name: "sentiment",
                          dependencies: ["SentimentKit", "SentimentServer", "SentimentClassifier", "Bytes", "CMalloc", "CorpusIO", "TextFeatures", "SoftmaxRegression", "Sparse",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "sentiment-bench",
                          dependencies: ["SentimentKit", "SentimentClassifier", "CorpusIO", "ClassifierStore", "TextFeatures", "SoftmaxRegression", "Sparse",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .testTarget(name: "CorpusIOTests", dependencies: ["CorpusIO"]),
        .testTarget(name: "TextFeaturesTests", dependencies: ["TextFeatures", "Sparse"]),
        .testTarget(name: "SoftmaxRegressionTests", dependencies: ["SoftmaxRegression", "Sparse"]),
        .testTarget(name: "ClassifierStoreTests", dependencies: ["ClassifierStore"]),
        // One store contract, run on the SQLite store and (with SENTIMENT_TEST_POSTGRES_URL) the PostgreSQL store.
        .testTarget(name: "StoreContractTests", dependencies: ["StoreInterface", "ClassifierStore", "PostgresStore"]),
        .testTarget(name: "SentimentClassifierTests", dependencies: ["SentimentClassifier", "SentimentKit", "TextFeatures", "SoftmaxRegression", "CorpusIO", "ClassifierStore", "DefaultModel"]),
        .testTarget(name: "SentimentKitTests", dependencies: ["SentimentKit", "ClassifierStore", "DefaultModel"]),
        .testTarget(name: "sentimentTests", dependencies: ["sentiment", "SentimentKit", "SentimentServer", "SentimentClassifier", "ClassifierStore", "PostgresStore", "DefaultModel", "CorpusIO",
                                                            .product(name: "GRDB", package: "GRDB.swift")]),
    ],
    swiftLanguageModes: [.v6]
)

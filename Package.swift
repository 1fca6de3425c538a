// swift-tools-version:6.1
// sentiment: text → features → model → store → CLI.
import PackageDescription

let optimize: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]

let package = Package(
    name: "sentiment",
    products: [
        .library(name: "Sparse", targets: ["Sparse"]),
        .library(name: "CorpusIO", targets: ["CorpusIO"]),
        .library(name: "TextFeatures", targets: ["TextFeatures"]),
        .library(name: "SoftmaxRegression", targets: ["SoftmaxRegression"]),
        .library(name: "StoreInterface", targets: ["StoreInterface"]),
        .library(name: "ClassifierStore", targets: ["ClassifierStore"]),
        .library(name: "SentimentClassifier", targets: ["SentimentClassifier"]),
        .library(name: "DefaultModel", targets: ["DefaultModel"]),
        .library(name: "SentimentKit", targets: ["SentimentKit"]),
        .executable(name: "sentiment", targets: ["sentiment"]),
        .executable(name: "sentiment-bench", targets: ["sentiment-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
    ],
    targets: [
        // Pure data structure shared by features and model: compressed sparse rows.
        .target(name: "Sparse", swiftSettings: optimize),
        // Corpus readers (CSV/TSV, JSON Lines, fastText, PhraseBank): the only I/O before the store.
        .target(name: "CorpusIO", swiftSettings: optimize),
        // Tokenizer, n-grams, vocabulary / hashing, TF-IDF → CSR. Pure, no I/O.
        .target(name: "TextFeatures", dependencies: ["Sparse"], swiftSettings: optimize),
        // Softmax regression: loss, optimizer, tuning, calibration, metrics, explanations. Pure.
        .target(name: "SoftmaxRegression", dependencies: ["Sparse"], swiftSettings: optimize),
        // SHA-256 compression in C: x86 SHA extensions when the CPU has them, portable C otherwise.
        .target(name: "CSHA256"),
        // glibc's malloc.h (mallopt) for the executable; headers only.
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),
        // The store's interface and value types, for every backend and the application layer: no database types.
        .target(name: "StoreInterface"),
        // SQLite store (GRDB): knows nothing about training; stores and loads values.
        .target(name: "ClassifierStore", dependencies: ["StoreInterface", "CSHA256", .product(name: "GRDB", package: "GRDB.swift")],
                swiftSettings: optimize),
        // Features + model = one classifier: fit, predict, evaluate, explain, out-of-core fit. Pure.
        .target(name: "SentimentClassifier",
                dependencies: ["Sparse", "TextFeatures", "SoftmaxRegression"],
                swiftSettings: optimize),
        // The application layer: every use case over a store, for the CLI, the server and other programs.
        .target(name: "SentimentKit",
                dependencies: ["SentimentClassifier", "StoreInterface", "ClassifierStore", "CorpusIO", "TextFeatures", "SoftmaxRegression",
                               "DefaultModel"],
                swiftSettings: optimize),
        // Where the shipped default model (Models/default.sentiment-model) is found, and its SHA-256.
        .target(name: "DefaultModel", path: "Models", exclude: ["rebuild.sh", "default.sentiment-model"]),
        .executableTarget(name: "sentiment",
                          dependencies: ["SentimentKit", "SentimentClassifier", "CMalloc", "CorpusIO", "ClassifierStore", "TextFeatures", "SoftmaxRegression",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          swiftSettings: optimize),
        .executableTarget(name: "sentiment-bench",
                          dependencies: ["SentimentKit", "SentimentClassifier", "CorpusIO", "ClassifierStore", "TextFeatures", "SoftmaxRegression", "Sparse"],
                          swiftSettings: optimize),
        .testTarget(name: "CorpusIOTests", dependencies: ["CorpusIO"]),
        .testTarget(name: "TextFeaturesTests", dependencies: ["TextFeatures", "Sparse"]),
        .testTarget(name: "SoftmaxRegressionTests", dependencies: ["SoftmaxRegression", "Sparse"]),
        .testTarget(name: "ClassifierStoreTests", dependencies: ["ClassifierStore"]),
        .testTarget(name: "SentimentClassifierTests", dependencies: ["SentimentClassifier", "SentimentKit", "TextFeatures", "SoftmaxRegression", "CorpusIO", "ClassifierStore", "DefaultModel"]),
        .testTarget(name: "SentimentKitTests", dependencies: ["SentimentKit", "ClassifierStore", "DefaultModel"]),
        .testTarget(name: "sentimentTests", dependencies: ["sentiment", "SentimentKit", "SentimentClassifier", "ClassifierStore", "DefaultModel", "CorpusIO",
                                                            .product(name: "GRDB", package: "GRDB.swift")]),
    ],
    swiftLanguageModes: [.v6]
)

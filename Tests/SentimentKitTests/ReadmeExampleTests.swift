import Foundation
import SentimentKit
import XCTest

/// The README's library example, verbatim between the markers, run on a fresh store.
final class ReadmeExampleTests: XCTestCase {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func testExampleRuns() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("readme-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let storePath = dir.appendingPathComponent("news.sqlite").path
        let corpusPath = Self.repo.appendingPathComponent("Corpora/headlines-en/headlines.csv").path

        // README example begins
        let service = try SentimentService(opening: StoreLocation(path: storePath))  // new stores start with the shipped model

        // Predict and store (one transaction per batch); `CollectedPredictions` keeps the results in memory.
        let predictor = try service.predictor(nil, storing: true)                    // nil: the active model
        let results = CollectedPredictions()
        try predictor.predict(["Shares soar after record profit", "Plant closes, 300 jobs cut"],
                              source: "example", into: results)
        let batch = results.batches[0]
        for i in 0..<batch.count {
            print(batch.ids![i], predictor.labels[batch.labelIndices[i]], batch.texts[i])
        }

        // Correct a prediction, then train a new model from the shipped one with your corpus and the corrections.
        try service.correct(prediction: batch.ids![1], label: "negative")
        let request = TrainingRequest(corpora: [corpusPath], name: "news", parent: ModelReference(name: "default"),
                                      includeCorrections: true)
        let trained = try service.train(request)                                    // stored; now the active model
        print(trained.model.reference, trained.report.crossValidatedMacroF1 ?? .nan, trained.corrections)

        // Query what was stored: filters, full-text search, order, paging.
        let unsure = try service.predictions(PredictionQuery(maxConfidence: 0.6, order: .confidenceAscending, limit: 20))
        print(unsure.count, try service.summary(PredictionQuery()).total)
        // README example ends

        XCTAssertEqual(batch.count, 2)
        XCTAssertEqual(batch.ids?.count, 2)
        XCTAssertEqual(trained.model.reference, "news@1")
        XCTAssertEqual(trained.parent?.reference, "default@1")
        XCTAssertEqual(trained.corrections, 1)
        XCTAssertEqual(try service.store.activeModel()?.reference, "news@1")
        XCTAssertEqual(try service.summary(PredictionQuery()).total, 2)
        XCTAssertEqual(try service.store.prediction(id: batch.ids![1]).correctedLabel, "negative")
        XCTAssertTrue(unsure.allSatisfy { $0.confidence <= 0.6 })
    }

    /// The README shows exactly the code above.
    func testReadmeShowsThisCode() throws {
        func lines(_ text: String) -> [String] {
            text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        let begin = try XCTUnwrap(source.range(of: "// README example begins\n"))
        let end = try XCTUnwrap(source.range(of: "        // README example ends"))
        let example = lines(String(source[begin.upperBound..<end.lowerBound]))
        let readme = try String(contentsOf: Self.repo.appendingPathComponent("README.md"), encoding: .utf8)
        let block = try XCTUnwrap(readme.range(of: "import SentimentKit\n"), "README lacks the SentimentKit example")
        let rest = readme[block.upperBound...]
        let close = try XCTUnwrap(rest.range(of: "```"))
        let shown = lines(String(rest[..<close.lowerBound]))
        XCTAssertEqual(shown.drop { $0.isEmpty }.map { $0 }, example.drop { $0.isEmpty }.map { $0 },
                       "README's library example differs from ReadmeExampleTests")
    }
}

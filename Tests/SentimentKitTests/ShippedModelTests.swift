import ClassifierStore
import DefaultModel
import Foundation
@testable import SentimentKit
import XCTest

final class ShippedModelTests: XCTestCase {
    private let shippedPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Models/default.sentiment-model").path

    func testOnlyTheFileWithTheShippedDigestIsUsed() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("shipped-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // A valid model file of another content: never taken for the shipped one.
        var other = [UInt8](try Data(contentsOf: URL(fileURLWithPath: shippedPath)))
        other[other.count / 2] ^= 1
        let impostor = dir.appendingPathComponent(DefaultModel.fileName).path
        try Data(other).write(to: URL(fileURLWithPath: impostor))
        let missing = dir.appendingPathComponent("missing").path

        XCTAssertThrowsError(try ShippedModel.bytes(searching: [missing, impostor])) { error in
            let e = error as? ShippedModelError
            XCTAssertEqual(e?.mismatched, [impostor])
            XCTAssertEqual(e?.searched, [missing, impostor])
            XCTAssertTrue("\(error)".contains("--no-default-model"), "\(error)")
        }
        let shipped = try ShippedModel.bytes(searching: [missing, impostor, shippedPath])
        XCTAssertEqual(SHA256.hexString(SHA256.hash(shipped)), DefaultModel.sha256)
        // The environment's path comes first.
        XCTAssertEqual(DefaultModel.candidates(environment: ["SENTIMENT_DEFAULT_MODEL": impostor]).first, impostor)
    }

    func testNewStoreStartsWithTheShippedModel() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("shipped-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("s.sqlite").path
        let service = try SentimentService(opening: StoreLocation(path: path))
        XCTAssertEqual(try service.store.activeModel()?.reference, "default@1")
    }
}

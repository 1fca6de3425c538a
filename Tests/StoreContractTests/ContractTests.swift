import Foundation
import StoreInterface
import XCTest

/// The store contract on the SQLite store.
final class SQLiteContractTests: XCTestCase {
    private func run(_ body: (any SentimentStoring) throws -> Void) throws {
        let fresh = try FreshStore(.sqlite)
        try withExtendedLifetime(fresh) { try body(fresh.store) }
    }
    func testModels() throws { try run(StoreContract.modelsSaveLoadVersionsActivation) }
    func testInvalidModels() throws { try run(StoreContract.invalidModelsStoreNothing) }
    func testExportImport() throws {
        let a = try FreshStore(.sqlite), b = try FreshStore(.sqlite)
        try withExtendedLifetime((a, b)) { try StoreContract.exportAndImport(a.store, into: b.store) }
    }
    func testCorpora() throws { try run(StoreContract.corpora) }
    func testEvaluations() throws { try run(StoreContract.evaluations) }
    func testPredictionFields() throws { try run(StoreContract.predictionsInsertAndFields) }
    func testPredictionQueries() throws { try run(StoreContract.predictionsFilterOrderPage) }
    func testSearch() throws { try run(StoreContract.predictionsSearch) }
    func testCorrectionsSummaries() throws { try run(StoreContract.correctionsSummaryDaily) }
    func testDeletions() throws { try run(StoreContract.deletions) }
    func testConcurrentSaves() throws { try StoreContract.concurrentSaves(FreshStore(.sqlite)) }
}

/// The same contract on the PostgreSQL store (skipped without SENTIMENT_TEST_POSTGRES_URL, failed without it when
/// SENTIMENT_REQUIRE_POSTGRES=1). Each test gets a database of its own.
final class PostgresContractTests: XCTestCase {
    private func run(_ body: (any SentimentStoring) throws -> Void) throws {
        let fresh = try FreshStore(.postgres)
        try withExtendedLifetime(fresh) { try body(fresh.store) }
    }
    func testModels() throws { try run(StoreContract.modelsSaveLoadVersionsActivation) }
    func testInvalidModels() throws { try run(StoreContract.invalidModelsStoreNothing) }
    func testExportImport() throws {
        let a = try FreshStore(.postgres), b = try FreshStore(.sqlite)
        try withExtendedLifetime((a, b)) { try StoreContract.exportAndImport(a.store, into: b.store) }
        let c = try FreshStore(.sqlite), d = try FreshStore(.postgres)
        try withExtendedLifetime((c, d)) { try StoreContract.exportAndImport(c.store, into: d.store) }
    }
    func testCorpora() throws { try run(StoreContract.corpora) }
    func testEvaluations() throws { try run(StoreContract.evaluations) }
    func testPredictionFields() throws { try run(StoreContract.predictionsInsertAndFields) }
    func testPredictionQueries() throws { try run(StoreContract.predictionsFilterOrderPage) }
    func testSearch() throws { try run(StoreContract.predictionsSearch) }
    func testCorrectionsSummaries() throws { try run(StoreContract.correctionsSummaryDaily) }
    func testDeletions() throws { try run(StoreContract.deletions) }
    func testConcurrentSaves() throws { try StoreContract.concurrentSaves(FreshStore(.postgres)) }
}

import XCTest

final class CorpusIOTestsPlaceholder: XCTestCase {}

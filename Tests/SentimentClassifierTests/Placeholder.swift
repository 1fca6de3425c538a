import XCTest

final class SentimentClassifierTestsPlaceholder: XCTestCase {}

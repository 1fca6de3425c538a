import XCTest

final class sentimentTestsPlaceholder: XCTestCase {}

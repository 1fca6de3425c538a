import XCTest

final class TextFeaturesTestsPlaceholder: XCTestCase {}

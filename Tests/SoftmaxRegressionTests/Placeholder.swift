import XCTest

final class SoftmaxRegressionTestsPlaceholder: XCTestCase {}

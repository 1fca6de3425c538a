import XCTest

final class ClassifierStoreTestsPlaceholder: XCTestCase {}

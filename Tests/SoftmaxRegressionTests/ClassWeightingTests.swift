import Foundation
import XCTest
@testable import SoftmaxRegression

final class ClassWeightingTests: XCTestCase {
    func testParsesTheThreeForms() throws {
        XCTAssertEqual(try ClassWeighting(parsing: "balanced"), .balanced)
        XCTAssertEqual(try ClassWeighting(parsing: " none "), ClassWeighting.none)
        XCTAssertEqual(try ClassWeighting(parsing: "negative=3,positive=1.5"), .explicit(["negative": 3, "positive": 1.5]))
        XCTAssertEqual(try ClassWeighting(parsing: "negative = 3 , positive=1.5"), .explicit(["negative": 3, "positive": 1.5]))
    }

    func testMalformedSpecsThrowClearErrors() {
        for bad in ["", "negative", "negative=", "negative=abc", "=3", "negative=-1", "negative=0",
                    "negative=inf", "negative=3,,positive=1", "negative=1,negative=2"] {
            XCTAssertThrowsError(try ClassWeighting(parsing: bad), bad) { error in
                guard case SoftmaxError.malformedClassWeights = error else { return XCTFail("\(bad): \(error)") }
                XCTAssertTrue("\(error)".contains("class weights"), "\(error)")
            }
        }
    }

    func testUnknownLabelIsReportedWhenResolving() throws {
        let w = try ClassWeighting(parsing: "negative=3,bogus=2")
        XCTAssertThrowsError(try w.resolve(labelNames: ["negative", "neutral", "positive"], labels: [0, 1, 2])) { error in
            XCTAssertEqual(error as? SoftmaxError, .unknownLabelInClassWeights("bogus", known: ["negative", "neutral", "positive"]))
            XCTAssertTrue("\(error)".contains("bogus"))
        }
        let ok = try ClassWeighting(parsing: "negative=3,positive=1.5").resolve(labelNames: ["negative", "neutral", "positive"], labels: [0])
        XCTAssertEqual(ok, [3, 1, 1.5])
    }

    func testCodableRoundTripUsesTheStringForm() throws {
        for w in [ClassWeighting.none, .balanced, .explicit(["negative": 3, "positive": 1.5])] {
            let data = try JSONEncoder().encode([w])
            XCTAssertEqual(try JSONDecoder().decode([ClassWeighting].self, from: data), [w])
        }
        let text = String(decoding: try JSONEncoder().encode([ClassWeighting.explicit(["positive": 1.5, "negative": 3])]), as: UTF8.self)
        XCTAssertEqual(text, "[\"negative=3,positive=1.5\"]")
        XCTAssertThrowsError(try JSONDecoder().decode([ClassWeighting].self, from: Data("[\"x=\"]".utf8)))
    }
}

import XCTest
@testable import SoftmaxRegression

final class MathTests: XCTestCase {
    func testSoftmaxReferenceValues() {
        let expected: [Double] = [0.02364054, 0.06426166, 0.1746813, 0.474833, 0.02364054, 0.06426166, 0.1746813]
        let d = SoftmaxMath.softmax([1.0, 2, 3, 4, 1, 2, 3])
        let f = SoftmaxMath.softmax([Float(1), 2, 3, 4, 1, 2, 3])
        for i in expected.indices {
            XCTAssertEqual(d[i], expected[i], accuracy: 1e-6)
            XCTAssertEqual(Double(f[i]), expected[i], accuracy: 1e-6)
        }
        XCTAssertEqual(d.reduce(0, +), 1, accuracy: 1e-12)
    }

    func testExtremeLogitsStayFinite() {
        for x in [[1000.0, -1000, 0], [1000, 1000, 999], [-1000, -1000, -1000]] {
            let p = SoftmaxMath.softmax(x)
            XCTAssertTrue(p.allSatisfy { $0.isFinite }, "\(x) → \(p)")
            XCTAssertEqual(p.reduce(0, +), 1, accuracy: 1e-12)
            let lp = SoftmaxMath.logSoftmax(x)
            XCTAssertTrue(lp.allSatisfy { $0.isFinite })
            XCTAssertTrue(SoftmaxMath.logSumExp(x).isFinite)
            let pf = SoftmaxMath.softmax(x.map { Float($0) })
            XCTAssertTrue(pf.allSatisfy { $0.isFinite })
            XCTAssertEqual(pf.reduce(0, +), 1, accuracy: 1e-6)
            XCTAssertTrue(SoftmaxMath.logSoftmax(x.map { Float($0) }).allSatisfy { $0.isFinite })
        }
        XCTAssertEqual(SoftmaxMath.logSumExp([1000.0, 1000]), 1000 + log(2.0), accuracy: 1e-9)
        XCTAssertEqual(SoftmaxMath.logSoftmax([1000.0, -1000])[1], -2000, accuracy: 1e-9)
        // Equal ±1000 logits in a model's probabilities.
        let m = SoftmaxModel(labels: ["a", "b"], featureCount: 1, weights: [1000, -1000], bias: [0, 0])
        let p = m.probabilities(indices: [Int32(0)], values: [Float(1)])
        XCTAssertEqual(p, [1, 0])
    }

    func testXoshiroIsDeterministicAndUniformish() {
        var a = Xoshiro256StarStar(seed: 1), b = Xoshiro256StarStar(seed: 1), c = Xoshiro256StarStar(seed: 2)
        let sa = (0..<5).map { _ in a.next() }, sb = (0..<5).map { _ in b.next() }, sc = (0..<5).map { _ in c.next() }
        XCTAssertEqual(sa, sb)
        XCTAssertNotEqual(sa, sc)
        var counts = [Int](repeating: 0, count: 4)
        for _ in 0..<4000 { counts[a.nextInt(below: 4)] += 1 }
        XCTAssertTrue(counts.allSatisfy { $0 > 850 && $0 < 1150 }, "\(counts)")
    }
}

import XCTest
import Sparse
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

final class RowScoringTests: XCTestCase {
    /// `writeProbabilities` (one row, no matrix) gives the bits of `predictProbabilities` for 2, 3 and 4 labels,
    /// with the last feature in a row (its weights end the array), columns past the model, empty rows, and a model
    /// without features.
    func testOneRowMatchesTheMatrixPath() {
        var rng = Xoshiro256StarStar(seed: 21)
        for (k, d) in [(2, 9), (3, 9), (3, 1), (4, 9), (3, 0)] {
            let labels = (0..<k).map { "l\($0)" }
            let model = SoftmaxModel(labels: labels, featureCount: d,
                                     weights: (0..<(d * k)).map { _ in Float(rng.nextUnit() * 4 - 2) },
                                     bias: (0..<k).map { _ in Float(rng.nextUnit() - 0.5) }, temperature: 1.3)
            var X = CSRMatrix(columnCount: d + 2)
            var rows: [[Int32]] = [[], (0..<Int32(d + 2)).map { $0 }]
            if d > 0 { rows.append([Int32(d - 1)]); rows.append([0, Int32(d - 1), Int32(d + 1)]) }
            for _ in 0..<20 { rows.append((0..<Int32(d + 2)).filter { _ in rng.nextUnit() < 0.4 }) }
            var values: [[Float]] = []
            for r in rows {
                let v = r.map { _ in Float(rng.nextUnit() * 3 - 1) }
                values.append(v)
                X.appendRow(indices: r, values: v)
            }
            let matrix = model.predictProbabilities(X)
            for (i, r) in rows.enumerated() {
                var out = [Float](repeating: .nan, count: k)
                r.withUnsafeBufferPointer { ip in values[i].withUnsafeBufferPointer { vp in
                    out.withUnsafeMutableBufferPointer { model.writeProbabilities(indices: ip, values: vp, into: $0.baseAddress!) }
                } }
                XCTAssertEqual(out.map(\.bitPattern), matrix[(i * k)..<((i + 1) * k)].map(\.bitPattern), "k \(k), d \(d), row \(i)")
            }
        }
    }
}

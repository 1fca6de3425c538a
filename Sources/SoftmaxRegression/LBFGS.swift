import Foundation

/// Limited-memory BFGS for smooth convex objectives in Double: two-loop recursion with
/// `m` correction pairs and a backtracking line search (Armijo condition, safeguarded
/// quadratic interpolation). Deterministic: no randomness, fixed arithmetic order.
struct LBFGS {
    var historySize = 10
    var maxIterations = 200
    /// Stop when max |g_i| ≤ gradientTolerance.
    var gradientTolerance = 1e-4
    /// Stop when the loss decreased by ≤ lossWindow · relativeLossTolerance · max(|f_old|, |f|, 1)
    /// over the last `lossWindow` iterations.
    var relativeLossTolerance = 1e-6
    var lossWindow = 3
    var recordHistory = false
    /// Optional diagonal preconditioner `D` (an approximation of the inverse Hessian's
    /// diagonal, > 0): the initial inverse Hessian becomes `γ·D` instead of `γ·I`.
    var diagonal: [Double]? = nil

    struct Result {
        var x: [Double]
        var loss: Double
        var gradientNorm: Double
        var iterations: Int
        var evaluations: Int
        var converged: Bool
        var history: [Double]
    }

    /// Dot product with 8 independent partial sums (vectorizable, fixed order → deterministic).
    @inline(__always) static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ n: Int) -> Double {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, s4 = 0.0, s5 = 0.0, s6 = 0.0, s7 = 0.0
        var i = 0
        while i + 8 <= n {
            s0 += a[i] * b[i]; s1 += a[i + 1] * b[i + 1]; s2 += a[i + 2] * b[i + 2]; s3 += a[i + 3] * b[i + 3]
            s4 += a[i + 4] * b[i + 4]; s5 += a[i + 5] * b[i + 5]; s6 += a[i + 6] * b[i + 6]; s7 += a[i + 7] * b[i + 7]
            i += 8
        }
        while i < n { s0 += a[i] * b[i]; i += 1 }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
    }

    /// Mixed-precision dot product (Float correction vector, Double iterate), 8 partial sums.
    @inline(__always) static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Double>, _ n: Int) -> Double {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, s4 = 0.0, s5 = 0.0, s6 = 0.0, s7 = 0.0
        var i = 0
        while i + 8 <= n {
            s0 += Double(a[i]) * b[i]; s1 += Double(a[i + 1]) * b[i + 1]
            s2 += Double(a[i + 2]) * b[i + 2]; s3 += Double(a[i + 3]) * b[i + 3]
            s4 += Double(a[i + 4]) * b[i + 4]; s5 += Double(a[i + 5]) * b[i + 5]
            s6 += Double(a[i + 6]) * b[i + 6]; s7 += Double(a[i + 7]) * b[i + 7]
            i += 8
        }
        while i < n { s0 += Double(a[i]) * b[i]; i += 1 }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
    }

    /// Float·Float dot product accumulated in Double.
    @inline(__always) static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Double {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        var i = 0
        while i + 4 <= n {
            s0 += Double(a[i]) * Double(b[i]); s1 += Double(a[i + 1]) * Double(b[i + 1])
            s2 += Double(a[i + 2]) * Double(b[i + 2]); s3 += Double(a[i + 3]) * Double(b[i + 3])
            i += 4
        }
        while i < n { s0 += Double(a[i]) * Double(b[i]); i += 1 }
        return (s0 + s1) + (s2 + s3)
    }

    @inline(__always) static func dot(_ a: [Double], _ b: [Double]) -> Double {
        a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in dot(ap.baseAddress!, bp.baseAddress!, min(ap.count, bp.count)) } }
    }

    @inline(__always) static func maxAbs(_ a: [Double]) -> Double {
        a.withUnsafeBufferPointer { maxAbs($0.baseAddress!, $0.count) }
    }

    @inline(__always) static func maxAbs(_ a: UnsafePointer<Double>, _ n: Int) -> Double {
        var m = 0.0
        for i in 0..<n { let v = abs(a[i]); if v > m { m = v } }
        return m
    }

    /// Minimizes `f`, which returns the value at `x` and writes the gradient into `g`
    /// (both of length `x0.count`). All vectors are allocated once up front.
    func minimize(_ x0: [Double], _ f: (_ x: UnsafePointer<Double>, _ g: UnsafeMutablePointer<Double>) -> Double) -> Result {
        let P = x0.count
        let m = max(1, historySize)
        // x, g, xNew, gNew, d in Double; the m correction pairs (s, y) in Float: the
        // two-loop recursion streams 4m vectors per iteration, which dominates the cost on
        // sparse data, so halving their size matters more than their last digits.
        let buffer = UnsafeMutablePointer<Double>.allocate(capacity: 5 * max(P, 1))
        let pairs = UnsafeMutablePointer<Float>.allocate(capacity: 2 * m * max(P, 1))
        defer { buffer.deallocate(); pairs.deallocate() }
        buffer.initialize(repeating: 0, count: 5 * max(P, 1))
        pairs.initialize(repeating: 0, count: 2 * m * max(P, 1))
        var x = buffer, g = buffer + P
        var xNew = buffer + 2 * P, gNew = buffer + 3 * P
        let d = buffer + 4 * P
        let sBase = pairs, yBase = pairs + m * P
        x0.withUnsafeBufferPointer { x.update(from: $0.baseAddress!, count: P) }

        var fx = f(x, g)
        var evaluations = 1
        var history: [Double] = recordHistory ? [fx] : []
        var gnorm = Self.maxAbs(g, P)
        func result(iterations: Int, converged: Bool) -> Result {
            Result(x: Array(UnsafeBufferPointer(start: x, count: P)), loss: fx, gradientNorm: gnorm,
                   iterations: iterations, evaluations: evaluations, converged: converged, history: history)
        }
        if gnorm <= gradientTolerance || maxIterations == 0 || !fx.isFinite {
            return result(iterations: 0, converged: gnorm <= gradientTolerance)
        }
        // Ring buffer of correction pairs: slot of the i-th oldest pair is (head + i) % m.
        var head = 0, count = 0
        var rho = [Double](repeating: 0, count: m)
        var alpha = [Double](repeating: 0, count: m)
        var iterations = 0
        var converged = false
        var recent: [Double] = [fx]

        while iterations < maxIterations {
            // Two-loop recursion: d = −H g.
            d.update(from: g, count: P)
            for i in stride(from: count - 1, through: 0, by: -1) {
                let slot = (head + i) % m
                let s = sBase + slot * P, y = yBase + slot * P
                let a = rho[slot] * Self.dot(s, d, P)
                alpha[slot] = a
                for p in 0..<P { d[p] -= a * Double(y[p]) }
            }
            if count > 0 {
                let slot = (head + count - 1) % m
                let y = yBase + slot * P
                if let diag = diagonal {
                    // γ = sᵀy / (yᵀ D y), then d ← γ D d.
                    var yDy = 0.0
                    diag.withUnsafeBufferPointer { dg in
                        for p in 0..<P { let v = Double(y[p]); yDy += v * v * dg[p] }
                        let gamma = 1 / (rho[slot] * yDy)
                        for p in 0..<P { d[p] *= gamma * dg[p] }
                    }
                } else {
                    let gamma = 1 / (rho[slot] * Self.dot(y, y, P))
                    for p in 0..<P { d[p] *= gamma }
                }
            } else if let diag = diagonal {
                diag.withUnsafeBufferPointer { dg in for p in 0..<P { d[p] *= dg[p] } }
            }
            for i in 0..<count {
                let slot = (head + i) % m
                let s = sBase + slot * P, y = yBase + slot * P
                let coef = alpha[slot] - rho[slot] * Self.dot(y, d, P)
                for p in 0..<P { d[p] += coef * Double(s[p]) }
            }
            for p in 0..<P { d[p] = -d[p] }
            var gd = Self.dot(g, d, P)
            if !(gd < 0) {
                // Not a descent direction: reset memory, use steepest descent.
                count = 0
                for p in 0..<P { d[p] = -g[p] }
                gd = Self.dot(g, d, P)
            }
            var step = count == 0 && diagonal == nil ? min(1, 1 / max(gnorm, 1e-12)) : 1.0
            // Backtracking line search (Armijo, c1 = 1e-4).
            var accepted = false
            var fNew = fx
            for _ in 0..<30 {
                for p in 0..<P { xNew[p] = x[p] + step * d[p] }
                fNew = f(xNew, gNew)
                evaluations += 1
                if fNew.isFinite && fNew <= fx + 1e-4 * step * gd { accepted = true; break }
                // Quadratic interpolation of φ(α) = f(x + α d), safeguarded to [0.1, 0.5]·step.
                var next = 0.5 * step
                if fNew.isFinite {
                    let denom = 2 * (fNew - fx - gd * step)
                    if denom > 0 { next = -gd * step * step / denom }
                }
                step = min(max(next, 0.1 * step), 0.5 * step)
            }
            iterations += 1
            if !accepted {
                if count == 0 { break } // steepest descent failed too: numerical floor
                count = 0
                continue
            }
            // New correction pair into the next slot (overwriting the oldest when full).
            let slot = count < m ? (head + count) % m : head
            let s = sBase + slot * P, y = yBase + slot * P
            for p in 0..<P { s[p] = Float(xNew[p] - x[p]); y[p] = Float(gNew[p] - g[p]) }
            let sy = Self.dot(s, y, P)
            if sy > 0 && sy > 1e-12 * Self.dot(y, y, P) {
                rho[slot] = 1 / sy
                if count < m { count += 1 } else { head = (head + 1) % m }
            }
            swap(&x, &xNew); swap(&g, &gNew)
            fx = fNew
            if recordHistory { history.append(fx) }
            gnorm = Self.maxAbs(g, P)
            if gnorm <= gradientTolerance { converged = true; break }
            // Loss criterion over a window of the last `lossWindow` iterations, so that one
            // slow step does not end the run early.
            recent.append(fx)
            if recent.count > lossWindow {
                let old = recent.removeFirst()
                if old - fx <= Double(lossWindow) * relativeLossTolerance * max(abs(old), abs(fx), 1) {
                    converged = true; break
                }
            }
        }
        return result(iterations: iterations, converged: converged)
    }
}

import Dispatch
import Foundation
import Sparse

/// The training objective: mean class-weighted cross-entropy plus L2 on the weights.
///
///     loss(W, b) = (1/n) Σ_i s_i · (−log p_{i,y_i})  +  (λ/2) ‖W‖²
///
/// where `n` is the number of rows, `s_i = classWeight[y_i]`,
/// `p_i = softmax(b + Wᵀx_i)` and the biases `b` are not regularized. With `balanced` or
/// `none` weighting `Σ s_i = n`, so this is also the weighted mean. The normalization by `n`
/// (not `Σ s_i`) matches scikit-learn: its `C` corresponds to `λ = 1 / (C · n)`.
///
/// Gradient: `∂/∂W_{j,c} = (1/n) Σ_i s_i (p_{i,c} − [y_i = c]) x_{i,j} + λ W_{j,c}` and
/// `∂/∂b_c = (1/n) Σ_i s_i (p_{i,c} − [y_i = c])`.
///
/// With a `prior` (weights `W₀`, e.g. a parent model's) the penalty is `(λ/2) ‖W − W₀‖²` instead: L2 toward the
/// prior rather than toward zero (MAP adaptation), so weights the data says little about stay near the prior's.
///
/// Parameters are one Double vector: `featureCount·k` weights, feature-major
/// (`θ[j*k + c]`), followed by `k` biases. Evaluation runs on a fixed number of row blocks
/// in parallel with per-block buffers summed in block order, so results are bit-identical
/// from run to run.
///
/// A class, not Sendable: its scratch buffers make `evaluate` non-reentrant, so one objective serves one optimizer
/// on one thread (copies would share them).
public final class SoftmaxObjective {
    public let X: CSRMatrix
    public let labels: [Int32]
    /// Per-class weights `s_c`.
    public let classWeights: [Double]
    public let l2: Double
    /// The weights the L2 penalty pulls toward (`featureCount · k`, feature-major); nil: zero.
    public let prior: [Double]?
    public let classCount: Int
    /// Number of row blocks evaluated in parallel (fixed → deterministic).
    public let blocks: Int
    let workspace: Workspace

    public init(X: CSRMatrix, labels: [Int32], classWeights: [Double], l2: Double, blocks: Int = 2,
                prior: [Double]? = nil) {
        precondition(prior == nil || prior!.count == X.columnCount * classWeights.count, "one prior weight per weight")
        self.X = X
        self.labels = labels
        self.classWeights = classWeights
        self.l2 = l2
        self.prior = prior
        self.classCount = classWeights.count
        self.blocks = max(1, min(blocks, max(1, X.rowCount)))
        precondition(labels.count == X.rowCount)
        self.workspace = Workspace(blocks: self.blocks, parameters: X.columnCount * classWeights.count + classWeights.count)
    }

    public var featureCount: Int { X.columnCount }
    public var parameterCount: Int { X.columnCount * classCount + classCount }

    /// Loss at `theta`; writes the gradient into `gradient` (resized if needed).
    public func evaluate(_ theta: [Double], gradient: inout [Double]) -> Double {
        let P = parameterCount
        precondition(theta.count == P)
        if gradient.count != P { gradient = [Double](repeating: 0, count: P) }
        return theta.withUnsafeBufferPointer { th in
            gradient.withUnsafeMutableBufferPointer { g in evaluateRaw(th.baseAddress!, gradient: g.baseAddress!) }
        }
    }

    /// Pointer form of `evaluate(_:gradient:)`: `theta` and `gradient` hold
    /// ``parameterCount`` values. Not reentrant (uses the objective's scratch buffers).
    func evaluateRaw(_ theta: UnsafePointer<Double>, gradient g0p: UnsafeMutablePointer<Double>) -> Double {
        let P = parameterCount
        let n = X.rowCount
        let nb = blocks
        let partialLoss = DisjointPointer(workspace.partialLoss)
        let scratch = DisjointPointer(workspace.scratch)
        let (thetaShared, g0Shared) = (DisjointPointer(readOnly: theta), DisjointPointer(g0p))
        let (X, labels, classWeights, k) = (self.X, self.labels, self.classWeights, classCount)
        let work: @Sendable (Int) -> Void = { b in
            let lo = n * b / nb, hi = n * (b + 1) / nb
            let g = b == 0 ? g0Shared.base : scratch.base + (b - 1) * P
            g.update(repeating: 0, count: P)
            partialLoss.base[b] = Self.accumulate(X: X, labels: labels, classWeights: classWeights, classCount: k,
                                                  rows: lo..<hi, theta: UnsafeBufferPointer(start: thetaShared.base, count: P),
                                                  gradient: g)
        }
        if nb == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: nb, execute: work) }
        // Fixed-order reduction.
        for b in 1..<max(nb, 1) {
            let sp = scratch.base + (b - 1) * P
            for p in 0..<P { g0p[p] += sp[p] }
        }
        let th = UnsafeBufferPointer(start: theta, count: P)
        let invN = n > 0 ? 1 / Double(n) : 0
        let wCount = P - classCount
        var r0 = 0.0, r1 = 0.0, r2 = 0.0, r3 = 0.0
        var p = 0
        if let prior {
            prior.withUnsafeBufferPointer { w0 in
                for p in 0..<wCount {
                    let w = th[p] - w0[p]
                    r0 += w * w; g0p[p] = g0p[p] * invN + l2 * w
                }
            }
            p = wCount
        }
        while p + 4 <= wCount {
            let w0 = th[p], w1 = th[p + 1], w2 = th[p + 2], w3 = th[p + 3]
            r0 += w0 * w0; r1 += w1 * w1; r2 += w2 * w2; r3 += w3 * w3
            g0p[p] = g0p[p] * invN + l2 * w0; g0p[p + 1] = g0p[p + 1] * invN + l2 * w1
            g0p[p + 2] = g0p[p + 2] * invN + l2 * w2; g0p[p + 3] = g0p[p + 3] * invN + l2 * w3
            p += 4
        }
        while p < wCount { let w = th[p]; r0 += w * w; g0p[p] = g0p[p] * invN + l2 * w; p += 1 }
        for p in wCount..<P { g0p[p] *= invN }
        var total = 0.0
        for b in 0..<nb { total += partialLoss.base[b] }
        return total * invN + 0.5 * l2 * ((r0 + r1) + (r2 + r3))
    }

    /// Scratch memory reused across evaluations (per-block gradients and losses).
    final class Workspace {
        let partialLoss: UnsafeMutablePointer<Double>
        let scratch: UnsafeMutablePointer<Double>
        init(blocks: Int, parameters: Int) {
            partialLoss = .allocate(capacity: blocks)
            partialLoss.initialize(repeating: 0, count: blocks)
            scratch = .allocate(capacity: max(blocks - 1, 0) * parameters + 1)
        }
        deinit { partialLoss.deallocate(); scratch.deallocate() }
    }

    /// Loss without returning the gradient (tests and diagnostics).
    public func loss(_ theta: [Double]) -> Double {
        var g = [Double]()
        return evaluate(theta, gradient: &g)
    }

    /// Σ_i s_i·(−log p_{i,y_i}) over `rows`, adding Σ_i s_i (p_i − e_{y_i}) x_iᵀ into `g`.
    static func accumulate(X: CSRMatrix, labels: [Int32], classWeights: [Double], classCount k: Int, rows: Range<Int>,
                           theta th: UnsafeBufferPointer<Double>, gradient g: UnsafeMutablePointer<Double>) -> Double {
        let biasOffset = X.columnCount * k
        var loss = 0.0
        var zbuf = [Double](repeating: 0, count: k)
        X.rowOffsets.withUnsafeBufferPointer { ro in
        X.columnIndices.withUnsafeBufferPointer { ci in
        X.values.withUnsafeBufferPointer { xv in
        labels.withUnsafeBufferPointer { ys in
        classWeights.withUnsafeBufferPointer { cw in
        zbuf.withUnsafeMutableBufferPointer { zb in
            let w = th.baseAddress!
            let z = zb.baseAddress!
            for i in rows {
                let y = Int(ys[i])
                let s = cw[y]
                let start = ro[i], end = ro[i + 1]
                for c in 0..<k { z[c] = w[biasOffset + c] }
                if k == 3 {
                    var z0 = z[0], z1 = z[1], z2 = z[2]
                    for p in start..<end {
                        let x = Double(xv[p]); let base = Int(ci[p]) * 3
                        z0 += x * w[base]; z1 += x * w[base + 1]; z2 += x * w[base + 2]
                    }
                    z[0] = z0; z[1] = z1; z[2] = z2
                } else {
                    for p in start..<end {
                        let x = Double(xv[p]); let base = Int(ci[p]) * k
                        for c in 0..<k { z[c] += x * w[base + c] }
                    }
                }
                let zy = z[y]
                let lse = SoftmaxMath.softmaxInPlace(zb)
                loss += s * (lse - zy)
                // residual r_c = s (p_c − [c = y])
                z[y] -= 1
                for c in 0..<k { z[c] *= s }
                if k == 3 {
                    let r0 = z[0], r1 = z[1], r2 = z[2]
                    for p in start..<end {
                        let x = Double(xv[p]); let base = Int(ci[p]) * 3
                        g[base] += r0 * x; g[base + 1] += r1 * x; g[base + 2] += r2 * x
                    }
                } else {
                    for p in start..<end {
                        let x = Double(xv[p]); let base = Int(ci[p]) * k
                        for c in 0..<k { g[base + c] += z[c] * x }
                    }
                }
                for c in 0..<k { g[biasOffset + c] += z[c] }
            }
        }}}}}}
        return loss
    }
}

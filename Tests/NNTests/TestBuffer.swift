import XCTest
import Tensor

/// A float buffer owned by a test and handed to layers as a raw pointer.
///
/// Finite differences perturb one buffer while the loss closure reads all of them; with Swift
/// arrays that is an overlapping access (an exclusivity trap), with a pointer it is just memory.
/// Bind every buffer to a name: a temporary such as `TestBuffer(w).p` is freed as soon as `.p`
/// has been read, before the call that uses the pointer runs.
final class TestBuffer {
    let p: UnsafeMutablePointer<Float>
    let count: Int

    init(_ values: [Float]) {
        count = values.count
        p = .allocate(capacity: max(count, 1))
        for i in 0..<count { p[i] = values[i] }
    }

    convenience init(zeros n: Int) { self.init([Float](repeating: 0, count: n)) }

    convenience init(random n: Int, seed: UInt64, std: Float = 1) {
        self.init(GradientCheck.random(n, seed: seed, std: std))
    }

    deinit { p.deallocate() }

    var array: [Float] { Array(UnsafeBufferPointer(start: p, count: count)) }

    func fill(_ values: [Float]) {
        precondition(values.count == count)
        for i in 0..<count { p[i] = values[i] }
    }
}

/// Helpers built on `GradientCheck` for layers whose inputs live in `TestBuffer`s.
enum LayerCheck {
    /// Central differences of `loss` with respect to every element of `x` (±eps per element,
    /// divided by the perturbation actually applied in float32).
    static func numeric(_ x: TestBuffer, eps: Float = 1e-2, loss: () -> Double) -> [Double] {
        var g = [Double](repeating: 0, count: x.count)
        for i in 0..<x.count {
            let orig = x.p[i]
            x.p[i] = orig + eps
            let lp = loss()
            x.p[i] = orig - eps
            let lm = loss()
            x.p[i] = orig
            g[i] = (lp - lm) / (Double(orig + eps) - Double(orig - eps))
        }
        return g
    }

    /// Asserts that `backward` adds into `grads` rather than overwriting them: run once from zero,
    /// then from random prefilled values, and expect prefill + single-run gradient.
    static func assertAccumulates(_ name: String, grads: [TestBuffer], backward: () -> Void,
                                  file: StaticString = #filePath, line: UInt = #line) {
        for g in grads { g.fill([Float](repeating: 0, count: g.count)) }
        backward()
        let single = grads.map(\.array)
        let prefill = grads.enumerated().map { GradientCheck.random($0.element.count, seed: 900 + UInt64($0.offset)) }
        for (g, pre) in zip(grads, prefill) { g.fill(pre) }
        backward()
        for k in 0..<grads.count {
            let got = grads[k].array
            var worst: Float = 0
            for i in 0..<got.count { worst = max(worst, abs(got[i] - (prefill[k][i] + single[k][i]))) }
            XCTAssertLessThan(worst, 1e-5, "\(name): gradient buffer \(k) was not accumulated into",
                              file: file, line: line)
            XCTAssertTrue(single[k].contains { $0 != 0 }, "\(name): gradient buffer \(k) stayed zero",
                          file: file, line: line)
        }
    }
}

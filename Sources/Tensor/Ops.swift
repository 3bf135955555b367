#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Elementwise operations, reductions and softmax on tensors and raw buffers.
///
/// The pointer forms are what layers call inside their hot loops; the `Tensor` forms are for
/// tests, metrics and code that is not on a hot path.
public enum Ops {
    /// y += alpha · x over n elements.
    @inline(__always)
    public static func axpy(_ n: Int, _ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        for i in 0..<n { y[i] += alpha * x[i] }
    }

    /// x *= alpha over n elements.
    @inline(__always)
    public static func scale(_ n: Int, _ alpha: Float, _ x: UnsafeMutablePointer<Float>) {
        for i in 0..<n { x[i] *= alpha }
    }

    /// Sum of n elements, accumulated in double so that long reductions stay exact to float32.
    public static func sum(_ n: Int, _ x: UnsafePointer<Float>) -> Double {
        var s = 0.0
        for i in 0..<n { s += Double(x[i]) }
        return s
    }

    /// Sum of squares of n elements (in double).
    public static func sumOfSquares(_ n: Int, _ x: UnsafePointer<Float>) -> Double {
        var s = 0.0
        for i in 0..<n { let v = Double(x[i]); s += v * v }
        return s
    }

    /// Row-wise softmax in place: x is (rows, cols). Subtracts the row max for stability.
    ///
    /// The max and the sum run on 8 independent lanes and the exponentials in a loop of their own:
    /// a single running max or sum is a serial dependency chain that keeps the compiler from
    /// vectorising the (polynomial) exp, which made softmax ~10% of a GRPO iteration.
    public static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        let wide = cols & ~7
        for r in 0..<rows {
            let row = x + r * cols
            let raw = UnsafeMutableRawPointer(row)
            var m8 = SIMD8<Float>(repeating: -.infinity)
            var c = 0
            while c < wide {
                let v = raw.loadUnaligned(fromByteOffset: 4 * c, as: SIMD8<Float>.self)
                m8.replace(with: v, where: v .> m8)
                c += 8
            }
            var maxv = m8.max()
            while c < cols { maxv = max(maxv, row[c]); c += 1 }
            if maxv == -Float.infinity { // a fully masked row attends to nothing
                for c in 0..<cols { row[c] = 0 }
                continue
            }
            for c in 0..<cols { row[c] = FastMath.exp(row[c] - maxv) }
            var s8 = SIMD8<Float>(repeating: 0)
            c = 0
            while c < wide { s8 += raw.loadUnaligned(fromByteOffset: 4 * c, as: SIMD8<Float>.self); c += 8 }
            var s = s8.sum()
            while c < cols { s += row[c]; c += 1 }
            let inv = 1 / s
            for c in 0..<cols { row[c] *= inv }
        }
    }

    /// True when every element is finite (no NaN, no ±Inf).
    public static func allFinite(_ n: Int, _ x: UnsafePointer<Float>) -> Bool {
        for i in 0..<n where !x[i].isFinite { return false }
        return true
    }
}

extension Tensor {
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        precondition(a.shape == b.shape, "shapes differ: \(a.shape) vs \(b.shape)")
        return Tensor(shape: a.shape, data: zip(a.data, b.data).map { $0 + $1 })
    }

    public static func - (a: Tensor, b: Tensor) -> Tensor {
        precondition(a.shape == b.shape, "shapes differ: \(a.shape) vs \(b.shape)")
        return Tensor(shape: a.shape, data: zip(a.data, b.data).map { $0 - $1 })
    }

    public static func * (a: Tensor, b: Tensor) -> Tensor {
        precondition(a.shape == b.shape, "shapes differ: \(a.shape) vs \(b.shape)")
        return Tensor(shape: a.shape, data: zip(a.data, b.data).map { $0 * $1 })
    }

    public static func * (a: Tensor, s: Float) -> Tensor {
        Tensor(shape: a.shape, data: a.data.map { $0 * s })
    }

    public func map(_ f: (Float) -> Float) -> Tensor {
        Tensor(shape: shape, data: data.map(f))
    }

    public func sum() -> Float {
        data.withUnsafeBufferPointer { Float(Ops.sum($0.count, $0.baseAddress!)) }
    }

    public func mean() -> Float {
        count == 0 ? 0 : sum() / Float(count)
    }

    public func maxAbs() -> Float {
        data.reduce(0) { max($0, abs($1)) }
    }

    /// Softmax over the last axis.
    public func softmaxLastAxis() -> Tensor {
        var out = self
        let cols = shape.last ?? 1
        out.data.withUnsafeMutableBufferPointer {
            Ops.softmaxRows($0.baseAddress!, rows: count / cols, cols: cols)
        }
        return out
    }
}

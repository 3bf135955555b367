import Tensor

/// Layer normalization over the last axis, with or without an affine (weight, bias) pair.
/// DiT-style blocks use it without affine and get scale/shift from adaLN instead.
public enum LayerNorm {
    /// inp (N, C) → out (N, C); saves mean (N) and rstd (N) for backward. weight/bias (C) or nil.
    public static func forward(out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                               rstd: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                               weight: UnsafePointer<Float>?, bias: UnsafePointer<Float>?,
                               N: Int, C: Int, eps: Float = 1e-6) {
        guard C > 0 else { return }
        let invC = 1 / Float(C)
        for n in 0..<N {
            let x = inp + n * C
            let y = out + n * C
            // Sums on 8 lanes: a single running sum is a serial chain the compiler cannot vectorise.
            let raw = UnsafeRawPointer(x), wide = C & ~7
            var acc = SIMD8<Float>(repeating: 0)
            var c = 0
            while c < wide { acc += raw.loadUnaligned(fromByteOffset: 4 * c, as: SIMD8<Float>.self); c += 8 }
            var sum = acc.sum()
            while c < C { sum += x[c]; c += 1 }
            let m = sum * invC
            // Two passes (mean first, then squared deviations) instead of E[x²] − E[x]², which
            // cancels catastrophically in float32 when the residual stream has a large mean.
            let m8 = SIMD8<Float>(repeating: m)
            acc = SIMD8<Float>(repeating: 0)
            c = 0
            while c < wide {
                let d = raw.loadUnaligned(fromByteOffset: 4 * c, as: SIMD8<Float>.self) - m8
                acc += d * d
                c += 8
            }
            var sq = acc.sum()
            while c < C { let d = x[c] - m; sq += d * d; c += 1 }
            let s = 1 / (sq * invC + eps).squareRoot()
            for c in 0..<C {
                var v = (x[c] - m) * s
                if let weight { v *= weight[c] }
                if let bias { v += bias[c] }
                y[c] = v
            }
            mean[n] = m
            rstd[n] = s
        }
    }

    /// dout (N, C) → dinp (N, C) +=;  dweight, dbias (C) += when the layer is affine.
    public static func backward(dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>?,
                                dbias: UnsafeMutablePointer<Float>?, dout: UnsafePointer<Float>,
                                inp: UnsafePointer<Float>, mean: UnsafePointer<Float>,
                                rstd: UnsafePointer<Float>, weight: UnsafePointer<Float>?,
                                N: Int, C: Int) {
        guard C > 0 else { return }
        let invC = 1 / Float(C)
        for n in 0..<N {
            let x = inp + n * C
            let dy = dout + n * C
            let dx = dinp + n * C
            let m = mean[n], s = rstd[n]
            // With x̂ = (x − μ)·rstd and g = dL/dx̂, the gradient through μ and rstd is
            // dx = rstd · (g − mean(g) − x̂ · mean(g · x̂))  (llm.c layernorm_backward).
            var gMean: Float = 0, gxMean: Float = 0
            for c in 0..<C {
                let xhat = (x[c] - m) * s
                var g = dy[c]
                if let weight { g *= weight[c] }
                gMean += g
                gxMean += g * xhat
            }
            gMean *= invC
            gxMean *= invC
            for c in 0..<C {
                let xhat = (x[c] - m) * s
                var g = dy[c]
                if let weight { g *= weight[c] }
                dx[c] += (g - gMean - xhat * gxMean) * s
                if let dbias { dbias[c] += dy[c] }
                if let dweight { dweight[c] += xhat * dy[c] }
            }
        }
    }
}

import Tensor

/// Global gradient-norm clipping (as torch.nn.utils.clip_grad_norm_).
public enum GradClip {
    /// Scales `grads` so that their global L2 norm is at most `maxNorm`; returns the norm before clipping.
    /// A non-finite norm leaves `grads` untouched: the caller sees it in the return value and
    /// can skip the step, whereas scaling by NaN would poison every parameter.
    @discardableResult
    public static func clipGlobalNorm(_ grads: inout [Float], maxNorm: Float) -> Float {
        // Sum of squares in double: a million float32 squares summed in float32 lose digits.
        var sumSq = 0.0
        grads.withUnsafeBufferPointer { g in
            for x in g { sumSq += Double(x) * Double(x) }
        }
        let norm = sumSq.squareRoot()
        guard norm.isFinite, norm > Double(maxNorm) else { return Float(norm) }
        let factor = Float(Double(maxNorm) / norm)
        grads.withUnsafeMutableBufferPointer { g in
            for i in 0..<g.count { g[i] *= factor }
        }
        return Float(norm)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Tensor

/// AdamW (Loshchilov & Hutter): Adam with bias correction and decoupled weight decay, one loop
/// over the flat parameter buffer. Weight decay applies to tensors of rank ≥ 2 (matrices and
/// embedding tables), not to biases or norm gains, as in nanoGPT.
public struct AdamW: Sendable {
    public var lr: Float
    public var beta1: Float
    public var beta2: Float
    public var eps: Float
    public var weightDecay: Float
    /// First and second moment estimates, one per scalar parameter (saved in optim.safetensors).
    public var m: [Float]
    public var v: [Float]
    /// Number of updates taken so far (for bias correction).
    public var step: Int

    public init(parameterCount: Int, lr: Float = 3e-4, beta1: Float = 0.9, beta2: Float = 0.999,
                eps: Float = 1e-8, weightDecay: Float = 1e-4) {
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay
        self.m = [Float](repeating: 0, count: parameterCount)
        self.v = [Float](repeating: 0, count: parameterCount)
        self.step = 0
    }

    /// One update of `params.values` from `params.grads` at learning rate `lr` (default self.lr).
    public mutating func update(_ params: inout Parameters, lr: Float? = nil) {
        precondition(m.count == params.count && v.count == params.count,
                     "AdamW was built for \(m.count) parameters, the model has \(params.count)")
        step += 1
        let lr = lr ?? self.lr
        let b1 = beta1, b2 = beta2, eps = eps, wd = weightDecay
        // Bias corrections in double: beta2^step stays close to 1 for thousands of steps, and
        // 1 − beta2^step in float32 would lose most of its digits early on.
        let c1 = Float(1 - pow(Double(b1), Double(step)))
        let c2 = Float(1 - pow(Double(b2), Double(step)))
        let infos = params.infos
        params.values.withUnsafeMutableBufferPointer { p in
            params.grads.withUnsafeBufferPointer { g in
                m.withUnsafeMutableBufferPointer { m in
                    v.withUnsafeMutableBufferPointer { v in
                        for info in infos {
                            let decay: Float = info.shape.count >= 2 ? wd : 0
                            for i in info.offset..<(info.offset + info.count) {
                                let gi = g[i]
                                let mi = b1 * m[i] + (1 - b1) * gi
                                let vi = b2 * v[i] + (1 - b2) * gi * gi
                                m[i] = mi
                                v[i] = vi
                                let mHat = mi / c1, vHat = vi / c2
                                // Decoupled decay uses the pre-update value, as torch.optim.AdamW.
                                p[i] -= lr * (mHat / (vHat.squareRoot() + eps) + decay * p[i])
                            }
                        }
                    }
                }
            }
        }
    }
}

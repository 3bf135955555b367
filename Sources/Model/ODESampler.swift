import NN
import Tensor

/// Options of the deterministic Euler sampler used for evaluation and `flowrl sample`.
public struct ODESamplerOptions: Sendable, Equatable {
    public var steps: Int = 40
    public var shift: Float = 1
    /// Classifier-free guidance: v = v_uncond + cfg · (v_cond − v_uncond); 1 disables it.
    public var cfgScale: Float = 1
    public init(steps: Int = 40, shift: Float = 1, cfgScale: Float = 1) {
        self.steps = steps; self.shift = shift; self.cfgScale = cfgScale
    }
}

/// Euler integration of dx/dσ = v from pure noise (σ = 1) to an image (σ = 0):
/// x_{k+1} = x_k + v·dt_k with dt_k = σ_{k+1} − σ_k < 0.
public enum ODESampler {
    /// noise (B, D) and caption ids (B, L) → images (B, D) in about [−1, 1], processed in chunks of
    /// the network's batch size.
    public static func sample(network net: VelocityNetwork, params: Parameters, tokens: [Int32],
                              noise: [Float], batch B: Int, options: ODESamplerOptions) -> [Float] {
        let D = net.config.imageElements, L = net.config.maxTextTokens
        precondition(noise.count == B * D && tokens.count == B * L)
        let sig = Schedule.sigmas(steps: options.steps, shift: options.shift)
        let guided = options.cfgScale != 1
        let chunk = net.maxBatch
        var x = noise
        var vCond = [Float](repeating: 0, count: chunk * D)
        let empty = [Int32](repeating: 0, count: chunk * L)
        var sigma = [Float](repeating: 0, count: chunk)
        var start = 0
        while start < B {
            let n = min(chunk, B - start)
            for k in 0..<options.steps {
                let dt = sig[k + 1] - sig[k]
                for i in 0..<n { sigma[i] = sig[k] }
                x.withUnsafeMutableBufferPointer { X in
                    let xs = X.baseAddress! + start * D
                    tokens.withUnsafeBufferPointer { Tk in
                        net.forward(params, x: xs, sigma: sigma, tokens: Tk.baseAddress! + start * L, batch: n)
                    }
                    if guided {
                        vCond.withUnsafeMutableBufferPointer { copy($0.baseAddress!, net.output, n * D) }
                        net.forward(params, x: xs, sigma: sigma, tokens: empty, batch: n)
                        let s = options.cfgScale
                        vCond.withUnsafeBufferPointer { VC in
                            let vc = VC.baseAddress!, vu = net.output
                            for j in 0..<(n * D) { xs[j] += (vu[j] + s * (vc[j] - vu[j])) * dt }
                        }
                    } else {
                        let v = net.output
                        for j in 0..<(n * D) { xs[j] += v[j] * dt }
                    }
                }
            }
            start += n
        }
        return x
    }
}

import Model
import NN
import Tensor

/// Settings of an SDE rollout (Flow-GRPO's sampler used to collect RL trajectories).
public struct RolloutOptions: Sendable, Equatable {
    /// Denoising steps T.
    public var steps: Int = 10
    /// Time shift of the schedule (SD3's s).
    public var shift: Float = 3
    /// Noise level a of the SDE (0 gives the ODE).
    public var noiseLevel: Float = 0.7
    /// Classifier-free guidance scale during rollouts (1 = off, Flow-GRPO's default for training).
    public var cfgScale: Float = 1
    public init(steps: Int = 10, shift: Float = 3, noiseLevel: Float = 0.7, cfgScale: Float = 1) {
        self.steps = steps; self.shift = shift; self.noiseLevel = noiseLevel; self.cfgScale = cfgScale
    }

    /// The schedule σ_0 = 1 … σ_T = 0.
    public var sigmas: [Float] { Schedule.sigmas(steps: steps, shift: shift) }

    /// Steps trained on: 0 ..< ⌊0.99·T⌋. The last step (σ → 0) is taken deterministically in the
    /// rollout (as an ODE step) so the final image carries no sampling noise, and is not trained.
    public var trainedSteps: Int { max(1, Int(0.99 * Double(steps))) }
}

/// The trajectories of a batch of N samples: what the policy update needs to recompute log-probs.
public struct RolloutBatch {
    public let count: Int
    public let steps: Int
    public let trainedSteps: Int
    public let elements: Int
    public let tokenCount: Int
    /// Caption ids (N, L).
    public var tokens: [Int32]
    /// States x_k for k = 0 … T: (N, T + 1, D). x_T is the final image in [−1, 1].
    public var states: [Float]
    /// μ_old of each trained step: (N, K, D).
    public var means: [Float]
    /// log p_old of each trained step: (N, K).
    public var logProbs: [Float]
    /// The per-step coefficients shared by all samples.
    public let stepInfo: [SDEStep]

    /// Offset of x_k of sample i in `states`.
    @inline(__always) public func stateOffset(_ i: Int, _ k: Int) -> Int { (i * (steps + 1) + k) * elements }
    /// Offset of μ_old of sample i, step k in `means`.
    @inline(__always) public func meanOffset(_ i: Int, _ k: Int) -> Int { (i * trainedSteps + k) * elements }

    /// The final images (N, D).
    public var finalImages: [Float] {
        var out = [Float](repeating: 0, count: count * elements)
        for i in 0..<count {
            let o = stateOffset(i, steps)
            out.replaceSubrange((i * elements)..<((i + 1) * elements), with: states[o..<(o + elements)])
        }
        return out
    }
}

/// Flow-GRPO rollouts: the reverse SDE from pure noise with per-step log-probs.
///
/// Sample i draws its initial noise and every step's ξ from RNG(seeds[i]) alone, so a sample is
/// reproducible on its own whatever batch it was generated in.
public enum SDESampler {
    public static func rollout(network net: VelocityNetwork, params: Parameters, tokens: [Int32],
                               seeds: [UInt64], options o: RolloutOptions) -> RolloutBatch {
        let N = seeds.count, D = net.config.imageElements, L = net.config.maxTextTokens
        let T = o.steps, K = o.trainedSteps
        precondition(tokens.count == N * L)
        let sig = o.sigmas
        let info = (0..<T).map { SDEStep(k: $0, sigmas: sig, noiseLevel: o.noiseLevel) }
        var batch = RolloutBatch(count: N, steps: T, trainedSteps: K, elements: D, tokenCount: L, tokens: tokens,
                                 states: [Float](repeating: 0, count: N * (T + 1) * D),
                                 means: [Float](repeating: 0, count: N * K * D),
                                 logProbs: [Float](repeating: 0, count: N * K), stepInfo: info)
        var rngs = seeds.map { RNG(seed: $0) }
        for i in 0..<N {
            let o0 = batch.stateOffset(i, 0)
            batch.states.withUnsafeMutableBufferPointer { S in
                rngs[i].fillNormal(UnsafeMutableBufferPointer(rebasing: S[o0..<(o0 + D)]))
            }
        }
        let chunk = net.maxBatch
        var x = [Float](repeating: 0, count: chunk * D)
        var v = [Float](repeating: 0, count: chunk * D)
        var xi = [Float](repeating: 0, count: D)
        let guidance = CFGVelocity(network: net, scale: o.cfgScale)
        for start in stride(from: 0, to: N, by: chunk) {
            let n = min(chunk, N - start)
            for k in 0..<T {
                let step = info[k]
                for i in 0..<n {
                    let src = batch.stateOffset(start + i, k)
                    x.replaceSubrange((i * D)..<((i + 1) * D), with: batch.states[src..<(src + D)])
                }
                let sigma = [Float](repeating: step.sigma, count: n)
                guidance.velocity(params: params, x: x, sigma: sigma,
                                  tokens: Array(tokens[(start * L)..<((start + n) * L)]), batch: n, into: &v)
                for i in 0..<n {
                    let s = start + i
                    let dst = batch.stateOffset(s, k + 1)
                    let muOffset = k < K ? batch.meanOffset(s, k) : 0
                    if k < K { rngs[s].fillNormal(&xi) }
                    var logp: Float = 0
                    batch.states.withUnsafeMutableBufferPointer { S in
                        batch.means.withUnsafeMutableBufferPointer { M in
                            x.withUnsafeBufferPointer { X in
                                v.withUnsafeBufferPointer { V in
                                    let xs = X.baseAddress! + i * D, vs = V.baseAddress! + i * D
                                    let xn = S.baseAddress! + dst
                                    if k < K {
                                        let mu = M.baseAddress! + muOffset
                                        step.mean(mu, x: xs, v: vs, count: D)
                                        for j in 0..<D { xn[j] = mu[j] + step.std * xi[j] }
                                        logp = step.logProb(xNext: xn, mu: mu, count: D)
                                    } else {
                                        // untrained tail: a deterministic Euler step
                                        for j in 0..<D { xn[j] = xs[j] + vs[j] * step.dt }
                                    }
                                }
                            }
                        }
                    }
                    if k < K { batch.logProbs[s * K + k] = logp }
                }
            }
        }
        return batch
    }
}

/// Velocity with optional classifier-free guidance: v_u + scale·(v_c − v_u).
struct CFGVelocity {
    let network: VelocityNetwork
    let scale: Float

    func velocity(params: Parameters, x: [Float], sigma: [Float], tokens: [Int32], batch n: Int, into v: inout [Float]) {
        let D = network.config.imageElements, L = network.config.maxTextTokens
        network.forward(params, x: x, sigma: sigma, tokens: tokens, batch: n)
        v.withUnsafeMutableBufferPointer { copy($0.baseAddress!, network.output, n * D) }
        guard scale != 1 else { return }
        network.forward(params, x: x, sigma: sigma, tokens: [Int32](repeating: 0, count: n * L), batch: n)
        let u = network.output
        for j in 0..<(n * D) { v[j] = u[j] + scale * (v[j] - u[j]) }
    }
}

extension SDESampler {
    /// Final images (prompts × seeds, row-major) of SDE rollouts, for `flowrl sample --sde`.
    public static func sampleImages(network: VelocityNetwork, params: Parameters, prompts: [String], seeds: [UInt64],
                                    options: RolloutOptions) throws -> [[Float]] {
        let tokenizer = Tokenizer(maxTokens: network.config.maxTextTokens)
        var tokens: [Int32] = [], allSeeds: [UInt64] = []
        for p in prompts {
            let ids = try tokenizer.encode(p)
            for s in seeds { tokens += ids; allSeeds.append(s) }
        }
        let batch = rollout(network: network, params: params, tokens: tokens, seeds: allSeeds, options: options)
        let D = batch.elements
        let images = batch.finalImages
        return (0..<batch.count).map { Array(images[($0 * D)..<(($0 + 1) * D)]) }
    }
}

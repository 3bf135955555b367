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
    /// Stochastic steps W at the start of the schedule (0 = all that can be); the rest are ODE steps.
    public var sdeSteps: Int = 0
    public init(steps: Int = 10, shift: Float = 3, noiseLevel: Float = 0.7, cfgScale: Float = 1, sdeSteps: Int = 0) {
        self.steps = steps; self.shift = shift; self.noiseLevel = noiseLevel; self.cfgScale = cfgScale
        self.sdeSteps = sdeSteps
    }

    /// The schedule σ_0 = 1 … σ_T = 0.
    public var sigmas: [Float] { Schedule.sigmas(steps: steps, shift: shift) }

    /// Steps trained on: 0 ..< ⌊0.99·T⌋, or the first `sdeSteps` of them. The steps after are
    /// taken deterministically in the rollout (as ODE steps) and not trained: at least the last
    /// one (σ → 0), so the final image carries no sampling noise.
    ///
    /// With a window of W < ⌊0.99·T⌋ (Flow-GRPO-Fast, MixGRPO) the differences within a group
    /// come from the noise of the W trained steps alone, so each trained step gets the credit for
    /// more of the reward's spread, and an update costs W/K of a full one. The first steps are
    /// the ones that decide the layout (which objects, where), what the alignment judge checks.
    public var trainedSteps: Int {
        let all = max(1, Int(0.99 * Double(steps)))
        return sdeSteps > 0 ? min(sdeSteps, all) : all
    }
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
/// reproducible on its own whatever batch it was generated in. With `initialNoiseSeeds`, the
/// initial noise comes from RNG(initialNoiseSeeds[i]) instead and only the ξ from RNG(seeds[i]):
/// samples given one initial-noise seed start from the same x_0 (DanceGRPO's shared group noise).
///
/// The denoising loop allocates nothing itself (`bench/alloc_check.sh` counts): the trajectory
/// arrays are sized once per rollout, the network's inputs live in a `RolloutWorkspace` made once
/// per rollout, and the per-sample step (ξ, μ, x', log p) runs on raw pointers, samples split
/// across cores (each sample owns its RNG and its rows of the trajectory arrays, so the split
/// changes no number). The per-step regions (the network's shards, the SDE step) are task objects
/// made once per rollout, so a step allocates nothing with any thread count; the once-per-chunk
/// initial-noise region is a closure (one small box; see README "Allocations").
public enum SDESampler {
    public static func rollout(network net: VelocityNetwork, params: Parameters, tokens: [Int32],
                               seeds: [UInt64], initialNoiseSeeds: [UInt64]? = nil,
                               options o: RolloutOptions) -> RolloutBatch {
        let N = seeds.count, D = net.config.imageElements, L = net.config.maxTextTokens
        let T = o.steps, K = o.trainedSteps
        precondition(tokens.count == N * L)
        precondition(initialNoiseSeeds == nil || initialNoiseSeeds!.count == N, "one initial-noise seed per sample")
        let sig = o.sigmas
        let info = (0..<T).map { SDEStep(k: $0, sigmas: sig, noiseLevel: o.noiseLevel) }
        var batch = RolloutBatch(count: N, steps: T, trainedSteps: K, elements: D, tokenCount: L, tokens: tokens,
                                 states: [Float](repeating: 0, count: N * (T + 1) * D),
                                 means: [Float](repeating: 0, count: N * K * D),
                                 logProbs: [Float](repeating: 0, count: N * K), stepInfo: info)
        guard N > 0 else { return batch }
        var rngs = seeds.map { RNG(seed: $0) }
        var noiseRNGs = (initialNoiseSeeds ?? []).map { RNG(seed: $0) }
        let separateNoise = initialNoiseSeeds != nil
        let chunk = net.maxBatch
        let ws = RolloutWorkspace(rows: min(chunk, max(N, 1)), elements: D, tokens: L, guided: o.cfgScale != 1)
        let guidance = CFGVelocity(network: net, scale: o.cfgScale)
        let stateStride = (T + 1) * D
        batch.states.withUnsafeMutableBufferPointer { S in
        batch.means.withUnsafeMutableBufferPointer { M in
        batch.logProbs.withUnsafeMutableBufferPointer { LP in
        rngs.withUnsafeMutableBufferPointer { R in
        noiseRNGs.withUnsafeMutableBufferPointer { NR in
        tokens.withUnsafeBufferPointer { TK in
            let states = S.baseAddress!, means = M.baseAddress!, logps = LP.baseAddress!, rng = R.baseAddress!
            // Where each sample's x_0 comes from: its own stream, or its initial-noise stream.
            let x0RNG = separateNoise ? NR.baseAddress! : rng
            let x = ws.x
            let stepTask = SDEStepTask(states: states, means: means, logProbs: logps, rngs: rng, x: x,
                                       stateStride: stateStride, elements: D, trainedSteps: K)
            for start in stride(from: 0, to: N, by: chunk) {
                let n = min(chunk, N - start)
                // x_0 = noise, drawn into the trajectory and gathered into the network's input.
                Parallel.forRanges(n) { rows in
                    for i in rows {
                        let x0 = states + (start + i) * stateStride
                        x0RNG[start + i].fillNormal(UnsafeMutableBufferPointer(start: x0, count: D))
                        copy(x + i * D, x0, D)
                    }
                }
                for k in 0..<T {
                    let step = info[k]
                    ws.sigma.update(repeating: step.sigma, count: n)
                    let v = guidance.velocity(params: params, x: ws.x, sigma: ws.sigma,
                                              tokens: TK.baseAddress! + start * L, batch: n, workspace: ws)
                    stepTask.set(start: start, k: k, step: step, v: v)
                    Parallel.forRanges(n, task: stepTask)
                }
            }
        }
        }
        }
        }
        }
        }
        return batch
    }
}

/// One denoising step of a rollout chunk for the samples in `range` (each owns its RNG and its rows
/// of the trajectory): draw ξ into x_{k+1}, store μ_k, turn x_{k+1} into μ_k + s_k·ξ and store its
/// log-prob; after the SDE window, an Euler step. x_{k+1} is copied into the network's input.
/// A class so the rollout can start the step's parallel region without allocating.
final class SDEStepTask: ParallelTask {
    let states: UnsafeMutablePointer<Float>, means: UnsafeMutablePointer<Float>
    let logProbs: UnsafeMutablePointer<Float>, rngs: UnsafeMutablePointer<RNG>
    let x: UnsafeMutablePointer<Float>
    let stateStride: Int, elements: Int, trainedSteps: Int
    // The step being run, set before each region.
    private var start = 0, k = 0
    private var step: SDEStep?
    private var v: UnsafePointer<Float>?

    init(states: UnsafeMutablePointer<Float>, means: UnsafeMutablePointer<Float>, logProbs: UnsafeMutablePointer<Float>,
         rngs: UnsafeMutablePointer<RNG>, x: UnsafeMutablePointer<Float>, stateStride: Int, elements: Int,
         trainedSteps: Int) {
        self.states = states; self.means = means; self.logProbs = logProbs; self.rngs = rngs; self.x = x
        self.stateStride = stateStride; self.elements = elements; self.trainedSteps = trainedSteps
    }

    /// The chunk's first sample, the step index and coefficients, and the chunk's velocity (n, D).
    func set(start: Int, k: Int, step: SDEStep, v: UnsafePointer<Float>) {
        self.start = start; self.k = k; self.step = step; self.v = v
    }

    func run(_ rows: Range<Int>) {
        guard let step, let v else { return }
        let D = elements, K = trainedSteps
        for i in rows {
            let s = start + i
            let xs = x + i * D, vs = v + i * D
            let xn = states + s * stateStride + (k + 1) * D
            if k < K {
                // ξ is drawn straight into x' and turned into μ + s·ξ in place.
                let mu = means + (s * K + k) * D
                rngs[s].fillNormal(UnsafeMutableBufferPointer(start: xn, count: D))
                step.mean(mu, x: xs, v: vs, count: D)
                for j in 0..<D { xn[j] = mu[j] + step.std * xn[j] }
                logProbs[s * K + k] = step.logProb(xNext: xn, mu: mu, count: D)
            } else {
                // untrained tail (after the SDE window): a deterministic Euler step
                for j in 0..<D { xn[j] = xs[j] + vs[j] * step.dt }
            }
            copy(xs, xn, D)   // x_{k+1} is the next step's input
        }
    }
}

/// The network inputs of a rollout chunk, allocated once per rollout and reused at every step.
final class RolloutWorkspace {
    private let arena = Arena()
    /// x_k of the chunk's samples (rows, D), σ_k per row, and CFG's buffers.
    let x: UnsafeMutablePointer<Float>
    let sigma: UnsafeMutablePointer<Float>
    /// Conditional velocity under guidance (rows, D).
    let velocity: UnsafeMutablePointer<Float>
    /// All-padding captions (rows, L): the unconditional branch of guidance.
    let emptyTokens: UnsafeMutablePointer<Int32>

    init(rows: Int, elements D: Int, tokens L: Int, guided: Bool) {
        x = arena.take(rows * D)
        sigma = arena.take(rows)
        velocity = arena.take(guided ? rows * D : 0)
        emptyTokens = .allocate(capacity: max(1, guided ? rows * L : 0))
        emptyTokens.initialize(repeating: 0, count: max(1, guided ? rows * L : 0))
    }

    deinit { emptyTokens.deallocate() }
}

/// Velocity with optional classifier-free guidance: v_u + scale·(v_c − v_u).
struct CFGVelocity {
    let network: VelocityNetwork
    let scale: Float

    /// v (n, D) at x, σ and captions; points into the network's output or the workspace, valid
    /// until the next forward.
    func velocity(params: Parameters, x: UnsafePointer<Float>, sigma: UnsafePointer<Float>,
                  tokens: UnsafePointer<Int32>, batch n: Int, workspace ws: RolloutWorkspace) -> UnsafePointer<Float> {
        let D = network.config.imageElements
        network.forward(params, x: x, sigma: sigma, tokens: tokens, batch: n)
        guard scale != 1 else { return network.output }
        let v = ws.velocity
        copy(v, network.output, n * D)
        network.forward(params, x: x, sigma: sigma, tokens: ws.emptyTokens, batch: n)
        let u = network.output
        for j in 0..<(n * D) { v[j] = u[j] + scale * (v[j] - u[j]) }
        return UnsafePointer(v)
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

extension RolloutBatch {
    /// Runs `body` with raw pointers to the states, the stored means and the caption ids, so hot
    /// loops index them without bounds or copy-on-write checks.
    func withTrajectory<T>(_ body: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Int32>) throws -> T) rethrows -> T {
        try states.withUnsafeBufferPointer { S in
            try means.withUnsafeBufferPointer { M in
                try tokens.withUnsafeBufferPointer { T in try body(S.baseAddress!, M.baseAddress!, T.baseAddress!) }
            }
        }
    }
}

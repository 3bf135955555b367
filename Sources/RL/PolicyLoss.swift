/// What a policy loss sees of a mini-batch: one row per (trajectory, trained step).
///
/// Rows of one trajectory are contiguous and ordered by step, so sequence-level losses (GSPO,
/// SSPO) can group them.
public struct PolicyBatch: Sendable {
    /// Advantage of the row's trajectory.
    public var advantages: [Float]
    /// log p_θ(x_{k+1} | x_k) under the current weights (mean over elements).
    public var logpNew: [Float]
    /// log p_old stored at rollout time.
    public var logpOld: [Float]
    /// mean_d (μ_θ − μ_old)²: the deterministic part of the log-ratio, b_k = this / (2 s_k²).
    public var meanSquaredShift: [Float]
    /// s_k, the step's standard deviation.
    public var std: [Float]
    /// dt_k = σ_{k+1} − σ_k (negative).
    public var dt: [Float]
    /// Step index k of the row.
    public var step: [Int]
    /// Index of the row's trajectory within the mini-batch.
    public var trajectory: [Int]
    /// Trained steps per trajectory (K).
    public var stepsPerTrajectory: Int

    public var count: Int { advantages.count }
}

/// A policy loss's value, its gradient and what it wants logged.
public struct PolicyLossOutput: Sendable {
    /// Mean loss over the rows.
    public var loss: Float
    /// dL/d(logp_new) per row.
    public var dLogp: [Float]
    /// dL/d(meanSquaredShift) per row (non-zero only for losses that remove the ratio's shift).
    public var dShift: [Float]
    /// The log importance ratio each row was judged by (after any normalisation).
    public var logRatio: [Float]
    /// Whether the row's gradient was cut by clipping.
    public var clipped: [Bool]
    /// Per-row weight the loss gave the row (1 unless reweighted), for diagnostics.
    public var weight: [Float]
}

extension PolicyLossOutput {
    /// An output for `rows` rows: zero loss and gradients, no clipping, unit weights.
    public init(rows n: Int) {
        self.init(loss: 0, dLogp: .init(repeating: 0, count: n), dShift: .init(repeating: 0, count: n),
                  logRatio: .init(repeating: 0, count: n), clipped: .init(repeating: false, count: n),
                  weight: .init(repeating: 1, count: n))
    }
}

/// A policy-gradient surrogate for flow rollouts (Flow-GRPO, GRPO-Guard, GSPO, …).
///
/// The trainer computes log-probs and the ratio ingredients; a loss turns them into a value and
/// gradients per row and knows nothing about networks. `endIteration` lets adaptive losses (BAPO)
/// update their state once per iteration from what the iteration's rows looked like.
public protocol PolicyLoss: Sendable {
    var name: String { get }
    /// The clip range in use, as (lower, upper) bounds on the ratio, for the 2×2 split metrics.
    var clipBounds: (lower: Float, upper: Float) { get }
    func evaluate(_ batch: PolicyBatch) -> PolicyLossOutput
    /// Called after each iteration's updates with every row's output of that iteration.
    mutating func endIteration(batches: [PolicyBatch], outputs: [PolicyLossOutput])
    /// Adaptive state to save in checkpoints (empty for stateless losses).
    var state: [String: Double] { get set }
}

extension PolicyLoss {
    public mutating func endIteration(batches: [PolicyBatch], outputs: [PolicyLossOutput]) {}
    public var state: [String: Double] {
        get { [:] }
        set {}
    }
}

/// PPO's clipped surrogate for one row: max(−A·ρ, −A·clip(ρ, lo, hi)).
/// Returns the loss, dL/dρ and whether the clipped branch was active (gradient cut).
@inline(__always)
func clippedSurrogate(advantage a: Float, ratio rho: Float, lower: Float, upper: Float) -> (Float, Float, Bool) {
    let unclipped = -a * rho
    let clippedRatio = min(max(rho, lower), upper)
    let clipped = -a * clippedRatio
    if clipped > unclipped { return (clipped, 0, true) }
    return (unclipped, -a, false)
}

/// GSPO (Zheng et al. 2025, "Group Sequence Policy Optimization", arXiv 2507.18071): one importance
/// ratio per trajectory, the geometric mean of its step ratios,
///
///     s_i = exp((1/K)·Σ_k (logp_θ − logp_old)_{i,k}),   L = mean_i max(−A_i·s_i, −A_i·clip(s_i, 1−ε, 1+ε))
///
/// clipped once per trajectory, so a trajectory is kept or dropped as a whole, matching a reward
/// that is given per image rather than per step. Each row's gradient is (1/K) of its trajectory's.
///
/// When to use: when per-step ratios are too noisy to clip well (few elements per step, many steps).
/// ε: averaging K step log-ratios shrinks their noise by up to √K (3× for K = 9), so the same
/// `clip_epsilon` clips less than Flow-GRPO's; GSPO's authors use a much smaller ε for the same reason.
public struct GSPOLoss: PolicyLoss {
    public let name = "gspo"
    public var epsilon: Float

    public init(epsilon: Float) { self.epsilon = epsilon }

    public var clipBounds: (lower: Float, upper: Float) { (1 - epsilon, 1 + epsilon) }

    public func evaluate(_ b: PolicyBatch) -> PolicyLossOutput {
        SequenceRatio(b, segmentSteps: nil).evaluate(b, lower: 1 - epsilon, upper: 1 + epsilon)
    }
}

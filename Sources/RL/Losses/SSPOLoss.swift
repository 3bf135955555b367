/// Segment-level ratio, after SSPO (Yang et al. 2025, "SSPO: Subsentence-level Policy
/// Optimization", arXiv 2511.04256): between Flow-GRPO's per-step ratio and GSPO's per-trajectory
/// one, each trajectory is cut into segments of `segmentSteps` consecutive denoising steps (the
/// last may be shorter), and each segment gets the geometric mean of its step ratios, clipped once:
///
///     ρ_seg = exp(mean_{k ∈ seg}(logp_θ − logp_old)_k),   L = mean_rows max(−A·ρ_seg, −A·clip(ρ_seg, 1−ε, 1+ε))
///
/// segmentSteps = 1 is Flow-GRPO and segmentSteps ≥ K is GSPO, exactly. SSPO's entropy-dependent
/// clip bounds are not reproduced: a flow step's Gaussian has a fixed entropy (s_k is not learned).
///
/// When to use: coarse/mid/fine denoising phases behave differently; a segment ratio clips a phase
/// as a unit without letting one noisy step drop a whole trajectory (GSPO's failure mode).
public struct SSPOLoss: PolicyLoss {
    public let name = "sspo"
    public var epsilon: Float
    public var segmentSteps: Int

    public init(epsilon: Float, segmentSteps: Int) {
        self.epsilon = epsilon; self.segmentSteps = max(segmentSteps, 1)
    }

    public var clipBounds: (lower: Float, upper: Float) { (1 - epsilon, 1 + epsilon) }

    public func evaluate(_ b: PolicyBatch) -> PolicyLossOutput {
        SequenceRatio(b, segmentSteps: segmentSteps).evaluate(b, lower: 1 - epsilon, upper: 1 + epsilon)
    }
}

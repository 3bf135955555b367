/// ST-PPO-style loss (after Li et al. 2025, "ST-PPO: Stabilized Off-Policy Proximal Policy
/// Optimization for Multi-Turn Agents", arXiv 2511.20718): turn-level importance ratios plus a
/// clipping-bias correction that down-weights highly off-policy samples.
///
/// - "Turns" are segments of `segmentSteps` denoising steps with a geometric-mean ratio, exactly
///   as in `SSPOLoss` (segmentSteps = 1 gives the paper's S-PPO variant: per-step ratios).
/// - Correction. PPO's clip zeroes the gradient only on the side the advantage pushes; a unit whose
///   ratio has drifted far the other way (A < 0 with ρ ≫ 1+ε, or A > 0 with ρ ≪ 1−ε) still gets the
///   full, unbounded −A·ρ gradient from stale data. Each unit gets a weight, held constant in the
///   gradient (stop-gradient):
///
///       d = |log ρ_g|,  t = τ·ε,   w_g = 1 if d ≤ t,  else t/d
///
///   so units inside τ trust-region widths are untouched and the gradient of a unit further out
///   decays like 1/d. τ is `st_ppo_tolerance` (default 2).
///
/// Honesty note: we could not obtain the paper's exact normalisation (its Eq. 8) from the sources
/// available here; the paper describes it as "normalizes gradients by downweighting unreliable,
/// highly off-policy samples". The rule above is our own reading of that, not a transcription.
///
/// When to use: many inner epochs or mini-batches per rollout (stale data), where some rows drift
/// far from the sampling policy and a few large unclipped gradients dominate the update.
public struct STPPOLoss: PolicyLoss {
    public let name = "st-ppo"
    public var epsilon: Float
    public var segmentSteps: Int
    /// τ: the down-weighting starts τ trust-region widths (τ·ε in log-ratio) away from ratio 1.
    public var tolerance: Float

    public init(epsilon: Float, segmentSteps: Int, tolerance: Float) {
        self.epsilon = epsilon; self.segmentSteps = max(segmentSteps, 1); self.tolerance = tolerance
    }

    public var clipBounds: (lower: Float, upper: Float) { (1 - epsilon, 1 + epsilon) }

    /// The correction weight of each row (its unit's w_g) at the batch's current ratios.
    public func weights(_ b: PolicyBatch) -> [Float] {
        let units = SequenceRatio(b, segmentSteps: segmentSteps)
        let w = unitWeights(units.logRatios(b))
        return units.unitOfRow.map { w[$0] }
    }

    public func evaluate(_ b: PolicyBatch) -> PolicyLossOutput {
        let units = SequenceRatio(b, segmentSteps: segmentSteps)
        return units.evaluate(b, lower: 1 - epsilon, upper: 1 + epsilon, unitWeights: unitWeights(units.logRatios(b)))
    }

    /// The surrogate with the correction weights held at `rowWeights` (the gradient `evaluate`
    /// reports is this function's derivative; tests difference it).
    func evaluate(_ b: PolicyBatch, frozenWeights rowWeights: [Float]) -> PolicyLossOutput {
        let units = SequenceRatio(b, segmentSteps: segmentSteps)
        return units.evaluate(b, lower: 1 - epsilon, upper: 1 + epsilon, unitWeights: units.rows.map { rowWeights[$0[0]] })
    }

    func unitWeights(_ logRatios: [Float]) -> [Float] {
        let t = tolerance * epsilon
        return logRatios.map { lr in
            let d = abs(lr)
            return d <= t ? 1 : t / d
        }
    }
}

/// GRPO-Guard's gradient reweighting across timesteps (arXiv 2510.22319): step k's loss is
/// multiplied by 1/|dt_k|, normalised so the weights of the trained steps average to 1.
///
/// Why 1/|dt|: μ = xCoef·x + vCoef·v with vCoef ∝ dt, so the gradient that reaches the velocity
/// network from step k carries a factor |dt_k|. Under our shifted schedule (T = 10, shift 3) dt
/// ranges over 5× (−0.036 … −0.179), so without reweighting the low-noise steps dominate the update.
/// Normalising to mean 1 keeps the overall step size comparable to Flow-GRPO's (the reference
/// implementations divide by |dt| unnormalised and retune the learning rate instead).
public enum StepReweighting {
    /// Weights 1/|dt_k| / mean_j(1/|dt_j|) for the given steps' dt.
    public static func weights(dt: [Float]) -> [Float] {
        let inv = dt.map { 1 / Double(abs($0)) }
        let mean = inv.reduce(0, +) / Double(max(inv.count, 1))
        return inv.map { Float($0 / mean) }
    }

    /// Per-row weights for a mini-batch: normalised over the distinct trained steps present
    /// (every trajectory of a mini-batch carries all K trained steps, so that is 0..<K).
    public static func rowWeights(_ b: PolicyBatch) -> [Float] {
        var dtOfStep: [Int: Float] = [:]
        for r in 0..<b.count where dtOfStep[b.step[r]] == nil { dtOfStep[b.step[r]] = b.dt[r] }
        let steps = dtOfStep.keys.sorted()
        let w = weights(dt: steps.map { dtOfStep[$0]! })
        var byStep: [Int: Float] = [:]
        for (i, k) in steps.enumerated() { byStep[k] = w[i] }
        return (0..<b.count).map { byStep[b.step[$0]]! }
    }
}

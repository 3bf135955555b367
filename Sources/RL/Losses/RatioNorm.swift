/// GRPO-Guard's ratio normalisation (Wang et al. 2025, arXiv 2510.22319, "RatioNorm").
///
/// With Δμ = μ_θ − μ_old and x' = μ_old + s·ξ, the per-element-mean log-ratio of one SDE step is
///
///     log ρ = logp_θ − logp_old = mean_d(Δμ_d·ξ_d)/s − mean_d(Δμ_d²)/(2s²)
///
/// The second term is never positive, so ρ sits left of 1 (positive-advantage rows seldom reach
/// 1+ε), and the 1/s in front of the first makes its spread depend on the timestep. RatioNorm adds
/// the shift back and multiplies by s:
///
///     b = mean_d(Δμ_d²)/(2s²),   log ρ̂ = s·(logp_θ − logp_old + b) = mean_d(Δμ_d·ξ_d)
///
/// so every step's ratio is centred on 1 with a spread that no longer carries 1/s.
public enum RatioNorm {
    /// b = meanSquaredShift / (2s²), the deterministic part of −log ρ.
    @inline(__always)
    public static func shift(meanSquaredShift msd: Float, std s: Float) -> Float {
        msd / (2 * s * s)
    }

    /// log ρ̂ = s·(logp_θ − logp_old + b).
    @inline(__always)
    public static func logRatio(logpNew: Float, logpOld: Float, meanSquaredShift msd: Float, std s: Float) -> Float {
        s * (logpNew - logpOld + shift(meanSquaredShift: msd, std: s))
    }

    /// ∂log ρ̂/∂logp_θ = s and ∂log ρ̂/∂meanSquaredShift = s/(2s²) = 1/(2s); the trainer turns
    /// these into dL/dμ, where they combine to (x' − μ_old)/(s·D) = ξ/D: RatioNorm's gradient
    /// w.r.t. μ_θ does not depend on the step's noise level at all.
    @inline(__always)
    public static func partials(std s: Float) -> (dLogp: Float, dShift: Float) {
        (s, 1 / (2 * s))
    }
}

import Foundation

/// Advantage Weighted Matching (Xue et al. 2025, "Advantage Weighted Matching: Aligning RL with
/// Pretraining in Diffusion Models", arXiv 2509.25050): the pretraining flow-matching loss on the
/// policy's own samples, weighted by their advantage. The paper reads the (weighted) matching loss
/// as a log-likelihood, ℓ_θ = −w(t, ‖v_θ − v*‖²), and trains it with a policy-gradient surrogate
/// whose step size is controlled the PPO way plus a proximal term:
///
///   ρ = exp(ℓ_θ − ℓ_old),   Â = A / A_max,
///   L = max(−Â·ρ, −Â·clip(ρ, 1 − c, 1 + c)) + β_old · mean_d (v_θ − v_old)²,
///
/// with m = mean_d (v − v*)² and the weightings w of the authors' code
/// (scxue/advantage_weighted_matching, scripts/train_sd3_awm.py, compute_log_prob_awm):
/// `uniform` w = m, `t` w = t·m, `ghuber` w = (t/p)·((m + 1e-10)^p − 1e-10^p) (their default,
/// p = 0.25: a generalised Huber that keeps large-error samples from dominating). Also from that
/// code: the advantage scaled into [−1, 1] by its clip (advantage_max = 1), the clip range c = 1
/// (loss_type exp_first: one ratio per (sample, t)), the proximal weight ema_beta = 1 on the
/// velocity distance to the slowly updated copy (kl_ema_weight Uniform), which with
/// off_policy = True also samples and gives ℓ_old — the trainer's old policy. Flow-Factory's
/// trainers/awm.py (same loss, `ema_kl_beta`, `clip_range`) was read alongside.
///
/// Gradient: ∂L/∂v_θ,d = ∂L/∂ρ · ρ · ℓ'(m) · 2(v_d − v*_d)/D + 2β_old (v_d − v_old,d)/D, with
/// ℓ'(m) = −1, −t or −t·(m + 1e-10)^(p − 1); ∂L/∂ρ = −Â, or 0 where the clip is active.
public struct AWMLoss: ForwardLoss {
    public enum Weighting: String, CaseIterable, Sendable { case uniform, t, ghuber }

    public let name = "awm"
    public var weighting: Weighting
    public var ghuberPower: Float
    /// Ratio clip range c.
    public var clip: Float
    /// β_old, the weight of mean_d (v_θ − v_old)².
    public var oldKL: Float
    /// A_max: Â = A / A_max.
    public var advantageMax: Float

    public init(weighting: Weighting, ghuberPower: Float, clip: Float, oldKL: Float, advantageMax: Float) {
        self.weighting = weighting; self.ghuberPower = ghuberPower; self.clip = clip
        self.oldKL = oldKL; self.advantageMax = advantageMax
    }

    static let huberEpsilon = 1e-10

    /// ℓ(m) and dℓ/dm at noise level t.
    func logLikelihood(meanSquaredError m: Double, t: Double) -> (Double, Double) {
        switch weighting {
        case .uniform: return (-m, -1)
        case .t: return (-t * m, -t)
        case .ghuber:
            let p = Double(ghuberPower), e = Self.huberEpsilon
            return (-(pow(m + e, p) - pow(e, p)) * t / p, -t * pow(m + e, p - 1))
        }
    }

    public func evaluate(_ row: ForwardRow, gradient g: UnsafeMutablePointer<Float>) -> ForwardRowOutput {
        let D = row.count, v = row.policy, o = row.old, y = row.target
        var m = 0.0, mOld = 0.0, anchor = 0.0
        for d in 0..<D {
            let e = Double(v[d] - y[d]), eo = Double(o[d] - y[d]), a = Double(v[d] - o[d])
            m += e * e; mOld += eo * eo; anchor += a * a
        }
        m /= Double(D); mOld /= Double(D); anchor /= Double(D)
        let t = Double(row.t)
        let (l, dl) = logLikelihood(meanSquaredError: m, t: t)
        let lOld = logLikelihood(meanSquaredError: mOld, t: t).0
        let rho = Foundation.exp(l - lOld)
        let a = row.advantage / advantageMax
        let (surrogate, dRho, clipped) = clippedSurrogate(advantage: a, ratio: Float(rho), lower: 1 - clip, upper: 1 + clip)
        var out = ForwardRowOutput()
        out.ratio = rho; out.clipped = clipped
        out.anchor = Double(oldKL) * anchor
        out.loss = Double(surrogate) + out.anchor
        let cm = Float(Double(dRho) * rho * dl * 2 / Double(D)), ca = 2 * oldKL / Float(D)
        for d in 0..<D { g[d] = cm * (v[d] - y[d]) + ca * (v[d] - o[d]) }
        return out
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// BAPO (Xi et al. 2025, "BAPO: Stabilizing Off-Policy Reinforcement Learning for LLMs via Balanced
/// Policy Optimization with Adaptive Clipping", arXiv 2510.18927): the per-step PPO surrogate with
/// asymmetric bounds [1 − ε_low, 1 + ε_high] that move so that positive-advantage rows keep a
/// target share ρ₀ (`bapo_target`, default 0.5) of the loss.
///
/// Positive share of an iteration = Σ_{A>0, not clipped} |A·ρ| / Σ_{not clipped} |A·ρ| — the rows
/// whose gradient the clip did not cut, as in the paper's indicator form. (The authors' verl
/// recipe sums clipped loss values instead; with that measure raising the lower bound makes the
/// negative side larger, the opposite of the intent, so we use the indicator form.)
///
/// Adaptation. The paper searches the bounds afresh for every update, starting from (a⁻, a⁺) and
/// raising c_low first, then c_high, in fixed steps until the share reaches ρ₀. Our first
/// mini-batch of each iteration is exactly on-policy (every ratio is 1), so a per-update search
/// would see nothing to balance there; instead the bounds move one step per iteration in
/// `endIteration` from the share the iteration measured, and persist (`state`, saved in checkpoints):
/// - share < ρ₀: raise c_low (ε_low −= δ, drops more over-pushed negative rows) until ε_low is at
///   its minimum, then raise c_high (ε_high += δ, admits more positive rows);
/// - share > ρ₀: undo in reverse order, back toward the start bounds, never past them.
/// Ranges are the paper's LLM ranges (c_low ∈ [0.6, 0.9], c_high ∈ [1.2, 3.0] around PPO's ε = 0.2)
/// expressed in units of our ε = `clip_epsilon`: ε_low ∈ [0.5ε, 2ε] starting at 2ε, ε_high ∈ [ε, 10ε]
/// starting at ε; the step δ = ε/4 is our choice.
///
/// When to use: when negative-advantage rows dominate the update (a reward most samples fail on)
/// and the policy collapses toward "avoid everything" instead of learning what works.
public struct BAPOLoss: PolicyLoss {
    public let name = "bapo"
    public let epsilon: Float
    public let target: Float
    public private(set) var epsilonLow: Float
    public private(set) var epsilonHigh: Float
    /// The positive share measured by the last `endIteration` (nan before the first).
    public private(set) var positiveShare: Float = .nan

    public init(epsilon: Float, target: Float) {
        self.epsilon = epsilon; self.target = target
        epsilonLow = 2 * epsilon; epsilonHigh = epsilon
    }

    public var lowRange: ClosedRange<Float> { 0.5 * epsilon...2 * epsilon }
    public var highRange: ClosedRange<Float> { epsilon...10 * epsilon }
    var step: Float { epsilon / 4 }

    public var clipBounds: (lower: Float, upper: Float) { (1 - epsilonLow, 1 + epsilonHigh) }

    public func evaluate(_ b: PolicyBatch) -> PolicyLossOutput {
        let n = b.count
        var out = PolicyLossOutput(rows: n)
        let (lower, upper) = clipBounds
        var total: Double = 0
        for r in 0..<n {
            let logRatio = b.logpNew[r] - b.logpOld[r]
            let rho = expf(logRatio)
            let (l, dRho, cut) = clippedSurrogate(advantage: b.advantages[r], ratio: rho, lower: lower, upper: upper)
            total += Double(l)
            out.dLogp[r] = dRho * rho / Float(n)
            out.logRatio[r] = logRatio
            out.clipped[r] = cut
        }
        out.loss = Float(total / Double(max(n, 1)))
        return out
    }

    /// Σ_{A>0} / Σ over rows not cut by the clip of |A·ρ| (nil when nothing contributed).
    public static func positiveShare(batches: [PolicyBatch], outputs: [PolicyLossOutput]) -> Float? {
        var positive = 0.0, all = 0.0
        for (b, o) in zip(batches, outputs) {
            for r in 0..<b.count where !o.clipped[r] {
                let c = Double(abs(b.advantages[r])) * exp(Double(o.logRatio[r]))
                all += c
                if b.advantages[r] > 0 { positive += c }
            }
        }
        return all > 0 ? Float(positive / all) : nil
    }

    public mutating func endIteration(batches: [PolicyBatch], outputs: [PolicyLossOutput]) {
        guard let share = BAPOLoss.positiveShare(batches: batches, outputs: outputs), share.isFinite else { return }
        positiveShare = share
        if share < target {
            if epsilonLow > lowRange.lowerBound {
                epsilonLow = max(lowRange.lowerBound, epsilonLow - step)
            } else if epsilonHigh < highRange.upperBound {
                epsilonHigh = min(highRange.upperBound, epsilonHigh + step)
            }
        } else if share > target {
            if epsilonHigh > highRange.lowerBound {
                epsilonHigh = max(highRange.lowerBound, epsilonHigh - step)
            } else if epsilonLow < lowRange.upperBound {
                epsilonLow = min(lowRange.upperBound, epsilonLow + step)
            }
        }
    }

    /// `bapo_epsilon_low`, `bapo_epsilon_high`, `bapo_positive_share`; values restored from a
    /// checkpoint are clamped into the ranges of the current ε (a resumed run may change ε).
    public var state: [String: Double] {
        get {
            var s = ["bapo_epsilon_low": Double(epsilonLow), "bapo_epsilon_high": Double(epsilonHigh)]
            if positiveShare.isFinite { s["bapo_positive_share"] = Double(positiveShare) }
            return s
        }
        set {
            if let v = newValue["bapo_epsilon_low"], v.isFinite { epsilonLow = min(max(Float(v), lowRange.lowerBound), lowRange.upperBound) }
            if let v = newValue["bapo_epsilon_high"], v.isFinite { epsilonHigh = min(max(Float(v), highRange.lowerBound), highRange.upperBound) }
            if let v = newValue["bapo_positive_share"], v.isFinite { positiveShare = Float(v) }
        }
    }
}

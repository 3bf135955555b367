/// DiffusionNFT's negative-aware flow-matching loss (Zheng et al. 2025, "DiffusionNFT: Online
/// Diffusion Reinforcement with Forward Process", arXiv 2509.16117):
///
///   r  = clip(½ + ½·A/A_max, 0, 1)                    the optimality probability of the sample,
///   v⁺ = (1 − β)·v_old + β·v_θ,   v⁻ = (1 + β)·v_old − β·v_θ      the implicit positive / negative policies,
///   L  = [ r·‖v⁺ − v*‖²_w + (1 − r)·‖v⁻ − v*‖²_w ] / β,
///
/// the paper's policy-optimization objective with its adaptive (self-normalised) weighting: each
/// squared error is taken on the x₀ prediction x̂ = x_t − t·v, i.e. on e = x̂ − x₀ = t·(v* − v), and
/// divided by the stop-gradient mean absolute error w = max(mean_d |e_d|, 1e-5) of that row, so
/// ‖v − v*‖²_w = mean_d e_d² / w. That makes every row's loss O(|e|) whatever t, so no noise level
/// dominates. Followed in detail: the authors' code (NVlabs/DiffusionNFT, scripts/train_nft_sd3.py:
/// r from the advantage clipped at adv_clip_max = 5, x0_prediction, the weight_factor in float64
/// clipped at 1e-5, ori_policy_loss = r·positive/β + (1 − r)·negative/β) and Flow-Factory's
/// trainers/nft.py. Not taken: the code's extra constant factor adv_clip_max on the loss (a
/// rescaling Adam undoes, except through gradient clipping).
///
/// Gradient (w held fixed): ∂L/∂v_θ,d = (2t/D)·[ (1 − r)·e⁻_d/w⁻ − r·e⁺_d/w⁺ ]; at θ = old it is
/// −(2t/D)·(A/A_max)·e_d/w, which lowers the flow-matching error of samples with A > 0 and raises
/// that of samples with A < 0.
public struct NFTLoss: ForwardLoss {
    public let name = "diffusion-nft"
    /// β of the implicit policies.
    public var beta: Float
    /// A_max: advantages are mapped to r on [−A_max, A_max] (the trainer's advantage clip).
    public var advantageMax: Float

    public init(beta: Float, advantageMax: Float) {
        self.beta = beta; self.advantageMax = advantageMax
    }

    /// r = clip(½ + ½·A/A_max, 0, 1).
    public func optimality(_ a: Float) -> Float { min(max(0.5 + 0.5 * a / advantageMax, 0), 1) }

    public func evaluate(_ row: ForwardRow, gradient g: UnsafeMutablePointer<Float>) -> ForwardRowOutput {
        let D = row.count, t = row.t, b = beta
        let v = row.policy, o = row.old, y = row.target
        let r = optimality(row.advantage)
        // e± = t·(v* − v±); the mean |e±| and mean e±² in double, as the reference code does.
        var absP = 0.0, absN = 0.0, sqP = 0.0, sqN = 0.0
        for d in 0..<D {
            let ep = t * (y[d] - ((1 - b) * o[d] + b * v[d]))
            let en = t * (y[d] - ((1 + b) * o[d] - b * v[d]))
            absP += Double(abs(ep)); absN += Double(abs(en))
            sqP += Double(ep) * Double(ep); sqN += Double(en) * Double(en)
        }
        let wP = max(absP / Double(D), 1e-5), wN = max(absN / Double(D), 1e-5)
        var out = ForwardRowOutput()
        out.r = Double(r)
        out.positive = Double(r) * (sqP / Double(D) / wP) / Double(b)
        out.negative = Double(1 - r) * (sqN / Double(D) / wN) / Double(b)
        out.loss = out.positive + out.negative
        let cP = Float(-2 * Double(t) * Double(r) / (Double(D) * wP))
        let cN = Float(2 * Double(t) * Double(1 - r) / (Double(D) * wN))
        for d in 0..<D {
            let ep = t * (y[d] - ((1 - b) * o[d] + b * v[d]))
            let en = t * (y[d] - ((1 + b) * o[d] - b * v[d]))
            g[d] = cP * ep + cN * en
        }
        return out
    }
}

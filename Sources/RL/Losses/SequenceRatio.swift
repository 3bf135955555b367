#if canImport(Glibc)
import Glibc
#endif

/// Importance ratios over units longer than one denoising step: GSPO's whole trajectory, SSPO's
/// segments of consecutive steps, ST-PPO's "turns".
///
/// A unit's log-ratio is the mean of its rows' step log-ratios, i.e. the log of the geometric
/// mean of the step ratios (GSPO's length-normalised sequence ratio). The unit is clipped once and
/// the loss is the mean over rows of the row's unit surrogate — each unit weighted by its number of
/// rows — so units of one step are Flow-GRPO and units of K steps are GSPO, exactly. With
/// L = (1/N)·Σ_g n_g·w_g·ℓ_g(log ρ_g) and ∂log ρ_g/∂logp_r = 1/n_g, every row of unit g gets
/// dL/dlogp_r = w_g·ℓ'_g/N, where ℓ'_g = dℓ/dlog ρ_g.
struct SequenceRatio {
    /// Unit of each row, and the rows of each unit.
    let unitOfRow: [Int]
    let rows: [[Int]]

    /// Units of `segmentSteps` consecutive steps inside each trajectory (nil: whole trajectories).
    init(_ b: PolicyBatch, segmentSteps: Int?) {
        var index: [Int: Int] = [:]
        var unitOfRow = [Int](repeating: 0, count: b.count)
        var rows: [[Int]] = []
        let perTrajectory = max(b.stepsPerTrajectory, (b.step.max() ?? 0) + 1)
        for r in 0..<b.count {
            let segment = segmentSteps.map { b.step[r] / max($0, 1) } ?? 0
            let key = b.trajectory[r] * perTrajectory + segment
            let u: Int
            if let known = index[key] { u = known } else { u = rows.count; index[key] = u; rows.append([]) }
            unitOfRow[r] = u
            rows[u].append(r)
        }
        self.unitOfRow = unitOfRow
        self.rows = rows
    }

    var count: Int { rows.count }

    /// log ρ_g = mean over the unit's rows of (logp_θ − logp_old).
    func logRatios(_ b: PolicyBatch) -> [Float] {
        rows.map { members in
            let sum = members.reduce(0.0) { $0 + Double(b.logpNew[$1] - b.logpOld[$1]) }
            return Float(sum / Double(members.count))
        }
    }

    /// The clipped surrogate per unit on [lower, upper], with optional per-unit weights that are
    /// held constant in the gradient (stop-gradient, as importance-weight corrections are).
    func evaluate(_ b: PolicyBatch, lower: Float, upper: Float, unitWeights: [Float]? = nil) -> PolicyLossOutput {
        let n = b.count
        var out = PolicyLossOutput(rows: n)
        let logRatio = logRatios(b)
        var total: Double = 0
        for (u, members) in rows.enumerated() {
            let w = unitWeights?[u] ?? 1
            let rho = expf(logRatio[u])
            // Rows of a unit belong to one trajectory and share its advantage.
            let (l, dRho, cut) = clippedSurrogate(advantage: b.advantages[members[0]], ratio: rho, lower: lower, upper: upper)
            total += Double(w * l) * Double(members.count)
            let g = w * dRho * rho / Float(n)
            for r in members {
                out.dLogp[r] = g
                out.logRatio[r] = logRatio[u]
                out.clipped[r] = cut
                out.weight[r] = w
            }
        }
        out.loss = Float(total / Double(max(n, 1)))
        return out
    }
}

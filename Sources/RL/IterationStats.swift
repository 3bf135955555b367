import Cluster
import Foundation
import Rewards

/// Sum of ‖dL/dv‖ per trained step over an iteration's mini-batches (cheap, every iteration).
struct StepNormAccumulator: Sendable {
    var sums: [Double] = []

    /// ‖dL/dv‖² per trained step over R rows of dv (row r is step r mod K); squares add across ranks.
    static func squaredNorms(dv: UnsafePointer<Float>, rows R: Int, K: Int, D: Int) -> [Double] {
        var sq = [Double](repeating: 0, count: K)
        for r in 0..<R {
            var s = 0.0
            for d in 0..<D { let g = Double(dv[r * D + d]); s += g * g }
            sq[r % K] += s
        }
        return sq
    }

    /// Adds one mini-batch's norms, given their squares per step.
    mutating func add(squaredNorms sq: ArraySlice<Double>) {
        if sums.isEmpty { sums = [Double](repeating: 0, count: sq.count) }
        for (k, v) in sq.enumerated() { sums[k] += v.squareRoot() }
    }
}

/// What one GRPO iteration measured; `record` is its line in metrics.jsonl. Metric names follow
/// flow_grpo / ddpo-pytorch where the meaning is the same.
public struct IterationStats: Sendable {
    public var iteration: Int
    public var trainedSteps: Int
    public var rolloutSeconds = 0.0, rewardSeconds = 0.0, updateSeconds = 0.0
    public var rewardMean: Float = 0, rewardStd: Float = 0
    /// The proxy reward of every sample, in sample order (prompt p's sample g at p·G + g).
    public var rewards: [Float] = []
    public var rewardByCategory: [String: Float] = [:]
    public var rewardComponents: [String: Float] = [:]
    public var zeroStdRatio: Float = 0
    public var lr: Float = 0
    /// Set when the iteration's update was skipped, with the cause.
    public var skipped: String?
    public var policyLoss: Float = 0, kl: Float = 0, gradNorm: Float = 0
    public var approxKL: Float = 0, clipFraction: Float = 0
    /// Share of rows in {A>0, A<0} × {ρ > upper, ρ < lower}.
    public var clipSplit: [String: Float] = [:]
    public var logRatioMeanPerStep: [Float] = [], logRatioStdPerStep: [Float] = []
    public var rawLogRatioMeanPerStep: [Float] = []
    public var ratioMean: Float = 0
    public var gradNormPerStep: [Float] = []
    /// An adaptive loss's state after the iteration (BAPO's bounds), logged as loss_<key>.
    public var lossState: [String: Double] = [:]
    /// An algorithm's own metrics (the forward-process trainers' loss parts, mean r, drift of the
    /// old policy), logged under their keys as they are.
    public var algorithmMetrics: [String: Double] = [:]
    var outputGradNormPerStepSum = StepNormAccumulator()
    var updates = 0
    /// Ranks of the job; with more than one, the seconds this rank spent waiting for the others
    /// and in collective transfers (allreduce, allgather) are logged too.
    public var ranks = 1
    public var waitSeconds = 0.0, communicationSeconds = 0.0

    init(iteration: Int, trainedSteps: Int) {
        self.iteration = iteration
        self.trainedSteps = trainedSteps
    }

    mutating func recordRewards(_ s: RewardScores, prompts: [String], categories: [String: String]) {
        rewards = s.total
        let t = s.total.map(Double.init)
        let m = t.reduce(0, +) / Double(max(t.count, 1))
        rewardMean = Float(m)
        rewardStd = Float((t.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(max(t.count, 1))).squareRoot())
        var sum: [String: (Double, Int)] = [:]
        for (i, p) in prompts.enumerated() {
            let c = categories[p] ?? "other"
            sum[c, default: (0, 0)].0 += t[i]; sum[c, default: (0, 0)].1 += 1
        }
        rewardByCategory = sum.mapValues { Float($0.0 / Double($0.1)) }
        rewardComponents = s.components.mapValues { v in v.reduce(0, +) / Float(max(v.count, 1)) }
    }

    /// The collective's time since `start` (its timing at the iteration's start).
    mutating func recordCommunication(_ c: any Collective, since start: CollectiveTiming) {
        ranks = c.size
        waitSeconds = c.timing.waitSeconds - start.waitSeconds
        communicationSeconds = c.timing.transferSeconds - start.transferSeconds
    }

    mutating func addUpdate(policyLoss: Float, kl: Float, gradNorm: Float) {
        self.policyLoss += policyLoss; self.kl += kl; self.gradNorm += gradNorm
        updates += 1
    }

    mutating func finish(batches: [PolicyBatch], outputs: [PolicyLossOutput], bounds: (lower: Float, upper: Float)) {
        if updates > 0 {
            policyLoss /= Float(updates); kl /= Float(updates); gradNorm /= Float(updates)
        }
        let K = trainedSteps
        var sum = [Double](repeating: 0, count: K), sq = sum, raw = sum, count = sum
        var approx = 0.0, clipped = 0.0, rows = 0.0, ratioSum = 0.0
        var split = ["pos_high": 0.0, "pos_low": 0.0, "neg_high": 0.0, "neg_low": 0.0]
        for (b, o) in zip(batches, outputs) {
            for r in 0..<b.count {
                let k = b.step[r], lr = Double(o.logRatio[r]), d = Double(b.logpNew[r] - b.logpOld[r])
                sum[k] += lr; sq[k] += lr * lr; raw[k] += d; count[k] += 1
                approx += 0.5 * d * d
                clipped += o.clipped[r] ? 1 : 0
                rows += 1
                let rho = Float(Foundation.exp(lr))
                ratioSum += Double(rho)
                let a = b.advantages[r]
                if a > 0, rho > bounds.upper { split["pos_high"]! += 1 }
                if a > 0, rho < bounds.lower { split["pos_low"]! += 1 }
                if a < 0, rho > bounds.upper { split["neg_high"]! += 1 }
                if a < 0, rho < bounds.lower { split["neg_low"]! += 1 }
            }
        }
        if rows > 0 {
            approxKL = Float(approx / rows); clipFraction = Float(clipped / rows); ratioMean = Float(ratioSum / rows)
            clipSplit = split.mapValues { Float($0 / rows) }
        }
        logRatioMeanPerStep = (0..<K).map { count[$0] > 0 ? Float(sum[$0] / count[$0]) : 0 }
        logRatioStdPerStep = (0..<K).map { k in
            guard count[k] > 0 else { return 0 }
            let m = sum[k] / count[k]
            return Float(max(0, sq[k] / count[k] - m * m).squareRoot())
        }
        rawLogRatioMeanPerStep = (0..<K).map { count[$0] > 0 ? Float(raw[$0] / count[$0]) : 0 }
    }

    /// The metrics.jsonl record (snake_case keys).
    public var record: [String: Any] {
        var r: [String: Any] = [
            "step": iteration, "reward_mean": rewardMean, "reward_std": rewardStd, "rewards": rewards,
            "zero_std_ratio": zeroStdRatio,
            "lr": lr, "policy_loss": policyLoss, "kl": kl, "approx_kl": approxKL, "clipfrac": clipFraction,
            "grad_norm": gradNorm, "ratio_mean": ratioMean,
            "log_ratio_mean_per_step": logRatioMeanPerStep, "log_ratio_std_per_step": logRatioStdPerStep,
            "raw_log_ratio_mean_per_step": rawLogRatioMeanPerStep,
            "output_grad_norm_per_step": outputGradNormPerStepSum.sums.map { Float($0 / Double(max(updates, 1))) },
            "seconds_rollout": rolloutSeconds, "seconds_reward": rewardSeconds, "seconds_update": updateSeconds,
        ]
        for (k, v) in rewardByCategory { r["reward_\(k)"] = v }
        for (k, v) in rewardComponents { r["reward_component_\(k)"] = v }
        for (k, v) in clipSplit { r["clip_\(k)"] = v }
        for (k, v) in lossState { r["loss_\(k)"] = v }
        for (k, v) in algorithmMetrics { r[k] = v }
        if !gradNormPerStep.isEmpty { r["grad_norm_per_step"] = gradNormPerStep }
        if let s = skipped { r["skipped"] = s }
        if ranks > 1 {
            r["ranks"] = ranks; r["seconds_wait"] = waitSeconds; r["seconds_communication"] = communicationSeconds
        }
        return r
    }
}

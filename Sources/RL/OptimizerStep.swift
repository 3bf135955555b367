import Cluster
import Model
import NN

/// The end of every optimizer step, the same for the GRPO losses and the forward-process ones:
///
///     g = Σ_ranks ∂L/∂θ          (dL/dv backpropagated through the network, one allreduce)
///     g ← g · min(1, c / ‖g‖)    (global-norm clipping, c = grad_clip)
///     θ ← AdamW(θ, g),  θ_ema ← EMA(θ_ema, θ)
///
/// A step whose gradient or loss L_policy + β·KL is not finite is not taken: `stats.skipped`
/// says which, and the caller ends the iteration (the run keeps its last finite weights).
enum OptimizerStep {
    /// `dv` (rows, H, W, 3) is this rank's dL/dv of the last `network.forward` on `rows` rows, already
    /// scaled for the mean over the global batch; `policyLoss` and `kl` are global means.
    /// Returns false when the step was skipped.
    static func apply(dv: UnsafePointer<Float>, rows: Int, network: VelocityNetwork, params: inout Parameters,
                      optimizer: inout AdamW, ema: inout EMA, collective: any Collective, config: TrainConfig,
                      policyLoss: Float, kl: Float, stats: inout IterationStats) -> Bool {
        params.zeroGrads()
        // A rank may own none of a mini-batch's rows; it still joins the allreduce with zeros.
        if rows > 0 { network.backward(&params, dout: dv, batch: rows) }
        collective.allreduceSum(&params.grads)   // the one gradient exchange of the step
        let norm = GradClip.clipGlobalNorm(&params.grads, maxNorm: config.gradClip)
        guard norm.isFinite, (policyLoss + config.klBeta * kl).isFinite else {
            stats.skipped = norm.isFinite ? "non-finite loss" : "non-finite gradient"
            return false
        }
        optimizer.update(&params, lr: config.lr)
        ema.update(from: params.values)
        stats.addUpdate(policyLoss: policyLoss, kl: kl, gradNorm: norm)
        return true
    }
}

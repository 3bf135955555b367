import Model
import Tensor

/// What a GRPO iteration keeps in memory, counted from the settings (README, "Performance"):
///
///     activations  = shards · ⌈rows / shards⌉ · (a + L)    rows = mini_batch · K (· 2 with rollout CFG)
///     a (per row)  = depth·(12TC + 2TH + NH·T² + 4T + 6C) + 7TC + TH + NH·T²
///                    + 3·Ni·P + 3·Ni·C + 2·Ni + T + 16C + F          (floats; T tokens, H = mlp width)
///     trajectories = N·(steps + 1)·D + N·K·D + N·K                    (states, μ_old, log p_old)
///     parameters   = (7 + shards − 1) · |θ|   (policy values + grads, reference values + grads,
///                                              AdamW m, v, EMA shadow, one gradient buffer per
///                                              extra shard)
///     workspaces   = rows·(6D + 4 + L)   (update: x, μ_θ, μ_ref, dL/dv and its copy for the
///                                         step-norm metric, the network's output; σ, 3 per-row
///                                         scalars; caption ids)
///
/// All in 4-byte floats. Everything is linear in the mini-batch rows and in N·steps; nothing depends
/// on the number of iterations. The process's own baseline (runtime, OpenBLAS buffers) comes on top.
public struct MemoryModel: Sendable {
    public let config: TrainConfig
    public let model: ModelConfig
    /// Network shards (worker threads); activations are planned per shard.
    public let shards: Int

    public init(config: TrainConfig, model: ModelConfig, shards: Int = Parallel.workers) {
        self.config = config
        self.model = model
        self.shards = max(1, shards)
    }

    /// Rows the network is planned for (as `GRPOTrainer` sizes it).
    public var networkRows: Int {
        let rows = config.miniBatch * config.rollout.trainedSteps * (config.rolloutCFG != 1 ? 2 : 1)
        return max(rows, 16)
    }

    /// Floats of activation and backward scratch memory per network row.
    public var activationFloatsPerRow: Int {
        let m = model
        let T = m.sequenceLength, C = m.width, H = m.hidden, NH = m.heads
        let Ni = m.imageTokens, P = m.patchDim, F = m.timeFeatures
        let block = 12 * T * C + 2 * T * H + NH * T * T + 4 * T + 6 * C
        let rest = 7 * T * C + T * H + NH * T * T + 3 * Ni * P + 3 * Ni * C + 2 * Ni + T + 16 * C + F
        return m.depth * block + rest
    }

    /// Bytes of the network's activations (including the Int32 caption ids it keeps).
    public var activationBytes: Int {
        let w = min(shards, networkRows)
        let perShard = (networkRows + w - 1) / w
        return 4 * w * perShard * (activationFloatsPerRow + model.maxTextTokens)
    }

    /// Bytes of the rollout's stored trajectories.
    public var trajectoryBytes: Int {
        let N = config.promptsPerIteration * config.groupSize, K = config.rollout.trainedSteps
        let D = model.imageElements
        return 4 * (N * (config.steps + 1) * D + N * K * D + N * K)
    }

    /// Bytes of the parameter-sized buffers.
    public var parameterBytes: Int {
        let count = VelocityNetwork.parameterSpecs(model).reduce(0) { $0 + $1.shape.reduce(1, *) }
        return 4 * count * (7 + min(shards, networkRows) - 1)
    }

    /// Bytes of the update's workspace and the network's output buffer (the rollout's workspace,
    /// two chunk-sized buffers, is freed before the update starts and is smaller).
    public var workspaceBytes: Int {
        let D = model.imageElements, L = model.maxTextTokens, rows = networkRows
        return 4 * rows * (6 * D + 4 + L)
    }

    /// Everything above.
    public var totalBytes: Int { activationBytes + trajectoryBytes + parameterBytes + workspaceBytes }
}

import Cluster
import Foundation
import Imaging
import Model
import NN
import Rewards
import Shapes
import Tensor

/// GRPO for a flow-matching policy (Flow-GRPO, Liu et al. 2025), one `iterate()` per iteration:
///
/// 1. sample P prompts; roll out G SDE trajectories each, storing x_k, μ_old, log p_old;
/// 2. score the final images with the reward; group-relative advantages per prompt;
/// 3. for `inner_epochs` passes over shuffled mini-batches of trajectories (all trained steps of
///    each): recompute μ_θ and log p_θ, let the policy loss turn them into a surrogate and its
///    gradient, add β·KL(μ_θ ‖ μ_ref) against the frozen base model, backpropagate through the
///    network, clip, AdamW, EMA.
///
/// Everything random in iteration n comes from RNG(derive(seed, n, …)), so a run resumed from a
/// checkpoint repeats the uninterrupted run exactly.
///
/// Data parallel (DESIGN.md §8): with a `collective` of N ranks, each rank rolls out and scores a
/// contiguous block of the P prompt groups (a whole group on one rank, so group statistics stay
/// exact), the rewards are gathered so every rank computes all advantages, all ranks walk the
/// same shuffled mini-batches and each trains the rows of the trajectories it holds; one
/// allreduce per optimizer step sums the gradients into the single-process mean over the whole
/// mini-batch, and clipping, AdamW and EMA then run identically everywhere. Seeds never involve
/// the rank, so N changes only float summation order.
public final class GRPOTrainer {
    public let config: TrainConfig
    public let network: VelocityNetwork
    public var params: Parameters
    public let reference: Parameters
    public var optimizer: AdamW
    public var ema: EMA
    public var loss: any PolicyLoss
    public let reward: any Reward
    public let prompts: [String]
    /// The ranks sharing each iteration (a single process by default).
    public let collective: any Collective
    /// Iterations completed.
    public var iteration: Int
    let tokenizer: Tokenizer
    let promptCategories: [String: String]
    /// Rows of a mini-batch: trajectories × trained steps.
    let rowsPerMiniBatch: Int

    public init(config: TrainConfig, modelConfig: ModelConfig, base: Parameters, reward: any Reward,
                prompts: [String], resume: TrainingCheckpoint? = nil, collective: any Collective = SingleProcess()) throws {
        guard config.promptsPerIteration >= collective.size else {
            throw ClusterError.tooFewItems("prompts_per_iteration", config.promptsPerIteration, collective.size)
        }
        self.config = config
        self.reward = reward
        self.prompts = prompts
        self.collective = collective
        tokenizer = Tokenizer(maxTokens: modelConfig.maxTextTokens)
        var cats: [String: String] = [:]
        for p in prompts { cats[p] = (try? Caption.parse(p))?.category.rawValue ?? "other" }
        promptCategories = cats
        let K = config.rollout.trainedSteps
        rowsPerMiniBatch = config.miniBatch * K
        let guided = config.rolloutCFG != 1
        network = VelocityNetwork(config: modelConfig, maxBatch: max(rowsPerMiniBatch * (guided ? 2 : 1), 16))
        reference = base
        loss = try PolicyLosses.make(config.algo, config: config)
        if let r = resume {
            params = r.params; optimizer = r.optimizer; ema = r.ema
            let state = (try? JSONSerialization.jsonObject(with: r.state)) as? [String: Any] ?? [:]
            iteration = state["iteration"] as? Int ?? 0
            if let s = state["loss_state"] as? [String: Double] { loss.state = s }
        } else {
            params = base
            optimizer = AdamW(parameterCount: base.count, lr: config.lr, weightDecay: config.weightDecay)
            ema = EMA(values: base.values, maxDecay: config.emaDecay)
            iteration = 0
        }
        optimizer.lr = config.lr
        optimizer.weightDecay = config.weightDecay
        for p in prompts { _ = try tokenizer.encode(p) }
    }

    /// The training state for a checkpoint.
    public func checkpoint() -> TrainingCheckpoint {
        let state: [String: Any] = ["iteration": iteration, "seed": config.seed, "loss_state": loss.state]
        let data = (try? JSONSerialization.data(withJSONObject: state, options: [.sortedKeys])) ?? Data()
        return TrainingCheckpoint(config: network.config, params: params, optimizer: optimizer, ema: ema, state: data)
    }

    /// EMA weights as parameters (for evaluation and grids).
    public var emaParameters: Parameters {
        var p = params
        p.values = ema.shadow
        return p
    }

    /// Prompts of iteration n: P distinct prompts drawn from the training list.
    func iterationPrompts(_ n: Int) -> [String] {
        IterationSamples.prompts(seed: config.seed, iteration: n, from: prompts, count: config.promptsPerIteration)
    }

    /// One GRPO iteration: rollout, reward, advantages, updates. Returns what was measured.
    public func iterate(diagnostics: Bool = false) throws -> IterationStats {
        let n = iteration
        let P = config.promptsPerIteration, G = config.groupSize
        let opts = config.rollout
        var stats = IterationStats(iteration: n + 1, trainedSteps: opts.trainedSteps)
        let timing = collective.timing
        let chosen = iterationPrompts(n)
        // This rank's prompt groups and their samples (all of them in a single process).
        let groups = collective.share(of: P)
        let owned = (groups.lowerBound * G)..<(groups.upperBound * G)
        var tokens: [Int32] = [], seeds: [UInt64] = [], noiseSeeds: [UInt64] = [], samplePrompts: [String] = []
        for p in groups {
            let ids = try tokenizer.encode(chosen[p])
            for g in 0..<G {
                tokens += ids
                seeds.append(IterationSamples.sampleSeed(seed: config.seed, iteration: n, group: p, member: g))
                noiseSeeds.append(IterationSamples.groupNoiseSeed(seed: config.seed, iteration: n, group: p))
                samplePrompts.append(chosen[p])
            }
        }
        // 1. rollout
        var t0 = Date()
        let batch = SDESampler.rollout(network: network, params: params, tokens: tokens, seeds: seeds,
                                       initialNoiseSeeds: config.sharedNoise ? noiseSeeds : nil, options: opts)
        stats.rolloutSeconds = Date().timeIntervalSince(t0)
        // 2. reward and advantages
        guard let adv = try IterationSamples.scoreAndAdvantages(
            pixels: batch.finalImages, side: network.config.imageSize, samplePrompts: samplePrompts, chosen: chosen,
            groups: groups, config: config, reward: reward, categories: promptCategories, collective: collective,
            stats: &stats) else {
            iteration += 1
            stats.recordCommunication(collective, since: timing)
            return stats
        }
        // 3. updates: every rank draws the same order (the RNG never sees the rank)
        t0 = Date()
        var rng = RNG(seed: RNG.derive(config.seed, n, 2))
        var batches: [PolicyBatch] = [], outputs: [PolicyLossOutput] = [], miniBatches: [[Int]] = []
        var firstMiniBatch = true
        for _ in 0..<config.innerEpochs {
            var order = Array(0..<(P * G))
            rng.shuffle(&order)
            for start in stride(from: 0, to: order.count, by: config.miniBatch) {
                let members = Array(order[start..<min(start + config.miniBatch, order.count)])
                let result = try update(batch, members: members, owned: owned, advantages: adv.values,
                                        perStepGradNorms: diagnostics && firstMiniBatch, stats: &stats)
                firstMiniBatch = false
                if let r = result { batches.append(r.0); outputs.append(r.1); miniBatches.append(members) } else { break }
            }
            if stats.skipped != nil { break }
        }
        // Diagnostics and adaptive losses (BAPO) see every row of the iteration, as in one process.
        (batches, outputs) = gatherRows(batches, outputs, miniBatches: miniBatches)
        stats.updateSeconds = Date().timeIntervalSince(t0)
        stats.lr = optimizer.lr
        // The split is judged by the bounds this iteration used, before an adaptive loss moves them.
        stats.finish(batches: batches, outputs: outputs, bounds: loss.clipBounds)
        loss.endIteration(batches: batches, outputs: outputs)
        stats.lossState = loss.state
        stats.recordCommunication(collective, since: timing)
        iteration += 1
        return stats
    }
}

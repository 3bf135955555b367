import Cluster
import Foundation
import Imaging
import Model
import NN
import Rewards
import Shapes
import Tensor

/// Forward-process RL for a flow policy (DESIGN.md §10): DiffusionNFT and AWM, one `iterate()` per
/// iteration:
///
/// 1. sample P prompts; the old policy v_old draws G clean images each with the plain ODE sampler
///    (no SDE, no log-probabilities; guidance only if `rollout_cfg` ≠ 1);
/// 2. score them; group-relative advantages per prompt, exactly as GRPO's (`Advantages`);
/// 3. for `inner_epochs` passes over shuffled mini-batches of samples: noise each sample at
///    `timestep_draws` levels t (fresh ε each), x_t = (1 − t)·x₀ + t·ε, evaluate v_θ and v_old at
///    x_t, let the loss (`NFTLoss`, `AWMLoss`) turn them and v* = ε − x₀ into a value and dL/dv_θ,
///    add β·mean (v_θ − v_ref)² against the frozen base when `kl_beta` > 0, backpropagate, clip,
///    AdamW, EMA;
/// 4. soft-update the old policy toward θ (`OldPolicySchedule`).
///
/// Only clean images and captions are kept from sampling, so any sampler would do; the update is
/// the pretraining loss's forward/backward (`Pretrainer`) with a different weighting of rows.
/// Everything random in iteration n comes from RNG(derive(seed, n, …)) and never from the rank,
/// so a resumed run repeats the uninterrupted one exactly, and N ranks (each sampling and training
/// a contiguous block of the prompt groups, one gradient allreduce per optimizer step, every mean
/// taken over the rows of the whole mini-batch) change only float summation order — the GRPO
/// trainer's data-parallel scheme (see `GRPOTrainer`).
public final class ForwardProcessTrainer {
    /// The `--algo` names this trainer runs.
    public static let algorithms = ["diffusion-nft", "awm"]

    public let config: TrainConfig
    public let network: VelocityNetwork
    public var params: Parameters
    /// v_old: samples, and is the loss's reference; soft-updated after every iteration.
    public var old: Parameters
    public let reference: Parameters
    public var optimizer: AdamW
    public var ema: EMA
    public let loss: any ForwardLoss
    public let reward: any Reward
    public let prompts: [String]
    public let collective: any Collective
    public var iteration: Int
    let tokenizer: Tokenizer
    let promptCategories: [String: String]
    let timesteps: TimestepSampler
    let schedule: OldPolicySchedule

    public init(config: TrainConfig, modelConfig: ModelConfig, base: Parameters, reward: any Reward,
                prompts: [String], resume: TrainingCheckpoint? = nil, collective: any Collective = SingleProcess()) throws {
        guard config.promptsPerIteration >= collective.size else {
            throw ClusterError.tooFewItems("prompts_per_iteration", config.promptsPerIteration, collective.size)
        }
        if let p = config.forwardProcessProblem { throw TrainError.badSetting(p) }
        self.config = config
        self.reward = reward
        self.prompts = prompts
        self.collective = collective
        tokenizer = Tokenizer(maxTokens: modelConfig.maxTextTokens)
        var cats: [String: String] = [:]
        for p in prompts { cats[p] = (try? Caption.parse(p))?.category.rawValue ?? "other" }
        promptCategories = cats
        network = VelocityNetwork(config: modelConfig, maxBatch: max(config.miniBatch * config.timestepDraws, 16))
        reference = base
        loss = try Self.makeLoss(config)
        timesteps = TimestepSampler(distribution: TimestepDistribution(rawValue: config.timestepDistribution)!,
                                    draws: config.timestepDraws, steps: config.steps, shift: config.shift)
        schedule = OldPolicySchedule(start: config.oldDecayStart, rate: config.oldDecayRate, maximum: config.oldDecayMax)
        if let r = resume {
            params = r.params; optimizer = r.optimizer; ema = r.ema
            let state = (try? JSONSerialization.jsonObject(with: r.state)) as? [String: Any] ?? [:]
            iteration = state["iteration"] as? Int ?? 0
            guard let values = r.extraWeights[Self.oldWeights] else {
                throw TrainError.badSetting("the checkpoint has no \(Self.oldWeights).safetensors (it was not written by --algo \(config.algo))")
            }
            old = r.params
            old.values = values
        } else {
            params = base
            old = base
            optimizer = AdamW(parameterCount: base.count, lr: config.lr, weightDecay: config.weightDecay)
            ema = EMA(values: base.values, maxDecay: config.emaDecay)
            iteration = 0
        }
        optimizer.lr = config.lr
        optimizer.weightDecay = config.weightDecay
        for p in prompts { _ = try tokenizer.encode(p) }
    }

    /// The loss `config.algo` names.
    static func makeLoss(_ c: TrainConfig) throws -> any ForwardLoss {
        switch c.algo {
        case "diffusion-nft": return NFTLoss(beta: c.nftBeta, advantageMax: c.advantageClip)
        case "awm":
            return AWMLoss(weighting: AWMLoss.Weighting(rawValue: c.awmWeighting)!, ghuberPower: c.awmGhuberPower,
                           clip: c.awmClip, oldKL: c.awmOldKL, advantageMax: c.advantageClip)
        default: throw TrainError.unknownAlgorithm(c.algo, algorithms)
        }
    }

    /// File name (without .safetensors) of the old policy in a checkpoint.
    static let oldWeights = "old"

    public func checkpoint() -> TrainingCheckpoint {
        let state: [String: Any] = ["iteration": iteration, "seed": config.seed]
        let data = (try? JSONSerialization.data(withJSONObject: state, options: [.sortedKeys])) ?? Data()
        return TrainingCheckpoint(config: network.config, params: params, optimizer: optimizer, ema: ema, state: data,
                                  extraWeights: [Self.oldWeights: old.values])
    }

    public var emaParameters: Parameters {
        var p = params
        p.values = ema.shadow
        return p
    }

    public func iterate(diagnostics: Bool = false) throws -> IterationStats {
        let n = iteration
        let P = config.promptsPerIteration, G = config.groupSize, D = network.config.imageElements
        var stats = IterationStats(iteration: n + 1, trainedSteps: 0)
        let timing = collective.timing
        let chosen = IterationSamples.prompts(seed: config.seed, iteration: n, from: prompts, count: P)
        // This rank's prompt groups and their samples (all of them in a single process).
        let groups = collective.share(of: P)
        let owned = (groups.lowerBound * G)..<(groups.upperBound * G)
        var tokens: [Int32] = [], noise: [Float] = [], samplePrompts: [String] = []
        noise.reserveCapacity(owned.count * D)
        var buffer = [Float](repeating: 0, count: D)
        for p in groups {
            let ids = try tokenizer.encode(chosen[p])
            for g in 0..<G {
                tokens += ids
                // The initial noise an SDE rollout of the same seed would start from.
                let s = config.sharedNoise ? IterationSamples.groupNoiseSeed(seed: config.seed, iteration: n, group: p)
                                           : IterationSamples.sampleSeed(seed: config.seed, iteration: n, group: p, member: g)
                var rng = RNG(seed: s)
                rng.fillNormal(&buffer)
                noise += buffer
                samplePrompts.append(chosen[p])
            }
        }
        // 1. samples of the old policy
        var t0 = Date()
        let images = ODESampler.sample(network: network, params: old, tokens: tokens, noise: noise, batch: owned.count,
                                       options: ODESamplerOptions(steps: config.steps, shift: config.shift,
                                                                  cfgScale: config.rolloutCFG))
        stats.rolloutSeconds = Date().timeIntervalSince(t0)
        // 2. reward and advantages
        guard let adv = try IterationSamples.scoreAndAdvantages(
            pixels: images, side: network.config.imageSize, samplePrompts: samplePrompts, chosen: chosen,
            groups: groups, config: config, reward: reward, categories: promptCategories, collective: collective,
            stats: &stats) else {
            iteration += 1
            stats.recordCommunication(collective, since: timing)
            return stats
        }
        // 3. updates: every rank draws the same order and the same t and ε per sample
        t0 = Date()
        var rng = RNG(seed: RNG.derive(config.seed, n, 2))
        var sums = ForwardSums()
        epochs: for epoch in 0..<config.innerEpochs {
            var order = Array(0..<(P * G))
            rng.shuffle(&order)
            for start in stride(from: 0, to: order.count, by: config.miniBatch) {
                let members = Array(order[start..<min(start + config.miniBatch, order.count)])
                guard try update(images: images, tokens: tokens, members: members, owned: owned, advantages: adv.values,
                                 iteration: n, epoch: epoch, sums: &sums, stats: &stats) else { break epochs }
            }
        }
        // 4. soft update of the old policy, d from the optimizer steps taken so far
        let decay = schedule.decay(afterSteps: optimizer.step)
        stats.algorithmMetrics["old_drift"] = relativeDistance(params.values, old.values)
        stats.algorithmMetrics["old_decay"] = Double(decay)
        if stats.skipped == nil { softUpdateOld(decay: decay) }
        stats.updateSeconds = Date().timeIntervalSince(t0)
        stats.lr = optimizer.lr
        stats.finish(batches: [], outputs: [], bounds: (1, 1))
        sums.record(into: &stats, algo: config.algo)
        stats.recordCommunication(collective, since: timing)
        iteration += 1
        return stats
    }

    /// old ← d·old + (1 − d)·θ.
    func softUpdateOld(decay d: Float) {
        let w = 1 - d
        old.values.withUnsafeMutableBufferPointer { o in
            params.values.withUnsafeBufferPointer { x in
                for i in 0..<o.count { o[i] = d * o[i] + w * x[i] }
            }
        }
    }

    /// ‖a − b‖ / ‖a‖: how far θ has moved from the old policy, relative to its size.
    func relativeDistance(_ a: [Float], _ b: [Float]) -> Double {
        var diff = 0.0, norm = 0.0
        for i in a.indices {
            let d = Double(a[i]) - Double(b[i])
            diff += d * d; norm += Double(a[i]) * Double(a[i])
        }
        return norm > 0 ? (diff / norm).squareRoot() : 0
    }
}

extension ForwardProcessTrainer: PolicyTrainer {}

/// The iteration's per-row measurements, summed over its mini-batches (already over all ranks).
struct ForwardSums {
    var rows = 0.0, positive = 0.0, negative = 0.0, r = 0.0, ratio = 0.0, clipped = 0.0, anchor = 0.0

    func record(into stats: inout IterationStats, algo: String) {
        guard rows > 0 else { return }
        if algo == "diffusion-nft" {
            stats.algorithmMetrics["loss_positive"] = positive / rows
            stats.algorithmMetrics["loss_negative"] = negative / rows
            stats.algorithmMetrics["r_mean"] = r / rows
        } else {
            stats.ratioMean = Float(ratio / rows)
            stats.clipFraction = Float(clipped / rows)
            stats.algorithmMetrics["loss_old_kl"] = anchor / rows
        }
    }
}

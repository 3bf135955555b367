import Foundation
import Model

/// Every setting of a GRPO run (`flowrl train`), saved in the run's config.json.
/// Keys are the snake_case forms of the command-line flags; `--config FILE.json` takes the same keys.
/// These are the library's base values (`flowrl bench` times them); `flowrl train` and `flowrl study`
/// lay `TrainSettings.defaultRecipe` (the GRPO-Guard recipe) over them, see `TrainSettings`.
public struct TrainConfig: Codable, Equatable, Sendable {
    /// Model directory the policy starts from (and the frozen KL reference).
    public var base: String = "models/base"
    /// Training prompts (one caption per line) and held-out evaluation prompts.
    public var trainPrompts: String = "prompts/train.txt"
    public var testPrompts: String = "prompts/test.txt"
    /// Reward spec (see `RewardRegistry`), e.g. "geneval" or "geneval:1,compress:0.1".
    public var reward: String = "geneval"
    /// Policy loss: flow-grpo, grpo-guard, … (see `PolicyLosses`).
    public var algo: String = "flow-grpo"
    public var iterations: Int = 100
    /// Prompts per iteration (P) and samples per prompt (G).
    public var promptsPerIteration: Int = 8
    public var groupSize: Int = 8
    /// Trajectories per mini-batch; each contributes all its trained steps.
    public var miniBatch: Int = 8
    /// Passes over the iteration's trajectories (μ in the GRPO papers).
    public var innerEpochs: Int = 1
    public var steps: Int = 10
    public var shift: Float = 3
    public var noiseLevel: Float = 0.7
    public var rolloutCFG: Float = 1
    /// Stochastic (and trained) steps at the start of each rollout; 0 = all (Flow-GRPO).
    public var sdeSteps: Int = 0
    /// Whether the G samples of a group start from one initial noise (DanceGRPO), so that their
    /// rewards differ only through the SDE noise the policy is credited with.
    public var sharedNoise: Bool = false
    public var lr: Float = 3e-5
    public var weightDecay: Float = 1e-4
    public var gradClip: Float = 1
    public var emaDecay: Float = 0.95
    /// KL penalty β against the frozen base model.
    public var klBeta: Float = 0.01
    /// Clip range ε of the ratio (calibrated for D = 3072, see README).
    public var clipEpsilon: Float = 2e-3
    public var globalStd: Bool = false
    public var advantageClip: Float = 5
    public var seed: UInt64 = 0
    public var evalEvery: Int = 25
    /// Images per held-out prompt at evaluation, and the evaluation sampler.
    public var evalSeeds: Int = 4
    public var evalSteps: Int = 20
    public var evalCFG: Float = 3
    public var checkpointEvery: Int = 10
    public var threads: Int = 2
    /// Consecutive non-finite iterations tolerated before the run stops.
    public var maxNonFinite: Int = 3
    /// GRPO-Guard switches (for ablations): RatioNorm and 1/|dt| reweighting.
    public var ratioNorm: Bool = true
    public var reweight: Bool = true
    /// Denoising steps per ratio segment of `sspo` and `st-ppo` (1 = per-step ratios).
    public var segmentSteps: Int = 3
    /// BAPO's target share ρ₀ of the positive-advantage rows in the loss (paper: 0.5).
    public var bapoTarget: Float = 0.5
    /// ST-PPO: rows whose |log ρ| exceeds this many ε are down-weighted.
    public var stPPOTolerance: Float = 2
    /// Write TensorBoard events to RUN/tb/ as the run goes (docs/tracking.md).
    public var tensorboard: Bool = true
    // Forward-process trainers (`diffusion-nft`, `awm`; docs/forward-process.md).
    /// DiffusionNFT's β: v⁺ = (1 − β)·v_old + β·v_θ, v⁻ = (1 + β)·v_old − β·v_θ (paper: 1, 0.1 for OCR).
    public var nftBeta: Float = 1
    /// Noise levels t drawn per clean sample in each inner epoch (each with its own ε).
    public var timestepDraws: Int = 4
    /// How t is drawn: `discrete` (the rollout schedule's σ_k, stratified over k < ⌊0.99·T⌋, as the
    /// papers' code), `uniform` (stratified on (0, 1)) or `logit-normal` (pretraining's), both time-shifted by `shift`.
    public var timestepDistribution: String = "discrete"
    /// Soft update of the old policy after each iteration, old ← d·old + (1 − d)·θ with
    /// d = min(old_decay_max, old_decay_rate · max(0, optimizer steps − old_decay_start)).
    public var oldDecayStart: Int = 0
    public var oldDecayRate: Float = 0.001
    /// Upper bound of d (DiffusionNFT 0.5; 0.3 for awm unless set).
    public var oldDecayMax: Float = 0.5
    /// AWM's weighting of the per-sample matching loss: `ghuber` (paper), `t` or `uniform`.
    public var awmWeighting: String = "ghuber"
    public var awmGhuberPower: Float = 0.25
    /// AWM's ratio clip range (paper: 1) and the weight of mean (v_θ − v_old)² (paper: 1).
    public var awmClip: Float = 1
    public var awmOldKL: Float = 1

    public init() {}

    /// Settings a resumed run changes without comment: its length, how often it evaluates and
    /// checkpoints, and the machine's threads. A change to any other one is logged (see `ResumedSettings`).
    public static let quietOnResume: Set<String> = ["iterations", "eval_every", "checkpoint_every", "threads", "max_non_finite"]

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case base, trainPrompts = "train_prompts", testPrompts = "test_prompts", reward, algo, iterations
        case promptsPerIteration = "prompts_per_iteration", groupSize = "group_size", miniBatch = "mini_batch"
        case innerEpochs = "inner_epochs", steps, shift, noiseLevel = "noise_level", rolloutCFG = "rollout_cfg", sdeSteps = "sde_steps"
        case sharedNoise = "shared_noise"
        case lr, weightDecay = "weight_decay", gradClip = "grad_clip", emaDecay = "ema_decay", klBeta = "kl_beta"
        case clipEpsilon = "clip_epsilon", globalStd = "global_std", advantageClip = "advantage_clip", seed
        case evalEvery = "eval_every", evalSeeds = "eval_seeds", evalSteps = "eval_steps", evalCFG = "eval_cfg"
        case checkpointEvery = "checkpoint_every", threads, maxNonFinite = "max_non_finite"
        case ratioNorm = "ratio_norm", reweight
        case segmentSteps = "segment_steps", bapoTarget = "bapo_target", stPPOTolerance = "st_ppo_tolerance"
        case tensorboard
        case nftBeta = "nft_beta", timestepDraws = "timestep_draws", timestepDistribution = "timestep_distribution"
        case oldDecayStart = "old_decay_start", oldDecayRate = "old_decay_rate", oldDecayMax = "old_decay_max"
        case awmWeighting = "awm_weighting", awmGhuberPower = "awm_ghuber_power", awmClip = "awm_clip", awmOldKL = "awm_old_kl"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        var d = TrainConfig()
        func get<T: Decodable>(_ key: CodingKeys, _ path: WritableKeyPath<TrainConfig, T>) throws {
            if let v = try c.decodeIfPresent(T.self, forKey: key) { d[keyPath: path] = v }
        }
        try get(.base, \.base); try get(.trainPrompts, \.trainPrompts); try get(.testPrompts, \.testPrompts)
        try get(.reward, \.reward); try get(.algo, \.algo); try get(.iterations, \.iterations)
        try get(.promptsPerIteration, \.promptsPerIteration); try get(.groupSize, \.groupSize)
        try get(.miniBatch, \.miniBatch); try get(.innerEpochs, \.innerEpochs); try get(.steps, \.steps)
        try get(.shift, \.shift); try get(.noiseLevel, \.noiseLevel); try get(.rolloutCFG, \.rolloutCFG)
        try get(.sdeSteps, \.sdeSteps); try get(.sharedNoise, \.sharedNoise)
        try get(.lr, \.lr); try get(.weightDecay, \.weightDecay); try get(.gradClip, \.gradClip)
        try get(.emaDecay, \.emaDecay); try get(.klBeta, \.klBeta); try get(.clipEpsilon, \.clipEpsilon)
        try get(.globalStd, \.globalStd); try get(.advantageClip, \.advantageClip); try get(.seed, \.seed)
        try get(.evalEvery, \.evalEvery); try get(.evalSeeds, \.evalSeeds); try get(.evalSteps, \.evalSteps)
        try get(.evalCFG, \.evalCFG); try get(.checkpointEvery, \.checkpointEvery); try get(.threads, \.threads)
        try get(.maxNonFinite, \.maxNonFinite); try get(.ratioNorm, \.ratioNorm); try get(.reweight, \.reweight)
        try get(.segmentSteps, \.segmentSteps); try get(.bapoTarget, \.bapoTarget)
        try get(.stPPOTolerance, \.stPPOTolerance)
        try get(.tensorboard, \.tensorboard)
        try get(.nftBeta, \.nftBeta); try get(.timestepDraws, \.timestepDraws)
        try get(.timestepDistribution, \.timestepDistribution); try get(.oldDecayStart, \.oldDecayStart)
        try get(.oldDecayRate, \.oldDecayRate); try get(.oldDecayMax, \.oldDecayMax)
        try get(.awmWeighting, \.awmWeighting); try get(.awmGhuberPower, \.awmGhuberPower)
        try get(.awmClip, \.awmClip); try get(.awmOldKL, \.awmOldKL)
        self = d
    }

    /// A sentence naming the first bad setting, or nil.
    public var problem: String? {
        let positive: [(String, Int)] = [("iterations", iterations), ("prompts_per_iteration", promptsPerIteration),
                                         ("group_size", groupSize), ("mini_batch", miniBatch), ("inner_epochs", innerEpochs),
                                         ("steps", steps), ("eval_every", evalEvery), ("eval_seeds", evalSeeds),
                                         ("eval_steps", evalSteps), ("checkpoint_every", checkpointEvery),
                                         ("threads", threads), ("max_non_finite", maxNonFinite),
                                         ("segment_steps", segmentSteps)]
        for (name, v) in positive where v <= 0 { return "\(name) must be positive, got \(v)" }
        if groupSize < 2 { return "group_size must be at least 2 (advantages compare samples of a group)" }
        if steps < 2 { return "steps must be at least 2" }
        if sdeSteps < 0 { return "sde_steps must not be negative (0 = every step), got \(sdeSteps)" }
        if !(lr > 0) { return "lr must be positive, got \(lr)" }
        if !(clipEpsilon > 0) { return "clip_epsilon must be positive, got \(clipEpsilon)" }
        if klBeta < 0 { return "kl_beta must not be negative" }
        if !(noiseLevel > 0) { return "noise_level must be positive (the SDE needs noise for log-probs)" }
        if !(shift > 0 && shift.isFinite) { return "shift must be a finite positive number, got \(shift)" }
        if !(rolloutCFG >= 0 && rolloutCFG.isFinite) { return "rollout_cfg must be a finite number ≥ 0 (1 = no guidance), got \(rolloutCFG)" }
        if !(evalCFG >= 0 && evalCFG.isFinite) { return "eval_cfg must be a finite number ≥ 0 (1 = no guidance), got \(evalCFG)" }
        if !(0..<1).contains(emaDecay) { return "ema_decay must be in [0, 1)" }
        if !(bapoTarget > 0 && bapoTarget < 1) { return "bapo_target must be between 0 and 1, got \(bapoTarget)" }
        if !(stPPOTolerance > 0) { return "st_ppo_tolerance must be positive, got \(stPPOTolerance)" }
        if let p = forwardProcessProblem { return p }
        return nil
    }

    /// The rollout sampler these settings describe.
    public var rollout: RolloutOptions {
        RolloutOptions(steps: steps, shift: shift, noiseLevel: noiseLevel, cfgScale: rolloutCFG, sdeSteps: sdeSteps)
    }

    /// The held-out evaluation these settings describe.
    public var evaluation: EvalOptions {
        var e = EvalOptions()
        e.seedsPerPrompt = evalSeeds
        e.sampler = ODESamplerOptions(steps: evalSteps, shift: 1, cfgScale: evalCFG)
        return e
    }
}

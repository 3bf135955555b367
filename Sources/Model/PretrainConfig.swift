import Foundation
import Shapes

/// Settings of `flowrl pretrain` (rectified-flow pretraining), saved as the run's config.json.
/// Keys mirror the command-line flags in snake_case.
public struct PretrainConfig: Codable, Equatable, Sendable {
    public var steps: Int = 40_000
    public var batchSize: Int = 64
    public var lr: Float = 6e-4
    public var warmupSteps: Int = 500
    public var minLRRatio: Float = 0.1
    public var weightDecay: Float = 0
    public var gradClip: Float = 1
    public var emaDecay: Float = 0.999
    /// Share of samples trained with the empty caption, so the model learns the unconditional
    /// velocity that classifier-free guidance needs.
    public var captionDropout: Float = 0.1
    /// Mean and std of the logit-normal σ distribution (SD3): σ = sigmoid(N(mean, std)).
    public var logitMean: Float = 0
    public var logitStd: Float = 1
    public var seed: UInt64 = 0
    public var checkpointEvery: Int = 500
    public var sampleEvery: Int = 2000
    public var logEvery: Int = 10
    /// Euler steps and CFG scale of the sample grids written during pretraining.
    public var sampleSteps: Int = 20
    public var sampleCFG: Float = 3
    public var threads: Int = 2
    /// Consecutive steps with a non-finite loss or gradient (each skipped) before the run stops.
    public var maxNonFinite: Int = 3
    /// Relative weights of the caption categories ("position": 3, …); categories not named get 0.
    /// nil draws the six categories uniformly (the bundled base model's recipe).
    public var categoryWeights: [String: Float]? = nil
    /// Model directory whose weights start the run (a curriculum on top of a finished model);
    /// nil starts from fresh initialisation. Optimizer moments start at zero either way.
    public var initFrom: String? = nil
    /// Write TensorBoard events to RUN/tb/ as the run goes (docs/tracking.md).
    public var tensorboard: Bool = true

    public init() {}

    /// Settings a resumed run changes without comment: its length (`steps`, which also stretches the
    /// learning-rate decay), how often it logs, samples and checkpoints, and the threads. A change to
    /// any other one is logged (see `ResumedSettings`).
    public static let quietOnResume: Set<String> = ["steps", "checkpoint_every", "sample_every", "log_every", "threads", "max_non_finite"]

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case steps, batchSize = "batch_size", lr, warmupSteps = "warmup_steps", minLRRatio = "min_lr_ratio"
        case weightDecay = "weight_decay", gradClip = "grad_clip", emaDecay = "ema_decay"
        case captionDropout = "caption_dropout", logitMean = "logit_mean", logitStd = "logit_std", seed
        case checkpointEvery = "checkpoint_every", sampleEvery = "sample_every", logEvery = "log_every"
        case sampleSteps = "sample_steps", sampleCFG = "sample_cfg", threads, maxNonFinite = "max_non_finite"
        case categoryWeights = "category_weights", initFrom = "init"
        case tensorboard
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = PretrainConfig()
        steps = try c.decodeIfPresent(Int.self, forKey: .steps) ?? d.steps
        batchSize = try c.decodeIfPresent(Int.self, forKey: .batchSize) ?? d.batchSize
        lr = try c.decodeIfPresent(Float.self, forKey: .lr) ?? d.lr
        warmupSteps = try c.decodeIfPresent(Int.self, forKey: .warmupSteps) ?? d.warmupSteps
        minLRRatio = try c.decodeIfPresent(Float.self, forKey: .minLRRatio) ?? d.minLRRatio
        weightDecay = try c.decodeIfPresent(Float.self, forKey: .weightDecay) ?? d.weightDecay
        gradClip = try c.decodeIfPresent(Float.self, forKey: .gradClip) ?? d.gradClip
        emaDecay = try c.decodeIfPresent(Float.self, forKey: .emaDecay) ?? d.emaDecay
        captionDropout = try c.decodeIfPresent(Float.self, forKey: .captionDropout) ?? d.captionDropout
        logitMean = try c.decodeIfPresent(Float.self, forKey: .logitMean) ?? d.logitMean
        logitStd = try c.decodeIfPresent(Float.self, forKey: .logitStd) ?? d.logitStd
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
        checkpointEvery = try c.decodeIfPresent(Int.self, forKey: .checkpointEvery) ?? d.checkpointEvery
        sampleEvery = try c.decodeIfPresent(Int.self, forKey: .sampleEvery) ?? d.sampleEvery
        logEvery = try c.decodeIfPresent(Int.self, forKey: .logEvery) ?? d.logEvery
        sampleSteps = try c.decodeIfPresent(Int.self, forKey: .sampleSteps) ?? d.sampleSteps
        sampleCFG = try c.decodeIfPresent(Float.self, forKey: .sampleCFG) ?? d.sampleCFG
        threads = try c.decodeIfPresent(Int.self, forKey: .threads) ?? d.threads
        maxNonFinite = try c.decodeIfPresent(Int.self, forKey: .maxNonFinite) ?? d.maxNonFinite
        categoryWeights = try c.decodeIfPresent([String: Float].self, forKey: .categoryWeights)
        initFrom = try c.decodeIfPresent(String.self, forKey: .initFrom)
        tensorboard = try c.decodeIfPresent(Bool.self, forKey: .tensorboard) ?? d.tensorboard
    }

    /// A sentence naming the first bad setting, or nil.
    public var problem: String? {
        if steps <= 0 { return "steps must be positive, got \(steps)" }
        if batchSize <= 0 { return "batch_size must be positive, got \(batchSize)" }
        if !(lr > 0) { return "lr must be positive, got \(lr)" }
        if warmupSteps < 0 { return "warmup_steps must not be negative" }
        if !(0...1).contains(captionDropout) { return "caption_dropout must be in [0, 1], got \(captionDropout)" }
        if !(0..<1).contains(emaDecay) { return "ema_decay must be in [0, 1), got \(emaDecay)" }
        if checkpointEvery <= 0 { return "checkpoint_every must be positive" }
        if sampleEvery <= 0 || logEvery <= 0 || sampleSteps <= 0 { return "sample_every, log_every and sample_steps must be positive" }
        if threads <= 0 { return "threads must be positive, got \(threads)" }
        if maxNonFinite <= 0 { return "max_non_finite must be positive, got \(maxNonFinite)" }
        if let w = categoryWeights {
            let known = CaptionCategory.allCases.map(\.rawValue)
            if let bad = w.keys.sorted().first(where: { !known.contains($0) }) {
                return "category_weights: unknown category \(bad) (known: \(known.joined(separator: ", ")))"
            }
            if let bad = w.first(where: { !($0.value >= 0 && $0.value.isFinite) }) {
                return "category_weights: \(bad.key) must be a finite weight ≥ 0, got \(bad.value)"
            }
            if !(w.values.reduce(0, +) > 0) { return "category_weights: at least one weight must be positive" }
        }
        return nil
    }
}

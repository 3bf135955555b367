import ArgumentParser
import Cluster
import Foundation
import Model
import RL
import Tensor

/// `flowrl train`: RL post-training of the base model (GRPO or forward-process), with grids and metrics per run.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Post-train the base model with GRPO (Flow-GRPO, GRPO-Guard, …) or forward-process RL (DiffusionNFT, AWM) and record everything.")

    @Option(name: .customLong("run"), help: "Run directory (default outputs/runs/<timestamp>).")
    var runDirectory: String?
    @Flag(help: "Continue the run from its newest complete checkpoint with its saved settings; flags given override them, logged (needs --run).") var resume = false
    @Option(help: "JSON file of settings (keys as in the run's config.json); flags override it.") var config: String?
    @Option(help: "Model directory to start from; also the frozen KL reference.") var base: String?
    @Option(help: "Reward spec, e.g. geneval or geneval:1,compress:0.1.") var reward: String?
    @Option(help: "Algorithm: \(PolicyTrainers.known.joined(separator: ", ")).") var algo: String?
    @Option(parsing: .unconditional, help: "GRPO iterations.") var iterations: Int?
    @Option(name: .customLong("prompts-per-iteration"), parsing: .unconditional, help: "Prompts per iteration (P).") var promptsPerIteration: Int?
    @Option(name: .customLong("group-size"), parsing: .unconditional, help: "Samples per prompt (G).") var groupSize: Int?
    @Option(name: .customLong("mini-batch"), parsing: .unconditional, help: "Trajectories per optimizer step.") var miniBatch: Int?
    @Option(name: .customLong("inner-epochs"), parsing: .unconditional, help: "Passes over each iteration's trajectories.") var innerEpochs: Int?
    @Option(parsing: .unconditional, help: "Denoising steps of the rollouts (T).") var steps: Int?
    @Option(parsing: .unconditional, help: "Time shift of the rollout schedule (SD3's s; 1 = even steps, > 1 = more steps at high noise).")
    var shift: Float?
    @Option(name: .customLong("noise-level"), parsing: .unconditional, help: "SDE noise level a.") var noiseLevel: Float?
    @Option(name: .customLong("rollout-cfg"), parsing: .unconditional,
            help: "Classifier-free guidance scale of the rollouts, also the trained policy (1 = off).")
    var rolloutCFG: Float?
    @Option(name: .customLong("sde-steps"), help: "Stochastic (trained) steps at the start of each rollout; 0 = all.") var sdeSteps: Int?
    @Flag(name: .customLong("shared-noise"), inversion: .prefixedNo,
          help: "Start the G samples of a group from one initial noise (DanceGRPO); default off.")
    var sharedNoise: Bool?
    @Option(parsing: .unconditional, help: "Learning rate.") var lr: Float?
    @Option(name: .customLong("kl-beta"), parsing: .unconditional,
            help: "KL penalty β against the base model (default 0 for grpo-guard, else 0.01).")
    var klBeta: Float?
    @Option(name: .customLong("clip-epsilon"), parsing: .unconditional,
            help: "Ratio clip range ε (default 1.4e-5 for grpo-guard, else 2e-3).")
    var clipEpsilon: Float?
    @Flag(name: .customLong("ratio-norm"), inversion: .prefixedNo, help: "grpo-guard: RatioNorm on/off (ablation).")
    var ratioNorm: Bool?
    @Flag(name: .customLong("reweight"), inversion: .prefixedNo, help: "grpo-guard: 1/|dt| step reweighting on/off (ablation).")
    var reweight: Bool?
    @Option(name: .customLong("segment-steps"), parsing: .unconditional, help: "sspo / st-ppo: denoising steps per ratio segment.")
    var segmentSteps: Int?
    @Option(name: .customLong("bapo-target"), parsing: .unconditional, help: "bapo: target share of positive-advantage rows in the loss.")
    var bapoTarget: Float?
    @Option(name: .customLong("nft-beta"), parsing: .unconditional, help: "diffusion-nft: β of the implicit positive/negative policies.")
    var nftBeta: Float?
    @Option(name: .customLong("timestep-draws"), parsing: .unconditional, help: "diffusion-nft / awm: noise levels t per sample and inner epoch.")
    var timestepDraws: Int?
    @Option(name: .customLong("timestep-distribution"), help: "diffusion-nft / awm: discrete, uniform or logit-normal.")
    var timestepDistribution: String?
    @Option(name: .customLong("old-decay-start"), parsing: .unconditional, help: "diffusion-nft / awm: optimizer steps before the old policy's decay rises.")
    var oldDecayStart: Int?
    @Option(name: .customLong("old-decay-rate"), parsing: .unconditional, help: "diffusion-nft / awm: rise of the old policy's decay per optimizer step.")
    var oldDecayRate: Float?
    @Option(name: .customLong("old-decay-max"), parsing: .unconditional, help: "diffusion-nft / awm: cap of the old policy's decay (default 0.5, awm 0.3).")
    var oldDecayMax: Float?
    @Option(name: .customLong("awm-weighting"), help: "awm: ghuber, t or uniform weighting of the matching loss.") var awmWeighting: String?
    @Option(name: .customLong("awm-ghuber-power"), parsing: .unconditional, help: "awm: power p of the ghuber weighting.") var awmGhuberPower: Float?
    @Option(name: .customLong("awm-clip"), parsing: .unconditional, help: "awm: ratio clip range.") var awmClip: Float?
    @Option(name: .customLong("awm-old-kl"), parsing: .unconditional, help: "awm: weight of mean (v_θ − v_old)².") var awmOldKL: Float?
    @Option(parsing: .unconditional, help: "Seed of prompts, rollouts and shuffles.") var seed: UInt64?
    @Option(name: .customLong("eval-every"), parsing: .unconditional, help: "Iterations between held-out evaluations and grids.") var evalEvery: Int?
    @Option(name: .customLong("checkpoint-every"), parsing: .unconditional, help: "Iterations between checkpoints.") var checkpointEvery: Int?
    @Option(name: .customLong("train-prompts"), help: "Training prompt file.") var trainPrompts: String?
    @Option(name: .customLong("test-prompts"), help: "Held-out prompt file.") var testPrompts: String?
    @OptionGroup var threading: ThreadOptions

    func validate() throws {
        if resume && runDirectory == nil { throw ValidationError("--resume needs --run DIR naming the run to continue") }
        for (name, v) in [("iterations", iterations), ("prompts-per-iteration", promptsPerIteration),
                          ("group-size", groupSize), ("mini-batch", miniBatch), ("inner-epochs", innerEpochs),
                          ("steps", steps), ("eval-every", evalEvery), ("checkpoint-every", checkpointEvery),
                          ("segment-steps", segmentSteps)] {
            if let v, v <= 0 { throw ValidationError("--\(name) must be positive, got \(v)") }
        }
    }

    func run() throws {
        var cfg = TrainConfig()
        // Keys the user set, so that algorithm-dependent defaults (kl_beta, clip_epsilon) fill only the rest.
        var explicit = Set<String>()
        // A resumed run starts from the settings it was started with, not from the defaults.
        let dir = runDirectory ?? "outputs/runs/" + Train.timestamp()
        let saved = resume ? try SavedRunConfig.load(TrainConfig.self, directory: dir) : nil
        if let saved {
            cfg = saved
            explicit = TrainConfig.CodingKeys.allKeys
        }
        if let path = config {
            let file = try loadJSONConfig(TrainConfig.self, path: path, keys: TrainConfig.CodingKeys.allKeys)
            let keys = Train.keys(ofJSONFile: path)
            cfg = try ResumedSettings.overlay(cfg, with: file, keys: keys)
            explicit.formUnion(keys)
        }
        if let base { cfg.base = base }
        if let reward { cfg.reward = reward }
        if let algo { cfg.algo = algo }
        if let iterations { cfg.iterations = iterations }
        if let promptsPerIteration { cfg.promptsPerIteration = promptsPerIteration }
        if let groupSize { cfg.groupSize = groupSize }
        if let miniBatch { cfg.miniBatch = miniBatch }
        if let innerEpochs { cfg.innerEpochs = innerEpochs }
        if let steps { cfg.steps = steps }
        if let shift { cfg.shift = shift }
        if let noiseLevel { cfg.noiseLevel = noiseLevel }
        if let rolloutCFG { cfg.rolloutCFG = rolloutCFG }
        if let sdeSteps { cfg.sdeSteps = sdeSteps }
        if let sharedNoise { cfg.sharedNoise = sharedNoise }
        if let lr { cfg.lr = lr }
        if let klBeta { cfg.klBeta = klBeta; explicit.insert(TrainConfig.CodingKeys.klBeta.stringValue) }
        if let clipEpsilon { cfg.clipEpsilon = clipEpsilon; explicit.insert(TrainConfig.CodingKeys.clipEpsilon.stringValue) }
        if let ratioNorm { cfg.ratioNorm = ratioNorm }
        if let reweight { cfg.reweight = reweight }
        if let segmentSteps { cfg.segmentSteps = segmentSteps }
        if let bapoTarget { cfg.bapoTarget = bapoTarget }
        if let nftBeta { cfg.nftBeta = nftBeta }
        if let timestepDraws { cfg.timestepDraws = timestepDraws }
        if let timestepDistribution { cfg.timestepDistribution = timestepDistribution }
        if let oldDecayStart { cfg.oldDecayStart = oldDecayStart }
        if let oldDecayRate { cfg.oldDecayRate = oldDecayRate }
        if let oldDecayMax { cfg.oldDecayMax = oldDecayMax; explicit.insert(TrainConfig.CodingKeys.oldDecayMax.stringValue) }
        if let awmWeighting { cfg.awmWeighting = awmWeighting }
        if let awmGhuberPower { cfg.awmGhuberPower = awmGhuberPower }
        if let awmClip { cfg.awmClip = awmClip }
        if let awmOldKL { cfg.awmOldKL = awmOldKL }
        if let seed { cfg.seed = seed }
        if let evalEvery { cfg.evalEvery = evalEvery }
        if let checkpointEvery { cfg.checkpointEvery = checkpointEvery }
        if let trainPrompts { cfg.trainPrompts = trainPrompts }
        if let testPrompts { cfg.testPrompts = testPrompts }
        cfg.threads = threading.threads
        PolicyLosses.applyDefaults(to: &cfg, explicit: explicit)
        let changed = try saved.map { try ResumedSettings.changedSettings(cfg, saved: $0, ignoring: TrainConfig.quietOnResume) } ?? []
        if let problem = cfg.problem { throw ValidationError(problem) }
        let collective = try Cluster.join()   // one process, or one rank of `mpirun -np N`
        var job = TrainRun(directory: dir, config: cfg, resume: resume)
        job.changedOnResume = changed
        job.collective = collective
        let code = try job.run()
        // Only after a run that every rank finished: a failing rank exits without it, and mpirun
        // (or the collective's timeout) then ends the others.
        collective.finish()
        if code != 0 { throw ExitCode(code) }
    }

    /// Top-level keys of a JSON object file (already validated by `loadJSONConfig`).
    static func keys(ofJSONFile path: String) -> Set<String> {
        guard let data = FileManager.default.contents(atPath: path),
              let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return [] }
        return Set(object.keys)
    }

    static func timestamp() -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyyMMdd-HHmmss"
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: Date())
    }
}

import ArgumentParser
import Cluster
import Foundation
import Model
import RL
import Tensor

/// `flowrl train`: RL post-training of the base model (GRPO or forward-process), with grids and metrics per run.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Post-train the base model with GRPO (Flow-GRPO, GRPO-Guard, …) or forward-process RL (DiffusionNFT, AWM) and record everything.",
        discussion: """
            With no settings it runs the project's best documented recipe, configs/guard-curriculum.json: GRPO-Guard \
            with KL β 0.01 on models/base-curriculum, reward geneval:1,geneval_strict:1,relation:3,extras:0.3, \
            the first 4 of 10 steps stochastic, shift 1, 300 iterations, an evaluation every 50 (+17.6 points of \
            held-out strict accuracy, docs/results.md). The previous defaults (Flow-GRPO on models/base) are \
            configs/flow-grpo-baseline.json. Settings merge as: defaults ← --config file ← flags (on --resume: \
            the run's config.json ← --config ← flags). Naming an algorithm (--algo or a config key; on --resume, switching it) \
            gives it its own defaults for --kl-beta and --clip-epsilon unless those are given too. At the end (or on Ctrl-C) a summary \
            of the run is printed.
            """)

    @Option(name: .customLong("run"), help: "Run directory (default outputs/runs/<timestamp>).")
    var runDirectory: String?
    @Flag(help: "Continue the run from its newest complete checkpoint with its saved settings; flags given override them, logged (needs --run).") var resume = false
    @Option(help: "JSON file of settings (keys as in the run's config.json); flags override it.") var config: String?
    @Option(help: "Model directory to start from; also the frozen KL reference (default models/base-curriculum).") var base: String?
    @Option(help: "Reward spec, e.g. geneval or geneval:1,compress:0.1 (default geneval:1,geneval_strict:1,relation:3,extras:0.3).") var reward: String?
    @Option(help: "Algorithm: \(PolicyTrainers.known.joined(separator: ", ")) (default grpo-guard).") var algo: String?
    @Option(parsing: .unconditional, help: "GRPO iterations (default 300).") var iterations: Int?
    @Option(name: .customLong("prompts-per-iteration"), parsing: .unconditional, help: "Prompts per iteration (P).") var promptsPerIteration: Int?
    @Option(name: .customLong("group-size"), parsing: .unconditional, help: "Samples per prompt (G).") var groupSize: Int?
    @Option(name: .customLong("mini-batch"), parsing: .unconditional, help: "Trajectories per optimizer step.") var miniBatch: Int?
    @Option(name: .customLong("inner-epochs"), parsing: .unconditional, help: "Passes over each iteration's trajectories.") var innerEpochs: Int?
    @Option(parsing: .unconditional, help: "Denoising steps of the rollouts (T).") var steps: Int?
    @Option(parsing: .unconditional, help: "Time shift of the rollout schedule (SD3's s; 1 = even steps, > 1 = more steps at high noise; default 1).")
    var shift: Float?
    @Option(name: .customLong("noise-level"), parsing: .unconditional, help: "SDE noise level a.") var noiseLevel: Float?
    @Option(name: .customLong("rollout-cfg"), parsing: .unconditional,
            help: "Classifier-free guidance scale of the rollouts, also the trained policy (1 = off).")
    var rolloutCFG: Float?
    @Option(name: .customLong("sde-steps"), help: "Stochastic (trained) steps at the start of each rollout; 0 = all (default 4).") var sdeSteps: Int?
    @Flag(name: .customLong("shared-noise"), inversion: .prefixedNo,
          help: "Start the G samples of a group from one initial noise (DanceGRPO); default off.")
    var sharedNoise: Bool?
    @Option(parsing: .unconditional, help: "Learning rate.") var lr: Float?
    @Option(name: .customLong("kl-beta"), parsing: .unconditional,
            help: "KL penalty β against the base model (default 0.01; when --algo or a config names the algorithm: 0 for grpo-guard, as in the paper, else 0.01).")
    var klBeta: Float?
    @Option(name: .customLong("clip-epsilon"), parsing: .unconditional,
            help: "Ratio clip range ε (default 1.4e-5 for grpo-guard with RatioNorm, else 2e-3).")
    var clipEpsilon: Float?
    @Flag(name: .customLong("ratio-norm"), inversion: .prefixedNo, help: "grpo-guard: RatioNorm on/off (ablation).")
    var ratioNorm: Bool?
    @Flag(name: .customLong("reweight"), inversion: .prefixedNo, help: "grpo-guard: 1/|dt| step reweighting on/off (ablation).")
    var reweight: Bool?
    @Option(name: .customLong("segment-steps"), parsing: .unconditional, help: "sspo / st-ppo: denoising steps per ratio segment.")
    var segmentSteps: Int?
    @Option(name: .customLong("bapo-target"), parsing: .unconditional, help: "bapo: target share of positive-advantage rows in the loss.")
    var bapoTarget: Float?
    @Flag(name: .customLong("tensorboard"), inversion: .prefixedNo, help: "Write TensorBoard events to RUN/tb/ as the run goes (default on).")
    var tensorboard: Bool?
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
    @Option(name: .customLong("eval-every"), parsing: .unconditional, help: "Iterations between held-out evaluations and grids (default 50).") var evalEvery: Int?
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
        let dir = runDirectory ?? "outputs/runs/" + Train.timestamp()
        // A resumed run starts from the settings it was started with, not from the defaults.
        let saved = resume ? try SavedRunConfig.load(TrainConfig.self, directory: dir) : nil
        var layers: [[String: Any]] = []
        if let path = config {
            _ = try loadJSONConfig(TrainConfig.self, path: path, keys: TrainConfig.CodingKeys.allKeys)   // names the file on error
            layers.append(Train.jsonObject(ofFile: path))
        }
        layers.append(flagSettings)
        // Merging, defaults and the resume overlay live in the library (`TrainSettings`), shared with `flowrl study`.
        let settings: TrainSettings.Resolved
        do { settings = try TrainSettings.resolve(saved: saved, layers: layers) } catch let error as TrainSettingsError {
            throw ValidationError(error.description)
        }
        let cfg = settings.config
        let changed = settings.changedOnResume
        let collective = try Cluster.join()   // one process, or one rank of `mpirun -np N`
        var job = TrainRun(directory: dir, config: cfg, resume: resume)
        job.changedOnResume = changed
        job.collective = collective
        let code = try job.run()
        // Ended or interrupted (130/143): what the run did, from its own metrics.jsonl.
        if collective.isRoot, let summary = try? TrainSummary(run: dir) { print(summary.text) }
        // Only after a run that every rank finished: a failing rank exits without it, and mpirun
        // (or the collective's timeout) then ends the others.
        collective.finish()
        if code != 0 { throw ExitCode(code) }
    }

    /// The settings given as flags, keyed as in config.json; a flag not given is absent, so the
    /// layers below it (config file, saved run, default recipe) keep their value.
    var flagSettings: [String: Any] {
        let given: [(TrainConfig.CodingKeys, Any?)] = [
            (.base, base), (.reward, reward), (.algo, algo), (.iterations, iterations),
            (.promptsPerIteration, promptsPerIteration), (.groupSize, groupSize), (.miniBatch, miniBatch),
            (.innerEpochs, innerEpochs), (.steps, steps), (.shift, shift), (.noiseLevel, noiseLevel),
            (.rolloutCFG, rolloutCFG), (.sdeSteps, sdeSteps), (.sharedNoise, sharedNoise), (.lr, lr),
            (.klBeta, klBeta), (.clipEpsilon, clipEpsilon), (.ratioNorm, ratioNorm), (.reweight, reweight),
            (.segmentSteps, segmentSteps), (.bapoTarget, bapoTarget), (.tensorboard, tensorboard),
            (.nftBeta, nftBeta), (.timestepDraws, timestepDraws), (.timestepDistribution, timestepDistribution),
            (.oldDecayStart, oldDecayStart), (.oldDecayRate, oldDecayRate), (.oldDecayMax, oldDecayMax),
            (.awmWeighting, awmWeighting), (.awmGhuberPower, awmGhuberPower), (.awmClip, awmClip), (.awmOldKL, awmOldKL),
            (.seed, seed), (.evalEvery, evalEvery),
            (.checkpointEvery, checkpointEvery), (.trainPrompts, trainPrompts), (.testPrompts, testPrompts),
            (.threads, threading.threads),
        ]
        var out: [String: Any] = [:]
        for case let (key, value?) in given { out[key.stringValue] = value }
        return out
    }

    /// Top-level keys of a JSON object file (already validated by `loadJSONConfig`).
    static func keys(ofJSONFile path: String) -> Set<String> { Set(jsonObject(ofFile: path).keys) }

    /// A JSON object file (already validated by `loadJSONConfig`) as a settings layer.
    static func jsonObject(ofFile path: String) -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: path),
              let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return [:] }
        return object
    }

    static func timestamp() -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyyMMdd-HHmmss"
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: Date())
    }
}

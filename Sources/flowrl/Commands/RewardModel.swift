import ArgumentParser
import Foundation
import Imaging
import Model
import Rewards
import Shapes
import Tensor

/// `flowrl reward-model`: the learned reward model behind `--reward learned:DIR`.
struct RewardModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reward-model",
        abstract: "Train the learned reward model used by --reward learned:DIR.",
        subcommands: [RewardModelTrain.self])
}

/// `flowrl reward-model train`: fits the reward model to the judge's partial credit.
struct RewardModelTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a reward model on judge-labelled renders (and optionally base-model samples).",
        discussion: """
        Training images are renders of the training prompts, correct or edited (objects removed, \
        recoloured, reshaped, moved, added) and degraded (blur, noise, erasures, specks), labelled by the \
        judge's partial credit. --extra-samples N adds N images drawn from the --checkpoint model for \
        training prompts. The held-out Pearson correlation with the judge is measured on the test prompts \
        and stored in the model's safetensors metadata.
        """)

    @Option(help: "Output directory (config.json + model.safetensors).") var out: String = "models/reward"
    @Option(help: "Training steps.") var steps: Int = 3000
    @Option(help: "Images per step.") var batch: Int = 64
    @Option(help: "Peak learning rate (AdamW, cosine decay).") var lr: Float = 6e-3
    @Option(help: "Seed of initialisation and data.") var seed: UInt64 = 0
    @Option(name: .customLong("heldout"), help: "Held-out examples for the correlation.") var heldOut: Int = 2048
    @Option(name: .customLong("train-prompts"), help: "Training prompts.") var trainPrompts: String = "prompts/train.txt"
    @Option(name: .customLong("test-prompts"), help: "Held-out prompts.") var testPrompts: String = "prompts/test.txt"
    @Option(name: .customLong("extra-samples"), help: "Base-model samples to add (0 = none; needs --checkpoint).")
    var extraSamples: Int = 0
    @Option(name: .customLong("sample-steps"), help: "Euler steps for the extra samples.") var sampleSteps: Int = 20
    @Option(help: "Classifier-free guidance of the extra samples.") var cfg: Float = 3
    @OptionGroup var checkpoint: CheckpointOptions
    @OptionGroup var threading: ThreadOptions

    func validate() throws {
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
        guard (1...1024).contains(batch) else { throw ValidationError("--batch must be in 1…1024, got \(batch)") }
        guard lr > 0, lr.isFinite else { throw ValidationError("--lr must be positive") }
        guard heldOut >= 2 else { throw ValidationError("--heldout must be at least 2, got \(heldOut)") }
        guard extraSamples >= 0 else { throw ValidationError("--extra-samples must not be negative") }
        guard sampleSteps >= 1, cfg >= 0 else { throw ValidationError("--sample-steps must be ≥ 1 and --cfg ≥ 0") }
    }

    func run() throws {
        Parallel.configure(threads: threading.threads)
        let train = try readPrompts(trainPrompts).map { try Caption.parse($0) }
        let test = try readPrompts(testPrompts).map { try Caption.parse($0) }
        let extra = extraSamples > 0 ? try baseModelSamples(train) : []
        var options = RewardModelTrainingOptions()
        options.steps = steps
        options.batch = batch
        options.lr = lr
        options.seed = seed
        options.heldOutExamples = heldOut
        let config = RewardModelConfig()
        print("training the reward model: \(train.count) train prompts, \(test.count) held-out prompts, \(extra.count) base-model samples")
        let (params, report) = RewardModelTrainer.train(config: config, options: options, trainCaptions: train,
                                                        heldOutCaptions: test, extra: extra) { print($0) }
        let metadata = ["heldout_pearson": String(format: "%.4f", report.heldOutPearson),
                        "heldout_mse": String(format: "%.5f", report.heldOutMSE),
                        "heldout_examples": String(report.heldOutExamples), "steps": String(report.steps),
                        "extra_examples": String(report.extraExamples), "seed": String(seed)]
        try RewardModelCheckpoint.save(directory: out, config: config, params: params, metadata: metadata)
        print(String(format: "held-out Pearson with the judge %.3f (MSE %.4f, %d examples); %.0f s; ",
                     report.heldOutPearson, report.heldOutMSE, report.heldOutExamples, report.seconds) + "wrote \(out)")
    }

    /// `extraSamples` images from the checkpoint, for training prompts in a seeded order, each
    /// labelled by the judge.
    func baseModelSamples(_ captions: [Caption]) throws -> [RewardExample] {
        let (config, params) = try checkpoint.load()
        var order = captions
        var rng = RNG(seed: RNG.derive(seed, 7))
        rng.shuffle(&order)
        let seedsPerPrompt = 4, promptsPerCall = 16
        let net = VelocityNetwork(config: config, maxBatch: seedsPerPrompt * promptsPerCall)
        let options = ODESamplerOptions(steps: sampleSteps, shift: 1, cfgScale: cfg)
        var out: [RewardExample] = []
        var call = 0
        while out.count < extraSamples {
            let prompts = (0..<promptsPerCall).map { order[(call * promptsPerCall + $0) % order.count] }
            let seeds = (0..<seedsPerPrompt).map { UInt64(truncatingIfNeeded: RNG.derive(seed, 8, call, $0)) }
            let images = try SampleGrid.generate(network: net, params: params, prompts: prompts.map(\.text), seeds: seeds,
                                                 options: options)
            for (i, floats) in images.enumerated() where out.count < extraSamples {
                let image = Image(floats: floats, width: config.imageSize, height: config.imageSize)
                out.append(RewardExample(judging: image, caption: prompts[i / seedsPerPrompt]))
            }
            call += 1
            print("sampled \(out.count)/\(extraSamples) base-model images")
        }
        return out
    }
}

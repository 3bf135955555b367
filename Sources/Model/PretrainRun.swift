import Foundation
import Imaging
import NN
import Tensor

/// A pretraining run directory: config.json, metrics.jsonl, grids/step_NNNNNN.png, ckpt/ and, at
/// the end (or on interrupt), the EMA model exported as `model/` (config.json + model.safetensors),
/// ready for `--checkpoint`.
public struct PretrainRun {
    public var directory: String
    public var config: PretrainConfig
    public var model: ModelConfig
    public var resume: Bool
    /// Captions excluded from training (the held-out test set).
    public var heldOut: [String]
    /// Prompts of the sample grids written every `sample_every` steps.
    public var gridPrompts: [String]
    public var gridSeeds: [UInt64] = [0, 1, 2, 3]

    public init(directory: String, config: PretrainConfig, model: ModelConfig, resume: Bool,
                heldOut: [String], gridPrompts: [String]) {
        self.directory = directory; self.config = config; self.model = model; self.resume = resume
        self.heldOut = heldOut; self.gridPrompts = gridPrompts
    }

    /// Runs to `config.steps` (or until SIGINT/SIGTERM) and returns the process exit code.
    public func run() throws -> Int32 {
        Parallel.configure(threads: config.threads)
        var resumeFrom: TrainingCheckpoint? = nil
        if resume {
            guard let dir = CheckpointStore.latest(run: directory) else { throw CheckpointError.noCheckpoint(directory + "/ckpt") }
            resumeFrom = try CheckpointStore.load(dir, optimizerTemplate: AdamW(parameterCount: 0))
        } else if !CheckpointStore.completeSteps(run: directory).isEmpty {
            throw RunError.exists(directory)
        }
        let model = resumeFrom?.config ?? self.model
        try AtomicFiles.makeDirectory(directory)
        try AtomicFiles.makeDirectory(directory + "/grids")
        try writeConfig(model: model)
        let data = ShapesPretrainData(tokenizer: Tokenizer(maxTokens: model.maxTextTokens), heldOut: heldOut)
        let trainer = Pretrainer(config: config, model: model, data: data, resume: resumeFrom)
        let log = try MetricsLog(path: directory + "/metrics.jsonl", truncateAfterStep: trainer.step)
        let sampler = VelocityNetwork(config: model, maxBatch: gridPrompts.count * gridSeeds.count)
        Interrupt.install()
        let progress = Progress(total: config.steps, label: "pretrain")
        var window: [Float] = [], windowSeconds = 0.0
        if trainer.step == 0 { try writeGrid(trainer, sampler) }
        while trainer.step < config.steps {
            let s = trainer.trainStep()
            guard s.loss.isFinite else {
                progress.finishLine()
                throw RunError.nonFinite("loss", trainer.step)
            }
            window.append(s.loss); windowSeconds += s.seconds
            if trainer.step % config.logEvery == 0 || trainer.step == config.steps {
                let loss = window.reduce(0, +) / Float(window.count)
                log.append(["step": trainer.step, "loss": loss, "lr": s.lr, "grad_norm": s.gradNorm,
                            "samples_per_second": Double(window.count * config.batchSize) / windowSeconds])
                progress.update(trainer.step, String(format: "loss %.4f  %.0f img/s", loss,
                                                     Double(window.count * config.batchSize) / windowSeconds))
                window.removeAll(keepingCapacity: true); windowSeconds = 0
            }
            if trainer.step % config.sampleEvery == 0 { try writeGrid(trainer, sampler) }
            if trainer.step % config.checkpointEvery == 0 || trainer.step == config.steps || Interrupt.signal != nil {
                try CheckpointStore.save(run: directory, step: trainer.step, trainer.checkpoint())
                try ModelCheckpoint.save(directory: directory + "/model", config: model, params: trainer.emaParameters,
                                         metadata: ["step": String(trainer.step), "source": "flowrl pretrain (EMA weights)"])
                // Temporary files of a run killed while writing, now superseded.
                AtomicFiles.removeLeftovers(in: directory)
                AtomicFiles.removeLeftovers(in: directory + "/model")
            }
            if Interrupt.signal != nil {
                progress.finishLine()
                printError("interrupted at step \(trainer.step); checkpoint saved, continue with --resume")
                return Interrupt.exitCode
            }
        }
        return 0
    }

    func writeConfig(model: ModelConfig) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        let pretrain = try JSONSerialization.jsonObject(with: enc.encode(config))
        let modelObj = try JSONSerialization.jsonObject(with: enc.encode(model))
        let all: [String: Any] = ["pretrain": pretrain, "model": modelObj, "held_out_captions": heldOut.count]
        try AtomicFiles.write(JSONSerialization.data(withJSONObject: all, options: [.prettyPrinted, .sortedKeys]),
                              to: directory + "/config.json")
    }

    func writeGrid(_ trainer: Pretrainer, _ sampler: VelocityNetwork) throws {
        guard !gridPrompts.isEmpty else { return }
        let opts = ODESamplerOptions(steps: config.sampleSteps, shift: 1, cfgScale: config.sampleCFG)
        let images = try SampleGrid.generate(network: sampler, params: trainer.emaParameters, prompts: gridPrompts,
                                             seeds: gridSeeds, options: opts)
        let title = "pretrain step \(trainer.step) (EMA, \(config.sampleSteps) Euler steps, cfg \(config.sampleCFG))"
        let grid = SampleGrid.render(images: images, prompts: gridPrompts, seeds: gridSeeds,
                                     side: trainer.network.config.imageSize, title: title)
        try PNG.write(grid, to: directory + "/grids/" + String(format: "step_%06d.png", trainer.step),
                      text: [("step", String(trainer.step)), ("prompts", gridPrompts.joined(separator: "; "))])
    }
}

/// Run-level errors a user can cause.
public enum RunError: Error, CustomStringConvertible, Equatable {
    case exists(String)
    case nonFinite(String, Int)

    public var description: String {
        switch self {
        case .exists(let d): return "run directory \(d) already has checkpoints; pass --resume to continue it or choose another --run"
        case let .nonFinite(what, step): return "non-finite \(what) at step \(step); stopping (last good checkpoint kept)"
        }
    }
}

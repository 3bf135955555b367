import Cluster
import Foundation
import Imaging
import NN
import Tensor
import Tracking

/// A pretraining run directory: config.json, metrics.jsonl, grids/step_NNNNNN.png, ckpt/ and, at
/// the end (or on interrupt), the EMA model exported as `model/` (config.json + model.safetensors),
/// ready for `--checkpoint`.
///
/// With a `collective` of several ranks every rank trains (see `Pretrainer`); rank 0 alone logs
/// and writes the run directory, the others only read a checkpoint on `--resume`.
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
    /// The ranks sharing each batch (a single process by default).
    public var collective: any Collective = SingleProcess()
    /// Stop (with a checkpoint) at this step, leaving the schedule of `config.steps` unchanged:
    /// a recipe that changes settings mid-run can then be replayed exactly.
    public var stopAt: Int?
    /// Settings the resuming command changed from the run's saved ones ("key: old → new"),
    /// logged and recorded in metrics.jsonl so the run's history keeps them.
    public var changedOnResume: [String] = []

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
        guard config.batchSize >= collective.size else {
            throw ClusterError.tooFewItems("batch_size", config.batchSize, collective.size)
        }
        // A new run may start from a finished model's weights (`init`); a resumed one has its own.
        var initial: (config: ModelConfig, params: Parameters)? = nil
        if resumeFrom == nil, let dir = config.initFrom { initial = try ModelCheckpoint.load(directory: dir) }
        let model = resumeFrom?.config ?? initial?.config ?? self.model
        let root = collective.isRoot
        let data = ShapesPretrainData(tokenizer: Tokenizer(maxTokens: model.maxTextTokens), heldOut: heldOut,
                                      categoryWeights: config.categoryWeights)
        let trainer = Pretrainer(config: config, model: model, data: data, resume: resumeFrom, initial: initial?.params,
                                 collective: collective)
        var log: MetricsLog?, progress: Model.Progress?, sampler: VelocityNetwork?, events: RunEvents?
        if root {
            try AtomicFiles.makeDirectory(directory)
            try AtomicFiles.makeDirectory(directory + "/grids")
            try writeConfig(model: model)
            log = try MetricsLog(path: directory + "/metrics.jsonl", truncateAfterStep: trainer.step)
            // TensorBoard mirrors metrics.jsonl: rebuilt from the (truncated) file, then fed live.
            if config.tensorboard {
                let tb = try RunEvents.rebuild(logdir: directory + "/tb", from: directory, upToStep: trainer.step)
                log?.observer = { tb.record(line: $0) }
                events = tb
            }
            if resume && !changedOnResume.isEmpty {
                printError("resuming at step \(trainer.step) with changed settings: " + changedOnResume.joined(separator: ", "))
                log?.appendResume(step: trainer.step, changed: changedOnResume)
            }
            sampler = VelocityNetwork(config: model, maxBatch: gridPrompts.count * gridSeeds.count)
        }
        let end = min(config.steps, stopAt ?? config.steps)
        if root { progress = Progress(total: end, label: "pretrain", alreadyDone: trainer.step) }
        Interrupt.install()
        var window: [Float] = [], windowSeconds = 0.0, nonFinite = 0
        if trainer.step == 0, let sampler { try writeGrid(trainer, sampler, events) }
        while trainer.step < end {
            let s = trainer.trainStep()
            // The loss is summed over ranks, so every rank skips and stops here alike.
            if s.skipped {
                nonFinite += 1
                let what = s.loss.isFinite ? "gradient" : "loss"
                log?.append(["step": trainer.step, "skipped": "non-finite \(what)", "lr": s.lr])
                if root { progress?.finishLine(); printError("step \(trainer.step): update skipped (non-finite \(what))") }
                if nonFinite >= config.maxNonFinite { throw RunError.nonFinite(what, trainer.step, nonFinite) }
            } else {
                nonFinite = 0
                window.append(s.loss); windowSeconds += s.seconds
            }
            if !window.isEmpty, trainer.step % config.logEvery == 0 || trainer.step == end {
                let loss = window.reduce(0, +) / Float(window.count)
                log?.append(["step": trainer.step, "loss": loss, "lr": s.lr, "grad_norm": s.gradNorm,
                             "samples_per_second": Double(window.count * config.batchSize) / windowSeconds])
                progress?.update(trainer.step, String(format: "loss %.4f  %.0f img/s", loss,
                                                      Double(window.count * config.batchSize) / windowSeconds))
                window.removeAll(keepingCapacity: true); windowSeconds = 0
            }
            if trainer.step % config.sampleEvery == 0, let sampler { try writeGrid(trainer, sampler, events) }
            // A signal may reach one rank only: all ranks stop if any got one.
            let interrupted = collective.anyTrue(Interrupt.signal != nil)
            if trainer.step % config.checkpointEvery == 0 || trainer.step == end || interrupted {
                guard collective.agree(on: fingerprint(trainer.params.values)) else { throw ClusterError.diverged(trainer.step) }
                if root { try saveCheckpoint(trainer) }
            }
            if interrupted {
                // Under mpirun the first rank to exit makes it end the others: none leaves before
                // rank 0's checkpoint is on disk.
                collective.barrier()
                progress?.finishLine()
                if root { printError("interrupted at step \(trainer.step); checkpoint saved, continue with --resume") }
                return Interrupt.signal != nil ? Interrupt.exitCode : 128 + SIGTERM
            }
        }
        return 0
    }

    func saveCheckpoint(_ trainer: Pretrainer) throws {
        try CheckpointStore.saveRun(directory, step: trainer.step, trainer.checkpoint(), ema: trainer.emaParameters,
                                    source: "flowrl pretrain (EMA weights)")
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

    func writeGrid(_ trainer: Pretrainer, _ sampler: VelocityNetwork, _ events: RunEvents? = nil) throws {
        guard !gridPrompts.isEmpty else { return }
        let opts = ODESamplerOptions(steps: config.sampleSteps, shift: 1, cfgScale: config.sampleCFG)
        let images = try SampleGrid.generate(network: sampler, params: trainer.emaParameters, prompts: gridPrompts,
                                             seeds: gridSeeds, options: opts)
        let title = "pretrain step \(trainer.step) (EMA, \(config.sampleSteps) Euler steps, cfg \(config.sampleCFG))"
        let grid = SampleGrid.render(images: images, prompts: gridPrompts, seeds: gridSeeds,
                                     side: trainer.network.config.imageSize, title: title)
        let gridPath = directory + "/grids/" + String(format: "step_%06d.png", trainer.step)
        try PNG.write(grid, to: gridPath,
                      text: [("step", String(trainer.step)), ("prompts", gridPrompts.joined(separator: "; "))])
        try events?.grid(step: trainer.step, pngPath: gridPath)
    }
}

/// Run-level errors a user can cause.
public enum RunError: Error, CustomStringConvertible, Equatable {
    case exists(String)
    /// A run's saved config.json that cannot be read back, and why.
    case badConfig(String, String)
    /// What was not finite, the step, and how many steps in a row.
    case nonFinite(String, Int, Int)

    public var description: String {
        switch self {
        case .exists(let d): return "run directory \(d) already has checkpoints; pass --resume to continue it or choose another --run"
        case let .badConfig(path, why): return "cannot resume: the run's settings \(path) \(why)"
        case let .nonFinite(what, step, count):
            return "\(count) consecutive steps with a non-finite \(what) (the last at step \(step)); stopping (last good checkpoint kept)"
        }
    }
}

import Cluster
import Foundation
import Imaging
import Model
import NN
import Rewards
import Shapes
import Tensor
import Tracking

/// A GRPO run directory (DESIGN.md §6): config.json, metrics.jsonl, grids/step_NNNNNN.png,
/// ckpt/step_NNNNNN/ and, at the end or on interrupt, the EMA policy exported as model/.
///
/// With a `collective` of several ranks every rank trains (see `GRPOTrainer`) and reads the base
/// model, prompts and, on `--resume`, the checkpoint; rank 0 alone logs, evaluates and writes the
/// run directory, the others never touch it.
public struct TrainRun {
    public var directory: String
    public var config: TrainConfig
    public var resume: Bool
    /// Rows of the sample grids: a fixed selection of held-out prompts, the same in every run.
    public var gridPromptCount = 8
    /// Where progress and summaries go (stderr by default).
    public var log: (String) -> Void = { printError($0) }
    /// Settings the resuming command changed from the run's saved ones ("key: old → new"),
    /// logged and recorded in metrics.jsonl so the run's history keeps them.
    public var changedOnResume: [String] = []
    /// A reward to use instead of the one `config.reward` names (tests inject faulty rewards here).
    public var rewardOverride: (any Reward)?
    /// The ranks sharing the run (a single process by default).
    public var collective: any Collective = SingleProcess()

    public init(directory: String, config: TrainConfig, resume: Bool) {
        self.directory = directory; self.config = config; self.resume = resume
    }

    /// Runs to `config.iterations` (or until SIGINT/SIGTERM); returns the exit code.
    @discardableResult
    public func run() throws -> Int32 {
        Parallel.configure(threads: config.threads)
        let (modelConfig, base) = try ModelCheckpoint.load(directory: config.base)
        let trainPrompts = try TrainRun.readPrompts(config.trainPrompts)
        let testPrompts = try TrainRun.readPrompts(config.testPrompts)
        let reward = try rewardOverride ?? RewardRegistry.make(config.reward)
        var resumeFrom: TrainingCheckpoint? = nil
        if resume {
            guard let dir = CheckpointStore.latest(run: directory) else { throw CheckpointError.noCheckpoint(directory + "/ckpt") }
            resumeFrom = try CheckpointStore.load(dir, optimizerTemplate: AdamW(parameterCount: 0))
            guard resumeFrom!.config == modelConfig else {
                throw TrainError.modelMismatch("checkpoint \(dir) was trained from a different model than \(config.base)")
            }
        } else if !CheckpointStore.completeSteps(run: directory).isEmpty {
            throw RunError.exists(directory)
        }
        let trainer = try PolicyTrainers.make(config: config, modelConfig: modelConfig, base: base, reward: reward,
                                              prompts: trainPrompts, resume: resumeFrom, collective: collective)
        let root = collective.isRoot
        // A reward that cannot score at all (an external command that does not exist, a learned
        // model that does not fit) fails here, before the run directory is touched.
        let side = modelConfig.imageSize
        _ = try reward.score(images: [Image(width: side, height: side)], prompts: [trainPrompts[0]])
        var metrics: MetricsLog?, progress: Model.Progress?, events: RunEvents?
        if root {
            try AtomicFiles.makeDirectory(directory + "/grids")
            log("run directory: \(directory)" + (collective.size > 1 ? " (\(collective.size) ranks)" : ""))
            try writeConfig(modelConfig)
            metrics = try MetricsLog(path: directory + "/metrics.jsonl", truncateAfterStep: trainer.iteration)
            // TensorBoard mirrors metrics.jsonl: rebuilt from the (truncated) file, then fed live.
            if config.tensorboard {
                let tb = try RunEvents.rebuild(logdir: directory + "/tb", from: directory, upToStep: trainer.iteration)
                metrics?.observer = { tb.record(line: $0) }
                events = tb
            }
            if resume && !changedOnResume.isEmpty {
                log("resuming at iteration \(trainer.iteration) with changed settings: " + changedOnResume.joined(separator: ", "))
                metrics?.appendResume(step: trainer.iteration, changed: changedOnResume)
            }
        }
        let gridPrompts = TrainRun.gridPrompts(testPrompts, count: gridPromptCount)
        let evalNet = root ? VelocityNetwork(config: modelConfig, maxBatch: 64) : nil
        Interrupt.install()
        if trainer.iteration == 0, let evalNet, let metrics {
            try evaluate(trainer, evalNet, testPrompts, gridPrompts, metrics, events)
        }
        if root { progress = Progress(total: config.iterations, label: "train", alreadyDone: trainer.iteration) }
        var nonFinite = 0
        while trainer.iteration < config.iterations {
            let diagnostics = (trainer.iteration + 1) % config.evalEvery == 0
            let cpuStart = ProcessClock.cpuSeconds()
            let stats = try trainer.iterate(diagnostics: diagnostics)
            // CPU seconds of the iteration (evaluation excluded): the cost studies compare
            // algorithms by, unaffected by other processes sharing the cores.
            var record = stats.record
            record["seconds_cpu"] = ProcessClock.cpuSeconds() - cpuStart
            metrics?.append(record)
            // Skips come from numbers every rank shares, so all ranks count them alike.
            if let cause = stats.skipped {
                nonFinite += 1
                if root { log("iteration \(stats.iteration): update skipped (\(cause))") }
                if nonFinite >= config.maxNonFinite {
                    progress?.finishLine()
                    // TrainError's sentence says "non-finite" itself.
                    throw TrainError.nonFinite(cause.hasPrefix("non-finite ") ? String(cause.dropFirst(11)) : cause, nonFinite)
                }
            } else {
                nonFinite = 0
            }
            progress?.update(trainer.iteration, String(format: "reward %.3f  clipfrac %.3f  kl %.2e  %.1fs/it",
                                                       stats.rewardMean, stats.clipFraction, stats.kl,
                                                       stats.rolloutSeconds + stats.rewardSeconds + stats.updateSeconds))
            let last = trainer.iteration == config.iterations
            if trainer.iteration % config.evalEvery == 0 || last, let evalNet, let metrics {
                try evaluate(trainer, evalNet, testPrompts, gridPrompts, metrics, events)
            }
            // A signal may reach one rank only: all ranks stop if any got one.
            let interrupted = collective.anyTrue(Interrupt.signal != nil)
            // No checkpoint after a skipped update, so that the newest checkpoint of a run stopped by
            // non-finite values is its last good one (an interrupt still saves: the weights are finite).
            if (stats.skipped == nil && (trainer.iteration % config.checkpointEvery == 0 || last)) || interrupted {
                guard collective.agree(on: fingerprint(trainer.params.values)) else {
                    throw ClusterError.diverged(trainer.iteration)
                }
                if root { try saveCheckpoint(trainer) }
            }
            if interrupted {
                // Under mpirun the first rank to exit makes it end the others: none leaves before
                // rank 0's checkpoint is on disk.
                collective.barrier()
                progress?.finishLine()
                if root { log("interrupted after iteration \(trainer.iteration); checkpoint saved, continue with --resume") }
                return Interrupt.signal != nil ? Interrupt.exitCode : 128 + SIGTERM
            }
        }
        return 0
    }

    func saveCheckpoint(_ trainer: any PolicyTrainer) throws {
        try CheckpointStore.saveRun(directory, step: trainer.iteration, trainer.checkpoint(),
                                    ema: trainer.emaParameters, source: "flowrl train (EMA weights)")
    }

    /// Held-out strict accuracy of the EMA policy, logged as an eval record, and the sample grid.
    func evaluate(_ trainer: any PolicyTrainer, _ net: VelocityNetwork, _ prompts: [String], _ gridPrompts: [String],
                  _ metrics: MetricsLog, _ events: RunEvents? = nil) throws {
        let start = Date()
        let result = try Evaluator.evaluate(network: net, params: trainer.emaParameters, prompts: prompts,
                                            options: config.evaluation)
        let K = config.evalSeeds
        let gold = result.report
        // The proxy on the same held-out images the gold metrics judged: over-optimization is the
        // proxy rising on them while strict accuracy, quality or diversity falls.
        let proxy = try trainer.reward.score(images: result.images, prompts: result.imagePrompts).total
        var record: [String: Any] = ["step": trainer.iteration, "kind": "eval",
                                     "eval_strict": gold.overall.strictAccuracy, "eval_partial": gold.overall.partial,
                                     "eval_quality": gold.overall.quality,
                                     "eval_proxy": Double(proxy.reduce(0, +)) / Double(max(1, proxy.count)),
                                     "eval_seconds": Date().timeIntervalSince(start)]
        if let d = gold.overall.diversity { record["eval_diversity"] = d }
        for (k, s) in gold.categories { record["eval_strict_\(k)"] = s.strictAccuracy }
        // Why held-out images fail, so a run shows which kind of error RL removes.
        for kind in JudgeFailure.Kind.allCases { record["eval_fail_\(kind.rawValue)"] = gold.overall.failureRate(kind) }
        if let o = gold.overall.objects { record["eval_objects"] = o }
        if let p = gold.overall.passAtK { record["eval_pass_at_k"] = p }
        metrics.append(record)
        log(String(format: "eval at iteration %d: strict %.1f%% (partial %.3f, quality %.3f, diversity %.3f)",
                   trainer.iteration, gold.overall.strictAccuracy * 100, gold.overall.partial,
                   gold.overall.quality, gold.overall.diversity ?? .nan))
        // The grid reuses the evaluation's images: same prompts and seeds in every run, so grids
        // of different steps and runs line up cell by cell.
        let rows = gridPrompts.map { p -> [Image] in
            let i = prompts.firstIndex(of: p)!
            return (0..<min(K, 4)).map { j in result.images[i * K + j].upscaled(by: 4) }
        }
        let title = "\(config.algo)  iteration \(trainer.iteration)  strict \(String(format: "%.1f%%", gold.overall.strictAccuracy * 100))"
        let grid = Grid.render(rows, rowLabels: gridPrompts, title: title, style: GridStyle(maxLabelWidth: 160))
        let gridPath = directory + "/grids/" + String(format: "step_%06d.png", trainer.iteration)
        try PNG.write(grid, to: gridPath,
                      text: [("step", String(trainer.iteration)), ("algo", config.algo), ("reward", config.reward)])
        try events?.grid(step: trainer.iteration, pngPath: gridPath)
    }

    func writeConfig(_ model: ModelConfig) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        var all = try JSONSerialization.jsonObject(with: enc.encode(config)) as! [String: Any]
        all["model"] = try JSONSerialization.jsonObject(with: enc.encode(model))
        if let commit = TrainRun.gitCommit() { all["git_commit"] = commit }
        if collective.size > 1 { all["ranks"] = collective.size }
        try AtomicFiles.write(JSONSerialization.data(withJSONObject: all, options: [.prettyPrinted, .sortedKeys]),
                              to: directory + "/config.json")
    }

    /// A fixed spread of held-out prompts over the categories, for the grids.
    public static func gridPrompts(_ prompts: [String], count: Int) -> [String] {
        var byCategory: [String: [String]] = [:]
        for p in prompts { byCategory[(try? Caption.parse(p))?.category.rawValue ?? "", default: []].append(p) }
        var out: [String] = []
        var round = 0
        while out.count < min(count, prompts.count) {
            var added = false
            for c in CaptionCategory.allCases {
                if let list = byCategory[c.rawValue], round < list.count, out.count < count {
                    out.append(list[round]); added = true
                }
            }
            if !added { break }
            round += 1
        }
        return out
    }

    /// One caption per line; every caption must parse.
    public static func readPrompts(_ path: String) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else { throw TrainError.promptFile(path, "does not exist") }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
        guard !lines.isEmpty else { throw TrainError.promptFile(path, "has no prompts") }
        for (n, l) in lines.enumerated() {
            do { _ = try Caption.parse(l) } catch { throw TrainError.promptFile(path, "line \(n + 1): \(error)") }
        }
        return lines
    }

    static func gitCommit() -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "rev-parse", "HEAD"]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return nil }
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return nil }
        return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

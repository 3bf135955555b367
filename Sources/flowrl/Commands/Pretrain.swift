import ArgumentParser
import Cluster
import Foundation
import Model
import Tensor
import Shapes

/// `flowrl pretrain`: rectified-flow pretraining of the base model on the shapes world.
struct Pretrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pretrain the velocity network on rendered shapes scenes (resumable).")

    @Option(name: .customLong("run"), help: "Run directory (created); checkpoints, metrics.jsonl and grids go there.")
    var runDirectory: String = "outputs/pretrain/base"
    @Flag(help: "Continue the run from its newest complete checkpoint with its saved settings; flags given override them, logged.")
    var resume = false
    @Option(help: "JSON file with pretrain settings (keys as in config.json's \"pretrain\"); flags override it.")
    var config: String?
    @Option(parsing: .unconditional, help: "Total optimizer steps.") var steps: Int?
    @Option(name: .customLong("batch-size"), parsing: .unconditional, help: "Images per step.") var batchSize: Int?
    @Option(parsing: .unconditional, help: "Peak learning rate.") var lr: Float?
    @Option(name: .customLong("warmup-steps"), parsing: .unconditional, help: "Linear warm-up steps.") var warmupSteps: Int?
    @Option(parsing: .unconditional, help: "Seed of initialisation and data.") var seed: UInt64?
    @Option(name: .customLong("checkpoint-every"), parsing: .unconditional, help: "Steps between checkpoints.") var checkpointEvery: Int?
    @Option(name: .customLong("sample-every"), parsing: .unconditional, help: "Steps between sample grids.") var sampleEvery: Int?
    @Option(name: .customLong("stop-at"), parsing: .unconditional,
            help: "Stop with a checkpoint at this step without changing the learning-rate schedule of --steps.")
    var stopAt: Int?
    @Option(name: .customLong("init"), help: "Model directory whose weights start the run (a curriculum on a finished model; its architecture is used).")
    var initFrom: String?
    @Option(name: .customLong("category-weights"),
            help: "Relative caption-category weights, e.g. position:3,color_attr:2,counting:1 (unnamed categories get 0; default uniform).")
    var categoryWeights: String?
    @Flag(name: .customLong("tensorboard"), inversion: .prefixedNo, help: "Write TensorBoard events to RUN/tb/ as the run goes (default on).")
    var tensorboard: Bool?
    @Option(parsing: .unconditional, help: "Transformer width.") var width: Int = 128
    @Option(parsing: .unconditional, help: "Transformer depth.") var depth: Int = 6
    @Option(parsing: .unconditional, help: "Attention heads.") var heads: Int = 4
    @Option(help: "Held-out captions never trained on.") var holdout: String = "prompts/test.txt"
    @OptionGroup var threading: ThreadOptions

    func validate() throws {
        for (name, v) in [("steps", steps), ("batch-size", batchSize), ("checkpoint-every", checkpointEvery),
                          ("sample-every", sampleEvery), ("stop-at", stopAt), ("width", width), ("depth", depth), ("heads", heads)] {
            if let v, v <= 0 { throw ValidationError("--\(name) must be positive, got \(v)") }
        }
    }

    func run() throws {
        var cfg = PretrainConfig()
        // A resumed run starts from the settings it was started with, not from the defaults.
        let saved = resume ? try SavedRunConfig.load(PretrainConfig.self, directory: runDirectory, section: "pretrain") : nil
        if let saved { cfg = saved }
        if let path = config {
            let file = try loadJSONConfig(PretrainConfig.self, path: path, keys: PretrainConfig.CodingKeys.allKeys)
            cfg = try ResumedSettings.overlay(cfg, with: file, keys: Train.keys(ofJSONFile: path))
        }
        if let steps { cfg.steps = steps }
        if let batchSize { cfg.batchSize = batchSize }
        if let lr { cfg.lr = lr }
        if let warmupSteps { cfg.warmupSteps = warmupSteps }
        if let seed { cfg.seed = seed }
        if let checkpointEvery { cfg.checkpointEvery = checkpointEvery }
        if let sampleEvery { cfg.sampleEvery = sampleEvery }
        if let initFrom { cfg.initFrom = initFrom }
        if let categoryWeights { cfg.categoryWeights = try parseCategoryWeights(categoryWeights) }
        if let tensorboard { cfg.tensorboard = tensorboard }
        cfg.threads = threading.threads
        let changed = try saved.map { try ResumedSettings.changedSettings(cfg, saved: $0, ignoring: PretrainConfig.quietOnResume) } ?? []
        if let problem = cfg.problem { throw ValidationError(problem) }
        var model = ModelConfig()
        model.width = width; model.depth = depth; model.heads = heads
        if let problem = model.problem { throw ValidationError(problem) }
        let heldOut = FileManager.default.fileExists(atPath: holdout) ? try readPrompts(holdout) : []
        let gridPrompts = ["a red circle", "two blue squares", "a green triangle and a yellow circle",
                           "three white triangles", "a purple square to the left of a red circle",
                           "a yellow circle above a blue triangle"]
        var job = PretrainRun(directory: runDirectory, config: cfg, model: model, resume: resume, heldOut: heldOut,
                              gridPrompts: gridPrompts)
        job.stopAt = stopAt
        job.changedOnResume = changed
        job.collective = try Cluster.join()
        let code = try job.run()
        job.collective.finish()   // only after a run every rank finished (see Train)
        if code != 0 { throw ExitCode(code) }
    }
}

/// "position:3,color_attr:2" → ["position": 3, "color_attr": 2]; names are checked by the config.
func parseCategoryWeights(_ text: String) throws -> [String: Float] {
    var weights: [String: Float] = [:]
    for item in text.split(separator: ",") {
        let parts = item.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let w = Float(parts[1].trimmingCharacters(in: .whitespaces)) else {
            throw ValidationError("--category-weights: expected NAME:WEIGHT, got \"\(item)\"")
        }
        let name = parts[0].trimmingCharacters(in: .whitespaces)
        guard weights[name] == nil else { throw ValidationError("--category-weights: \(name) is named twice") }
        weights[name] = w
    }
    return weights
}

/// Loads a JSON settings file strictly, with an error naming the file.
func loadJSONConfig<T: Decodable>(_ type: T.Type, path: String, keys: Set<String>) throws -> T {
    guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("config file \(path) does not exist") }
    do { return try StrictJSON.decode(T.self, from: data, allowedKeys: keys) } catch {
        throw ValidationError("config file \(path): \(error)")
    }
}

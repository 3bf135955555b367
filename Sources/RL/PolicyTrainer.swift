import Cluster
import Model
import NN
import Rewards

/// What a training algorithm gives `TrainRun`: one `iterate()` per iteration, its weights for
/// evaluation and its state for checkpoints. Everything else of a run (the run directory,
/// held-out evaluation, grids, checkpoints, resume, interrupts, MPI agreement) is `TrainRun`'s
/// and the same for every algorithm; an algorithm owns only its sampling, loss and update.
public protocol PolicyTrainer: AnyObject {
    var config: TrainConfig { get }
    /// The proxy reward the run trains on (also scored on the held-out images).
    var reward: any Reward { get }
    /// The trained weights (all ranks must hold the same ones).
    var params: Parameters { get }
    /// Iterations completed.
    var iteration: Int { get }
    /// The weights evaluation and the exported model use (the EMA of `params`).
    var emaParameters: Parameters { get }
    /// One iteration: sample, score, update. `diagnostics` asks for the costlier per-step metrics.
    func iterate(diagnostics: Bool) throws -> IterationStats
    /// The full training state, enough to continue bit for bit.
    func checkpoint() -> TrainingCheckpoint
}

extension GRPOTrainer: PolicyTrainer {}

/// The algorithms `--algo` selects: the GRPO policy losses and the forward-process trainers.
public enum PolicyTrainers {
    public static let known = PolicyLosses.known + ForwardProcessTrainer.algorithms

    /// Throws what `make` would about `config.algo` and its loss, without building a trainer (a
    /// study checks every arm this way before any run starts).
    public static func validate(_ config: TrainConfig) throws {
        guard known.contains(config.algo) else { throw TrainError.unknownAlgorithm(config.algo, known) }
        if ForwardProcessTrainer.algorithms.contains(config.algo) {
            _ = try ForwardProcessTrainer.makeLoss(config)
        } else {
            _ = try PolicyLosses.make(config.algo, config: config)
        }
    }

    /// The trainer for `config.algo`, starting from `base` or continuing from `resume`.
    public static func make(config: TrainConfig, modelConfig: ModelConfig, base: Parameters, reward: any Reward,
                            prompts: [String], resume: TrainingCheckpoint? = nil,
                            collective: any Collective = SingleProcess()) throws -> any PolicyTrainer {
        guard known.contains(config.algo) else { throw TrainError.unknownAlgorithm(config.algo, known) }
        if ForwardProcessTrainer.algorithms.contains(config.algo) {
            return try ForwardProcessTrainer(config: config, modelConfig: modelConfig, base: base, reward: reward,
                                             prompts: prompts, resume: resume, collective: collective)
        }
        return try GRPOTrainer(config: config, modelConfig: modelConfig, base: base, reward: reward,
                               prompts: prompts, resume: resume, collective: collective)
    }
}

import Foundation
import Model
import NN
import Rewards
import Shapes
import Tensor

/// Times whole GRPO iterations for `flowrl bench`: a freshly initialised model (so no checkpoint is
/// needed), the training prompts of the shapes world and a built-in reward, split into the
/// rollout / reward / update seconds that `GRPOTrainer.iterate` records, with the iteration's peak
/// resident memory.
public enum IterationBenchmark {
    public struct Result: Codable, Sendable {
        /// Trajectories per iteration (P·G), denoising steps T, trained steps K.
        public var samples: Int, steps: Int, trainedSteps: Int
        /// Network rows of one update (trajectories per mini-batch × K) and updates per iteration.
        public var rowsPerMiniBatch: Int, updates: Int
        public var reward: String
        public var rolloutSeconds: Double, rewardSeconds: Double, updateSeconds: Double, totalSeconds: Double
        /// CPU seconds (user + system, all threads) the process spent in the reported iteration: on a
        /// shared machine this moves less than the wall-clock seconds.
        public var cpuSeconds: Double
        /// Peak resident bytes while the trainer was built and iterated (VmHWM), when measurable.
        public var peakResidentBytes: Int?
        /// What the README's memory formula predicts for these settings (on top of the baseline).
        public var predictedBytes: Int
        /// Resident bytes of the process before the trainer was built.
        public var baselineResidentBytes: Int?

        enum CodingKeys: String, CodingKey {
            case samples, steps, trainedSteps = "trained_steps", rowsPerMiniBatch = "rows_per_mini_batch"
            case updates, reward, rolloutSeconds = "rollout_seconds", rewardSeconds = "reward_seconds"
            case updateSeconds = "update_seconds", totalSeconds = "total_seconds", cpuSeconds = "cpu_seconds"
            case peakResidentBytes = "peak_resident_bytes", predictedBytes = "predicted_bytes"
            case baselineResidentBytes = "baseline_resident_bytes"
        }
    }

    /// The training captions of the shapes world (prompts/train.txt, regenerated in memory).
    public static var trainingPrompts: [String] { PromptSets.generate(seed: PromptSets.seed).train.map(\.text) }

    /// A trainer on fresh weights of `model` (adaLN weights perturbed so every branch does real work).
    public static func makeTrainer(config: TrainConfig, model: ModelConfig, seed: UInt64 = 5) throws -> GRPOTrainer {
        var rng = RNG(seed: seed)
        var base = VelocityNetwork.initialParameters(model, rng: &rng)
        for i in 0..<base.count { base.values[i] += 0.02 * rng.normal() }
        return try GRPOTrainer(config: config, modelConfig: model, base: base,
                               reward: RewardRegistry.make(config.reward), prompts: trainingPrompts)
    }

    /// Runs `iterations` iterations and reports the last one (the first pays page faults for the
    /// activation memory, which later iterations reuse).
    public static func measure(config: TrainConfig = TrainConfig(), model: ModelConfig = ModelConfig(),
                               iterations: Int = 1) throws -> Result {
        let baseline = ProcessMemory.residentBytes
        ProcessMemory.resetPeak()
        let trainer = try makeTrainer(config: config, model: model)
        var stats: IterationStats?, cpu = 0.0
        for _ in 0..<max(1, iterations) {
            let c0 = processCPUSeconds()
            stats = try trainer.iterate()
            cpu = processCPUSeconds() - c0
        }
        let s = stats!
        let peak = ProcessMemory.peakResidentBytes
        let P = config.promptsPerIteration, G = config.groupSize
        return Result(samples: P * G, steps: config.steps, trainedSteps: config.rollout.trainedSteps,
                      rowsPerMiniBatch: trainer.rowsPerMiniBatch,
                      updates: config.innerEpochs * ((P * G + config.miniBatch - 1) / config.miniBatch),
                      reward: config.reward, rolloutSeconds: s.rolloutSeconds, rewardSeconds: s.rewardSeconds,
                      updateSeconds: s.updateSeconds,
                      totalSeconds: s.rolloutSeconds + s.rewardSeconds + s.updateSeconds, cpuSeconds: cpu,
                      peakResidentBytes: peak, predictedBytes: MemoryModel(config: config, model: model).totalBytes,
                      baselineResidentBytes: baseline)
    }

    /// User + system CPU seconds of the whole process so far.
    static func processCPUSeconds() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return s(u.ru_utime) + s(u.ru_stime)
    }
}

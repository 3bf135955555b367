import Model
import NN
import Tensor

/// Shows that rollouts and updates allocate nothing per denoising step: counts malloc calls of a
/// rollout and of one update at T and at 2T steps (same samples, same mini-batch). The per-step
/// cost is (count(2T) − count(T)) / T; with reused workspaces it is 0, and what remains is a
/// fixed number of allocations per call (the trajectory arrays, the loss's per-row outputs).
public enum AllocationCheck {
    public struct Result: Codable, Sendable {
        public var steps: [Int]
        /// malloc-family calls of one rollout / one update at each step count (nil without the shim).
        public var rolloutCalls: [Int?]
        public var updateCalls: [Int?]
        /// Change of the live heap bytes across each rollout / update (nil without the shim).
        public var rolloutBytesRetained: [Int?]
        public var updateBytesRetained: [Int?]

        enum CodingKeys: String, CodingKey {
            case steps, rolloutCalls = "rollout_malloc_calls", updateCalls = "update_malloc_calls"
            case rolloutBytesRetained = "rollout_bytes_retained", updateBytesRetained = "update_bytes_retained"
        }

        /// Allocations per extra denoising step, or nil without the counting shim.
        public var rolloutCallsPerStep: Double? { perStep(rolloutCalls) }
        public var updateCallsPerStep: Double? { perStep(updateCalls) }
        private func perStep(_ c: [Int?]) -> Double? {
            guard c.count == 2, let a = c[0], let b = c[1] else { return nil }
            return Double(b - a) / Double(steps[1] - steps[0])
        }
    }

    /// Runs the check at `config.steps` and twice as many, on the first mini-batch of the iteration.
    public static func run(config: TrainConfig = TrainConfig(), model: ModelConfig = ModelConfig()) throws -> Result {
        var result = Result(steps: [], rolloutCalls: [], updateCalls: [], rolloutBytesRetained: [], updateBytesRetained: [])
        for steps in [config.steps, 2 * config.steps] {
            var cfg = config
            cfg.steps = steps
            let trainer = try IterationBenchmark.makeTrainer(config: cfg, model: model)
            let tokenizer = Tokenizer(maxTokens: model.maxTextTokens)
            let N = cfg.promptsPerIteration * cfg.groupSize
            var tokens: [Int32] = []
            for i in 0..<N { tokens += try tokenizer.encode(trainer.prompts[i / cfg.groupSize % trainer.prompts.count]) }
            let seeds = (0..<N).map { UInt64($0) }
            // Warm-up: lazily created thread pools and OpenBLAS buffers are not per-step costs.
            _ = SDESampler.rollout(network: trainer.network, params: trainer.params, tokens: Array(tokens[0..<(2 * model.maxTextTokens)]),
                                   seeds: [0, 1], options: cfg.rollout)
            var calls = AllocationCounter.calls, bytes = AllocationCounter.liveBytes
            let batch = SDESampler.rollout(network: trainer.network, params: trainer.params, tokens: tokens, seeds: seeds,
                                           options: cfg.rollout)
            result.steps.append(steps)
            result.rolloutCalls.append(AllocationCounter.calls.flatMap { now in calls.map { now - $0 } })
            result.rolloutBytesRetained.append(AllocationCounter.liveBytes.flatMap { now in bytes.map { now - $0 } })
            var rng = RNG(seed: 9)
            let advantages = (0..<N).map { _ in rng.normal() }
            let members = Array(0..<min(cfg.miniBatch, N))
            var stats = IterationStats(iteration: 1, trainedSteps: cfg.rollout.trainedSteps)
            _ = try trainer.update(batch, members: members, advantages: advantages, perStepGradNorms: false, stats: &stats)
            calls = AllocationCounter.calls; bytes = AllocationCounter.liveBytes
            _ = try trainer.update(batch, members: members, advantages: advantages, perStepGradNorms: false, stats: &stats)
            result.updateCalls.append(AllocationCounter.calls.flatMap { now in calls.map { now - $0 } })
            result.updateBytesRetained.append(AllocationCounter.liveBytes.flatMap { now in bytes.map { now - $0 } })
            withExtendedLifetime(batch) {}   // freed after the count, not inside it
        }
        return result
    }
}

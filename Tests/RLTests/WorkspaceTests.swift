import XCTest
import Model
import NN
import Tensor
@testable import RL

/// The rollout and the update run their per-sample / per-row loops on raw pointers split across
/// cores; these tests pin down that the split changes no number and that the memory formula of the
/// README is the memory the network actually takes.
final class WorkspaceTests: XCTestCase {
    private func trainer(threads: Int, config: TrainConfig) throws -> GRPOTrainer {
        Parallel.configure(threads: threads)
        return try GRPOTrainer(config: config, modelConfig: TinyRL.model, base: TinyRL.base(seed: 7),
                               reward: BrightnessReward(), prompts: TinyRL.prompts)
    }

    private func rollout(_ t: GRPOTrainer, n: Int) throws -> RolloutBatch {
        let ids = try Tokenizer(maxTokens: TinyRL.model.maxTextTokens).encode("two blue squares")
        return SDESampler.rollout(network: t.network, params: t.params, tokens: Array((0..<n).map { _ in ids }.joined()),
                                  seeds: (0..<n).map { UInt64(40 + $0) }, options: t.config.rollout)
    }

    /// A rollout on 2 workers equals the serial one, and so do the update's per-row log-probs and
    /// mean shifts, up to the float rounding of the network's products at another shard size (an
    /// indexing slip in a parallel loop would move values by O(1)).
    func testRolloutAndUpdateRowsDoNotDependOnWorkerCount() throws {
        defer { Parallel.configure(threads: 1) }
        var cfg = TinyRL.config(miniBatch: 3)
        cfg.rolloutCFG = 2   // exercises the guided halves too
        var results: [(RolloutBatch, PolicyBatch)] = []
        for threads in [1, 2] {
            let t = try trainer(threads: threads, config: cfg)
            let batch = try rollout(t, n: 5)
            var stats = IterationStats(iteration: 1, trainedSteps: batch.trainedSteps)
            let adv: [Float] = [1, -1, 0.5, -0.5, 0]
            let r = try XCTUnwrap(t.update(batch, members: [4, 0, 2], advantages: adv, perStepGradNorms: false,
                                           stats: &stats))
            results.append((batch, r.0))
        }
        let (a, b) = (results[0], results[1])
        func maxDiff(_ x: [Float], _ y: [Float]) -> Float {
            XCTAssertEqual(x.count, y.count)
            return zip(x, y).map { abs($0 - $1) }.max() ?? 0
        }
        XCTAssertLessThan(maxDiff(a.0.states, b.0.states), 1e-4)
        XCTAssertLessThan(maxDiff(a.0.means, b.0.means), 1e-4)
        XCTAssertLessThan(maxDiff(a.0.logProbs, b.0.logProbs), 1e-4)
        XCTAssertLessThan(maxDiff(a.1.logpNew, b.1.logpNew), 1e-4)
        XCTAssertLessThan(maxDiff(a.1.meanSquaredShift, b.1.meanSquaredShift), 1e-8)
        XCTAssertEqual(a.1.trajectory, b.1.trajectory)
        XCTAssertEqual(a.1.step, b.1.step)
    }

    /// The per-row activation count of `MemoryModel` (the README's formula) is what the network's
    /// arenas hold, for one and for two shards.
    func testMemoryFormulaMatchesTheNetworksActivationMemory() {
        for shards in [1, 2] {
            Parallel.configure(threads: shards)
            defer { Parallel.configure(threads: 1) }
            let cfg = TinyRL.config(miniBatch: 4)
            let m = MemoryModel(config: cfg, model: TinyRL.model, shards: shards)
            let net = VelocityNetwork(config: TinyRL.model, maxBatch: m.networkRows)
            let perShard = (m.networkRows + shards - 1) / shards
            XCTAssertEqual(net.activationFloats, shards * perShard * m.activationFloatsPerRow, "\(shards) shards")
        }
    }

    /// The trajectory term of the formula is the size of what a rollout stores.
    func testMemoryFormulaCountsTheStoredTrajectories() throws {
        let cfg = TinyRL.config(miniBatch: 4)
        let t = try trainer(threads: 1, config: cfg)
        let n = cfg.promptsPerIteration * cfg.groupSize
        let batch = try rollout(t, n: n)
        let stored = 4 * (batch.states.count + batch.means.count + batch.logProbs.count)
        XCTAssertEqual(MemoryModel(config: cfg, model: TinyRL.model, shards: 1).trajectoryBytes, stored)
    }
}

import Foundation
import XCTest
import Model
import NN
@testable import RL

/// Every policy loss inside the real GRPO trainer (tiny model of GRPOTrainerTests).
final class PolicyLossTrainerTests: XCTestCase {
    /// The only update of an iteration with one mini-batch sees θ = θ_old: for every algorithm, at
    /// its default ε, every ratio is 1 up to float rounding and nothing is clipped.
    func testFirstInnerStepHasUnitRatioForEveryAlgorithm() throws {
        for algo in PolicyLosses.known {
            var cfg = TinyRL.config(miniBatch: 8)
            cfg.algo = algo
            PolicyLosses.applyDefaults(to: &cfg, explicit: [])
            cfg.klBeta = 0
            let t = try GRPOTrainer(config: cfg, modelConfig: TinyRL.model, base: TinyRL.base(), reward: BrightnessReward(),
                                    prompts: TinyRL.prompts)
            XCTAssertEqual(t.loss.name, algo)
            let stats = try t.iterate()
            XCTAssertNil(stats.skipped, algo)
            XCTAssertEqual(stats.clipFraction, 0, algo)
            XCTAssertEqual(stats.ratioMean, 1, accuracy: 1e-5, algo)
            for m in stats.logRatioMeanPerStep { XCTAssertEqual(m, 0, accuracy: 1e-5, algo) }
            XCTAssertGreaterThan(stats.gradNorm, 0, "\(algo): the update carried a gradient")
        }
    }

    /// BAPO's moved bounds are saved in the checkpoint and restored on resume.
    func testBAPOStateRoundTripsThroughACheckpoint() throws {
        var cfg = TinyRL.config(miniBatch: 2)
        cfg.algo = "bapo"; cfg.clipEpsilon = 1e-3
        let first = try GRPOTrainer(config: cfg, modelConfig: TinyRL.model, base: TinyRL.base(), reward: BrightnessReward(),
                                    prompts: TinyRL.prompts)
        for _ in 0..<2 { _ = try first.iterate() }
        let state = first.loss.state
        XCTAssertNotNil(state["bapo_positive_share"], "endIteration measured the share")
        XCTAssertEqual(Set(state.keys), ["bapo_epsilon_low", "bapo_epsilon_high", "bapo_positive_share"])

        let run = NSTemporaryDirectory() + "flowrl-bapo-resume-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: run) }
        try CheckpointStore.save(run: run, step: first.iteration, first.checkpoint())
        let ckpt = try CheckpointStore.load(try XCTUnwrap(CheckpointStore.latest(run: run)), optimizerTemplate: AdamW(parameterCount: 0))
        let resumed = try GRPOTrainer(config: cfg, modelConfig: TinyRL.model, base: TinyRL.base(), reward: BrightnessReward(),
                                      prompts: TinyRL.prompts, resume: ckpt)
        XCTAssertEqual(resumed.loss.state, state)
        XCTAssertEqual(resumed.loss.clipBounds.lower, first.loss.clipBounds.lower)
        XCTAssertEqual(resumed.loss.clipBounds.upper, first.loss.clipBounds.upper)
    }
}

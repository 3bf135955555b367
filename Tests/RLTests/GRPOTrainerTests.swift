import Foundation
import XCTest
import Imaging
import Model
import NN
import Rewards
import Tensor
@testable import RL

/// Mean brightness of the image: a reward a tiny policy can learn in a few iterations.
struct BrightnessReward: Reward {
    let name = "brightness"
    func score(images: [Image], prompts: [String]) throws -> RewardScores {
        RewardScores(single: name, images.map { img in Float(img.pixels.reduce(0) { $0 + Int($1) }) / Float(img.pixels.count * 255) })
    }
}

/// A reward that returns NaN for every image, to exercise the non-finite guard.
struct NaNReward: Reward {
    let name = "nan"
    func score(images: [Image], prompts: [String]) throws -> RewardScores {
        RewardScores(single: name, images.map { _ in .nan })
    }
}

enum TinyRL {
    static let model = ModelConfig(width: 16, depth: 1, heads: 2, vocabSize: Tokenizer.vocabSize, maxTextTokens: 12,
                                   mlpRatio: 2, timeFeatures: 8, imageSize: 8, patchSize: 4)
    static let prompts = ["a red circle", "two blue squares", "a green triangle", "a white square"]

    static func base(seed: UInt64 = 1) -> Parameters {
        var rng = RNG(seed: seed)
        var p = VelocityNetwork.initialParameters(model, rng: &rng)
        // A little signal in every weight, so the policy is not exactly the adaLN-Zero identity.
        for i in 0..<p.count { p.values[i] += 0.02 * rng.normal() }
        return p
    }

    static func config(miniBatch: Int = 4) -> TrainConfig {
        var c = TrainConfig()
        c.promptsPerIteration = 2; c.groupSize = 4; c.miniBatch = miniBatch; c.steps = 4
        c.lr = 3e-3; c.klBeta = 0.01; c.clipEpsilon = 0.05; c.seed = 5
        return c
    }
}

final class GRPOTrainerTests: XCTestCase {
    /// Before any update the recomputed log-probs equal the stored ones: every ratio is 1 (up to
    /// float rounding from a different batch layout) and nothing is clipped.
    func testFirstInnerStepHasUnitRatio() throws {
        var cfg = TinyRL.config(miniBatch: 8)   // one mini-batch: the only update sees θ = θ_old
        cfg.klBeta = 0
        let t = try GRPOTrainer(config: cfg, modelConfig: TinyRL.model, base: TinyRL.base(), reward: BrightnessReward(),
                                prompts: TinyRL.prompts)
        let stats = try t.iterate()
        XCTAssertNil(stats.skipped)
        XCTAssertEqual(stats.clipFraction, 0)
        XCTAssertEqual(stats.logRatioMeanPerStep.count, 3)
        for m in stats.logRatioMeanPerStep { XCTAssertEqual(m, 0, accuracy: 1e-5) }
        for s in stats.logRatioStdPerStep { XCTAssertLessThan(s, 1e-5) }
        XCTAssertEqual(stats.ratioMean, 1, accuracy: 1e-5)
        XCTAssertEqual(stats.approxKL, 0, accuracy: 1e-10)
    }

    /// A later mini-batch of the same iteration sees moved weights: ratios leave 1.
    func testLaterMiniBatchesSeeMovedRatios() throws {
        let t = try GRPOTrainer(config: TinyRL.config(miniBatch: 2), modelConfig: TinyRL.model, base: TinyRL.base(),
                                reward: BrightnessReward(), prompts: TinyRL.prompts)
        let stats = try t.iterate()
        XCTAssertGreaterThan(stats.approxKL, 0)
    }

    func testResumeReproducesUninterruptedRunBitForBit() throws {
        let cfg = TinyRL.config()
        let straight = try GRPOTrainer(config: cfg, modelConfig: TinyRL.model, base: TinyRL.base(), reward: BrightnessReward(),
                                       prompts: TinyRL.prompts)
        for _ in 0..<4 { _ = try straight.iterate() }

        let run = NSTemporaryDirectory() + "flowrl-grpo-resume-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: run) }
        let first = try GRPOTrainer(config: cfg, modelConfig: TinyRL.model, base: TinyRL.base(), reward: BrightnessReward(),
                                    prompts: TinyRL.prompts)
        for _ in 0..<2 { _ = try first.iterate() }
        try CheckpointStore.save(run: run, step: first.iteration, first.checkpoint())
        let ckpt = try CheckpointStore.load(try XCTUnwrap(CheckpointStore.latest(run: run)), optimizerTemplate: AdamW(parameterCount: 0))
        let resumed = try GRPOTrainer(config: cfg, modelConfig: TinyRL.model, base: TinyRL.base(), reward: BrightnessReward(),
                                      prompts: TinyRL.prompts, resume: ckpt)
        XCTAssertEqual(resumed.iteration, 2)
        for _ in 0..<2 { _ = try resumed.iterate() }
        XCTAssertEqual(resumed.params.values, straight.params.values)
        XCTAssertEqual(resumed.ema.shadow, straight.ema.shadow)
    }

    /// GRPO raises a reward the tiny policy can reach.
    func testGRPORaisesTheReward() throws {
        var cfg = TinyRL.config()
        cfg.lr = 1e-2; cfg.klBeta = 0; cfg.clipEpsilon = 0.2; cfg.innerEpochs = 2
        let t = try GRPOTrainer(config: cfg, modelConfig: TinyRL.model, base: TinyRL.base(), reward: BrightnessReward(),
                                prompts: TinyRL.prompts)
        var rewards: [Float] = []
        for _ in 0..<20 { rewards.append(try t.iterate().rewardMean) }
        let early = rewards.prefix(4).reduce(0, +) / 4, late = rewards.suffix(4).reduce(0, +) / 4
        XCTAssertGreaterThan(late, early + 0.05, "reward \(early) → \(late)")
    }

    /// A NaN reward skips the update and leaves the weights untouched.
    func testNaNRewardSkipsTheUpdate() throws {
        let t = try GRPOTrainer(config: TinyRL.config(), modelConfig: TinyRL.model, base: TinyRL.base(), reward: NaNReward(),
                                prompts: TinyRL.prompts)
        let before = t.params.values
        let stats = try t.iterate()
        XCTAssertNotNil(stats.skipped)
        XCTAssertEqual(t.params.values, before)
        XCTAssertEqual(stats.record["skipped"] as? String, stats.skipped)
    }
}

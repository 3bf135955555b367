import Cluster
import Foundation
import XCTest
import Model
import NN
import Rewards
import Tensor
@testable import RL

/// The forward-process trainers end to end on the tiny model: they learn, resume bit for bit,
/// keep the old policy on its schedule, log their metrics, and split over ranks like GRPO.
final class ForwardProcessTrainerTests: XCTestCase {
    static func config(_ algo: String, miniBatch: Int = 4) -> TrainConfig {
        var c = TinyRL.config(miniBatch: miniBatch)
        c.algo = algo
        c.klBeta = 0.01; c.timestepDraws = 2
        return c
    }

    static func trainer(_ c: TrainConfig, reward: any Reward = BrightnessReward(), resume: TrainingCheckpoint? = nil,
                        collective: any Collective = SingleProcess()) throws -> ForwardProcessTrainer {
        try ForwardProcessTrainer(config: c, modelConfig: TinyRL.model, base: TinyRL.base(), reward: reward,
                                  prompts: TinyRL.prompts, resume: resume, collective: collective)
    }

    func testResumeReproducesUninterruptedRunBitForBit() throws {
        for algo in ForwardProcessTrainer.algorithms {
            var cfg = Self.config(algo)
            cfg.oldDecayRate = 0.1   // the old policy lags θ, so it must come back from the checkpoint
            let straight = try Self.trainer(cfg)
            for _ in 0..<4 { _ = try straight.iterate() }
            let run = NSTemporaryDirectory() + "flowrl-forward-resume-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: run) }
            let first = try Self.trainer(cfg)
            for _ in 0..<2 { _ = try first.iterate() }
            XCTAssertNotEqual(first.old.values, first.params.values, "\(algo): old policy should lag")
            try CheckpointStore.save(run: run, step: first.iteration, first.checkpoint())
            let ckpt = try CheckpointStore.load(try XCTUnwrap(CheckpointStore.latest(run: run)),
                                                optimizerTemplate: AdamW(parameterCount: 0))
            let resumed = try Self.trainer(cfg, resume: ckpt)
            XCTAssertEqual(resumed.iteration, 2)
            XCTAssertEqual(resumed.old.values, first.old.values)
            for _ in 0..<2 { _ = try resumed.iterate() }
            XCTAssertEqual(resumed.params.values, straight.params.values, algo)
            XCTAssertEqual(resumed.old.values, straight.old.values, algo)
            XCTAssertEqual(resumed.ema.shadow, straight.ema.shadow, algo)
        }
    }

    /// After each iteration old ← d·old + (1 − d)·θ with d from the optimizer steps taken; d = 0 is on-policy.
    func testOldPolicyFollowsItsSoftUpdate() throws {
        var cfg = Self.config("diffusion-nft", miniBatch: 8)   // one optimizer step per iteration
        cfg.oldDecayRate = 0.25; cfg.oldDecayMax = 0.6
        let t = try Self.trainer(cfg)
        var previousOld = t.old.values
        for n in 1...3 {
            let stats = try t.iterate()
            let d = min(0.6, 0.25 * Float(n))
            XCTAssertEqual(stats.algorithmMetrics["old_decay"]!, Double(d), accuracy: 1e-7)
            for i in stride(from: 0, to: t.params.count, by: 97) {
                XCTAssertEqual(t.old.values[i], d * previousOld[i] + (1 - d) * t.params.values[i], accuracy: 1e-6)
            }
            previousOld = t.old.values
        }
        cfg.oldDecayRate = 0
        let onPolicy = try Self.trainer(cfg)
        _ = try onPolicy.iterate()
        XCTAssertEqual(onPolicy.old.values, onPolicy.params.values)
    }

    func testMetricsHoldTheLossPartsAndTheOldPolicyDrift() throws {
        let nft = try Self.trainer(Self.config("diffusion-nft")).iterate()
        XCTAssertNil(nft.skipped)
        let r = nft.record
        for key in ["loss_positive", "loss_negative", "r_mean", "old_drift", "old_decay", "reward_mean", "rewards", "lr",
                    "grad_norm", "policy_loss", "kl", "seconds_rollout", "seconds_reward", "seconds_update"] {
            XCTAssertNotNil(r[key], "diffusion-nft record lacks \(key)")
        }
        XCTAssertEqual(nft.algorithmMetrics["loss_positive"]! + nft.algorithmMetrics["loss_negative"]!,
                       Double(nft.policyLoss), accuracy: 1e-4 * Double(nft.policyLoss))
        // Advantages have mean 0 in every group: r averages ½.
        XCTAssertEqual(nft.algorithmMetrics["r_mean"]!, 0.5, accuracy: 1e-6)
        XCTAssertGreaterThan(nft.algorithmMetrics["old_drift"]!, 0)
        XCTAssertGreaterThan(nft.kl, 0)
        let awm = try Self.trainer(Self.config("awm")).iterate()
        XCTAssertNotNil(awm.record["loss_old_kl"])
        XCTAssertEqual(awm.rewards.count, 8)
        XCTAssertGreaterThan(awm.ratioMean, 0.5)
    }

    /// Both algorithms raise the hackable `aesthetic` reward. The tiny random-init model learns from
    /// its own ODE samples more slowly than GRPO from its SDE noise (GRPO's test needs 20 iterations
    /// at lr 1e-2), so: 30 iterations at lr 3e-2, one optimizer step an iteration (AWM's proximal
    /// term pulls later steps of an iteration back toward the old policy), 4 noise levels a sample,
    /// DiffusionNFT at β 0.1.
    func testForwardTrainersRaiseTheAestheticReward() throws {
        let reward = try RewardRegistry.make("aesthetic")
        for algo in ForwardProcessTrainer.algorithms {
            var cfg = Self.config(algo, miniBatch: 8)
            cfg.lr = 3e-2; cfg.klBeta = 0; cfg.timestepDraws = 4; cfg.oldDecayRate = 0; cfg.nftBeta = 0.1
            let t = try Self.trainer(cfg, reward: reward)
            var rewards: [Float] = []
            for _ in 0..<30 { rewards.append(try t.iterate().rewardMean) }
            let early = rewards.prefix(4).reduce(0, +) / 4, late = rewards.suffix(4).reduce(0, +) / 4
            XCTAssertGreaterThan(late, early + 0.03, "\(algo): aesthetic \(early) → \(late) (\(rewards))")
        }
    }

    func testNaNRewardSkipsTheUpdate() throws {
        let t = try Self.trainer(Self.config("awm"), reward: NaNReward())
        let before = t.params.values
        let stats = try t.iterate()
        XCTAssertNotNil(stats.skipped)
        XCTAssertEqual(t.params.values, before)
    }

    /// Two ranks (threads) draw the same rewards, keep identical weights and match one process.
    func testTwoRanksReproduceTheSingleProcessRun() throws {
        let saved = Parallel.workers
        Parallel.configure(threads: 1)
        defer { Parallel.configure(threads: saved) }
        for algo in ForwardProcessTrainer.algorithms {
            var cfg = Self.config(algo, miniBatch: 3)   // uneven mini-batches, sometimes all on one rank
            cfg.innerEpochs = 2; cfg.oldDecayRate = 0.1
            let one = try Self.trainer(cfg)
            let expected = try (0..<2).map { _ in try one.iterate() }
            let ranks = try ThreadCollective.run(size: 2) { [cfg] c -> ([IterationStats], [Float], [Float]) in
                let t = try Self.trainer(cfg, collective: c)
                let stats = try (0..<2).map { _ in try t.iterate() }
                return (stats, t.params.values, t.old.values)
            }
            for (stats, values, old) in ranks {
                XCTAssertEqual(values, ranks[0].1, "\(algo): ranks' weights differ")
                XCTAssertLessThan(DataParallelTests.maxAbsDiff(values, one.params.values), 1e-5, algo)
                XCTAssertLessThan(DataParallelTests.maxAbsDiff(old, one.old.values), 1e-5, algo)
                for (s, e) in zip(stats, expected) {
                    XCTAssertEqual(s.rewards, e.rewards, algo)
                    XCTAssertEqual(s.policyLoss, e.policyLoss, accuracy: 1e-5 * max(1, abs(e.policyLoss)), algo)
                    XCTAssertEqual(s.kl, e.kl, accuracy: 1e-6 + 1e-4 * e.kl, algo)
                    for (k, v) in e.algorithmMetrics { XCTAssertEqual(s.algorithmMetrics[k]!, v, accuracy: 1e-5 * max(1, abs(v)), "\(algo) \(k)") }
                }
            }
        }
    }

    func testSettingsAreValidatedAndAlgorithmsListed() throws {
        var c = TrainConfig()
        c.timestepDistribution = "beta"
        XCTAssertTrue(c.problem?.contains("timestep_distribution") ?? false)
        c = TrainConfig(); c.oldDecayMax = 1
        XCTAssertTrue(c.problem?.contains("old_decay_max") ?? false)
        c = TrainConfig(); c.awmWeighting = "huber"
        XCTAssertTrue(c.problem?.contains("awm_weighting") ?? false)
        c = TrainConfig(); c.timestepDraws = 0
        XCTAssertTrue(c.problem?.contains("timestep_draws") ?? false)
        c = TrainConfig(); c.algo = "awm"; c.advantageClip = 0
        XCTAssertTrue(c.problem?.contains("advantage_clip") ?? false)
        XCTAssertNil(Self.config("awm").problem)
        c = Self.config("diffusion-nft"); c.algo = "dpo"
        XCTAssertThrowsError(try PolicyTrainers.make(config: c, modelConfig: TinyRL.model, base: TinyRL.base(),
                                                     reward: BrightnessReward(), prompts: TinyRL.prompts)) { e in
            XCTAssertTrue("\(e)".contains("diffusion-nft") && "\(e)".contains("awm") && "\(e)".contains("grpo-guard"), "\(e)")
        }
        var awm = TrainConfig(); awm.algo = "awm"
        PolicyLosses.applyDefaults(to: &awm, explicit: [])
        XCTAssertEqual(awm.oldDecayMax, 0.3)
        XCTAssertEqual(awm.klBeta, 0)
        XCTAssertTrue(try PolicyTrainers.make(config: Self.config("awm"), modelConfig: TinyRL.model, base: TinyRL.base(),
                                              reward: BrightnessReward(), prompts: TinyRL.prompts) is ForwardProcessTrainer)
    }
}

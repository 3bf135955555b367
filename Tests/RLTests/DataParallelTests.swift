import Cluster
import Foundation
import XCTest
import Model
import NN
import Tensor
@testable import RL

/// Data-parallel GRPO and pretraining, with ranks as threads (`ThreadCollective`): N ranks must
/// give the single-process result up to float summation order.
final class DataParallelTests: XCTestCase {
    private var savedWorkers = 1, savedBLASThreads = 1

    // Ranks as threads need `Parallel` at one worker (its pool serves one caller at a time).
    override func setUp() {
        savedWorkers = Parallel.workers; savedBLASThreads = BLAS.threads
        Parallel.configure(threads: 1)
    }

    override func tearDown() {
        Parallel.configure(threads: savedWorkers)
        BLAS.threads = savedBLASThreads
    }

    static func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    /// Tokens and seeds of the samples `range` of a P×G iteration over `TinyRL.prompts`.
    static func rollout(_ t: GRPOTrainer, samples range: Range<Int>) throws -> RolloutBatch {
        let tokenizer = Tokenizer(maxTokens: TinyRL.model.maxTextTokens)
        var tokens: [Int32] = []
        for i in range { tokens += try tokenizer.encode(TinyRL.prompts[i / t.config.groupSize]) }
        return SDESampler.rollout(network: t.network, params: t.params, tokens: tokens,
                                  seeds: range.map { UInt64(100 + $0) }, options: t.config.rollout)
    }

    /// The normalisation property: two ranks each holding part of a mini-batch, their gradients
    /// summed, give the gradient of the whole mini-batch in one process — for every loss, with the
    /// KL term, for uneven splits and for a rank that holds none of the mini-batch.
    func testRanksGradientsSumToTheWholeMiniBatchGradient() throws {
        var rng = RNG(seed: 3)
        let advantages = (0..<8).map { _ in rng.normal() }
        for algo in ["flow-grpo", "grpo-guard", "gspo", "st-ppo"] {
            for members in [[6, 0, 3, 5, 1], [2, 0, 1]] {   // 3 + 2 rows per rank; all on rank 0
                var cfg = TinyRL.config(miniBatch: 8)
                cfg.algo = algo; cfg.klBeta = 0.05; cfg.lr = 0; cfg.gradClip = .greatestFiniteMagnitude
                let one = try GRPOTrainer(config: cfg, modelConfig: TinyRL.model, base: TinyRL.base(),
                                          reward: BrightnessReward(), prompts: TinyRL.prompts)
                var stats = IterationStats(iteration: 1, trainedSteps: cfg.rollout.trainedSteps)
                _ = try one.update(Self.rollout(one, samples: 0..<8), members: members, advantages: advantages,
                                   perStepGradNorms: false, stats: &stats)
                let expected = one.params.grads
                let perRank = try ThreadCollective.run(size: 2) { [cfg] c -> [Float] in
                    let t = try GRPOTrainer(config: cfg, modelConfig: TinyRL.model, base: TinyRL.base(),
                                            reward: BrightnessReward(), prompts: TinyRL.prompts, collective: c)
                    let owned = (c.share(of: 2).lowerBound * 4)..<(c.share(of: 2).upperBound * 4)
                    var stats = IterationStats(iteration: 1, trainedSteps: cfg.rollout.trainedSteps)
                    _ = try t.update(Self.rollout(t, samples: owned), members: members, owned: owned,
                                     advantages: advantages, perStepGradNorms: false, stats: &stats)
                    return t.params.grads
                }
                let scale = expected.reduce(0) { max($0, abs($1)) }
                XCTAssertGreaterThan(scale, 0, algo)
                XCTAssertEqual(perRank[0], perRank[1], "\(algo): ranks hold different gradients")
                XCTAssertLessThan(Self.maxAbsDiff(perRank[0], expected), 1e-5 * scale, "\(algo), members \(members)")
            }
        }
    }

    /// Two GRPO iterations with several uneven mini-batches per epoch and BAPO's adaptive bounds:
    /// two ranks draw the same rewards exactly, keep identical weights, and match one process.
    func testTwoRanksReproduceTheSingleProcessRun() throws {
        var cfg = TinyRL.config(miniBatch: 3)
        cfg.innerEpochs = 2; cfg.algo = "bapo"; cfg.klBeta = 0.01
        let one = try GRPOTrainer(config: cfg, modelConfig: TinyRL.model, base: TinyRL.base(), reward: BrightnessReward(),
                                  prompts: TinyRL.prompts)
        let expected = try (0..<2).map { _ in try one.iterate(diagnostics: true) }
        let ranks = try ThreadCollective.run(size: 2) { [cfg] c -> ([IterationStats], [Float], [Float], [String: Double]) in
            let t = try GRPOTrainer(config: cfg, modelConfig: TinyRL.model, base: TinyRL.base(),
                                    reward: BrightnessReward(), prompts: TinyRL.prompts, collective: c)
            let stats = try (0..<2).map { _ in try t.iterate(diagnostics: true) }
            return (stats, t.params.values, t.ema.shadow, t.loss.state)
        }
        for (stats, values, shadow, lossState) in ranks {
            XCTAssertEqual(values, ranks[0].1, "ranks' weights differ")
            XCTAssertLessThan(Self.maxAbsDiff(values, one.params.values), 1e-5)
            XCTAssertLessThan(Self.maxAbsDiff(shadow, one.ema.shadow), 1e-5)
            for (s, e) in zip(stats, expected) {
                XCTAssertEqual(s.rewards, e.rewards)
                XCTAssertEqual(s.rewards.count, 8)
                XCTAssertEqual(s.clipFraction, e.clipFraction, accuracy: 1e-6)
                XCTAssertEqual(s.approxKL, e.approxKL, accuracy: 1e-6 + 1e-3 * e.approxKL)
                XCTAssertEqual(s.policyLoss, e.policyLoss, accuracy: 1e-6)
                XCTAssertEqual(s.kl, e.kl, accuracy: 1e-6)
                XCTAssertEqual(s.gradNormPerStep.count, e.gradNormPerStep.count)
                for (a, b) in zip(s.gradNormPerStep, e.gradNormPerStep) { XCTAssertEqual(a, b, accuracy: 1e-4 * b) }
                for (a, b) in zip(s.logRatioMeanPerStep, e.logRatioMeanPerStep) { XCTAssertEqual(a, b, accuracy: 1e-6) }
                XCTAssertEqual(s.ranks, 2)
            }
            XCTAssertEqual(lossState.keys.sorted(), one.loss.state.keys.sorted())
            for (k, v) in one.loss.state { XCTAssertEqual(lossState[k]!, v, accuracy: 1e-6, k) }
        }
    }

    func testTrainerRefusesFewerPromptGroupsThanRanks() throws {
        let board = ThreadCollective.Board(size: 3)
        XCTAssertThrowsError(try GRPOTrainer(config: TinyRL.config(), modelConfig: TinyRL.model, base: TinyRL.base(),
                                             reward: BrightnessReward(), prompts: TinyRL.prompts,
                                             collective: ThreadCollective(board: board, rank: 0))) { error in
            XCTAssertEqual(error as? ClusterError, .tooFewItems("prompts_per_iteration", 2, 3))
        }
    }

    /// Pretraining: the batch of 5 split 3 + 2 over two ranks gives the one-process steps.
    func testTwoRankPretrainingMatchesOneProcess() throws {
        var cfg = PretrainConfig()
        cfg.steps = 3; cfg.batchSize = 5; cfg.lr = 3e-3; cfg.warmupSteps = 1; cfg.seed = 4
        let model = TinyRL.model, data = NoiseData(elements: model.imageElements, tokens: model.maxTextTokens)
        let one = Pretrainer(config: cfg, model: model, data: data)
        let losses = (0..<3).map { _ in one.trainStep().loss }
        let ranks = try ThreadCollective.run(size: 2) { [cfg] c -> ([Float], [Float]) in
            let t = Pretrainer(config: cfg, model: model, data: data, collective: c)
            return ((0..<3).map { _ in t.trainStep().loss }, t.params.values)
        }
        XCTAssertEqual(ranks[0].1, ranks[1].1, "ranks' weights differ")
        XCTAssertLessThan(Self.maxAbsDiff(ranks[0].1, one.params.values), 1e-5)
        XCTAssertGreaterThan(Self.maxAbsDiff(one.params.values, Pretrainer(config: cfg, model: model, data: data).params.values), 1e-4)
        for (a, b) in zip(ranks[0].0, losses) { XCTAssertEqual(a, b, accuracy: 1e-5 * b) }
    }
}

/// Pretraining data for the tests: uniform noise images and random caption ids.
struct NoiseData: PretrainData {
    let elements: Int, tokens: Int
    func fill(x0: UnsafeMutablePointer<Float>, tokens ids: UnsafeMutablePointer<Int32>, count n: Int, rng: inout RNG) {
        for j in 0..<(n * elements) { x0[j] = 2 * rng.uniform() - 1 }
        for j in 0..<(n * tokens) { ids[j] = Int32(rng.int(below: 5)) }
    }
}

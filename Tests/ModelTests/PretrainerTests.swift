import XCTest
import NN
import Tensor
@testable import Model

/// A tiny world for pretraining tests: token id k paints the whole image in colour k.
struct SolidColourData: PretrainData {
    let config: ModelConfig
    func fill(x0: UnsafeMutablePointer<Float>, tokens: UnsafeMutablePointer<Int32>, count n: Int, rng: inout RNG) {
        let L = config.maxTextTokens, D = config.imageElements
        for b in 0..<n {
            let k = 1 + rng.int(below: 3)
            for t in 0..<L { tokens[b * L + t] = t == 0 ? Int32(k) : 0 }
            let rgb: [Float] = k == 1 ? [0.8, -0.8, -0.8] : (k == 2 ? [-0.8, 0.8, -0.8] : [-0.8, -0.8, 0.8])
            for j in 0..<D { x0[b * D + j] = rgb[j % 3] }
        }
    }
}

final class PretrainerTests: XCTestCase {
    static let tiny = ModelConfig(width: 32, depth: 2, heads: 2, vocabSize: 8, maxTextTokens: 4,
                                  mlpRatio: 2, timeFeatures: 16, imageSize: 8, patchSize: 4)

    static func config(steps: Int) -> PretrainConfig {
        var c = PretrainConfig()
        c.steps = steps; c.batchSize = 8; c.lr = 3e-3; c.warmupSteps = 5; c.seed = 11
        return c
    }

    func testTinyPretrainLossFalls() {
        let t = Pretrainer(config: Self.config(steps: 200), model: Self.tiny, data: SolidColourData(config: Self.tiny))
        var losses: [Float] = []
        for _ in 0..<200 { losses.append(t.trainStep().loss) }
        let first = losses.prefix(20).reduce(0, +) / 20
        let last = losses.suffix(20).reduce(0, +) / 20
        XCTAssertLessThan(last, 0.5 * first, "loss did not fall: \(first) → \(last)")
        XCTAssertTrue(losses.allSatisfy(\.isFinite))
    }

    /// N steps straight and N/2 + checkpoint + resume + N/2 give bit-identical weights, EMA and moments.
    func testResumeFromCheckpointReproducesUninterruptedRun() throws {
        let data = SolidColourData(config: Self.tiny)
        let cfg = Self.config(steps: 12)
        let straight = Pretrainer(config: cfg, model: Self.tiny, data: data)
        for _ in 0..<12 { straight.trainStep() }

        let run = NSTemporaryDirectory() + "flowrl-resume-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: run) }
        let first = Pretrainer(config: cfg, model: Self.tiny, data: data)
        for _ in 0..<6 { first.trainStep() }
        try CheckpointStore.save(run: run, step: first.step, first.checkpoint())

        let dir = try XCTUnwrap(CheckpointStore.latest(run: run))
        let ckpt = try CheckpointStore.load(dir, optimizerTemplate: AdamW(parameterCount: 1))
        let resumed = Pretrainer(config: cfg, model: ckpt.config, data: data, resume: ckpt)
        XCTAssertEqual(resumed.step, 6)
        for _ in 0..<6 { resumed.trainStep() }
        XCTAssertEqual(resumed.params.values, straight.params.values)
        XCTAssertEqual(resumed.ema.shadow, straight.ema.shadow)
        XCTAssertEqual(resumed.optimizer.m, straight.optimizer.m)
        XCTAssertEqual(resumed.optimizer.step, straight.optimizer.step)
    }

    func testSameSeedGivesSameWeightsDifferentSeedDoesNot() {
        let data = SolidColourData(config: Self.tiny)
        var cfg = Self.config(steps: 3)
        let a = Pretrainer(config: cfg, model: Self.tiny, data: data)
        let b = Pretrainer(config: cfg, model: Self.tiny, data: data)
        cfg.seed = 12
        let c = Pretrainer(config: cfg, model: Self.tiny, data: data)
        for _ in 0..<3 { a.trainStep(); b.trainStep(); c.trainStep() }
        XCTAssertEqual(a.params.values, b.params.values)
        XCTAssertNotEqual(a.params.values, c.params.values)
    }

    func testLRScheduleWarmsUpThenDecaysToFloor() {
        let s = LRSchedule(peak: 1, warmupSteps: 10, totalSteps: 110, minRatio: 0.1)
        XCTAssertEqual(s.rate(at: 0), 0.1, accuracy: 1e-6)
        XCTAssertEqual(s.rate(at: 9), 1, accuracy: 1e-6)
        XCTAssertEqual(s.rate(at: 60), 0.55, accuracy: 1e-5)
        XCTAssertEqual(s.rate(at: 110), 0.1, accuracy: 1e-6)
        XCTAssertEqual(s.rate(at: 500), 0.1, accuracy: 1e-6)
    }
}

final class ModelConfigLimitTests: XCTestCase {
    /// A config.json with absurd sizes is refused by name before any allocation (a fuzzing find:
    /// width 4,000,000 used to try to allocate 1.3 PB).
    func testAbsurdSizesAreRefusedBeforeAllocation() throws {
        let dir = NSTemporaryDirectory() + "flowrl-huge-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try #"{"width": 4000000, "heads": 2, "depth": 1}"#.write(toFile: dir + "/config.json", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ModelCheckpoint.load(directory: dir)) { e in
            XCTAssertTrue("\(e)".contains("width"), "\(e)")
        }
        var c = ModelConfig()
        c.depth = 200; c.width = 4096
        XCTAssertNotNil(c.problem)
        XCTAssertNil(ModelConfig().problem)
    }
}

import XCTest
import Foundation
import Imaging
import NN
import Shapes
import Tensor
@testable import Rewards

final class RewardModelTests: XCTestCase {
    /// A tiny configuration so that finite differences over every parameter stay fast.
    var tiny: RewardModelConfig {
        var c = RewardModelConfig()
        c.imageSize = 16; c.patchWidth = 3; c.contextWidth = 4; c.mergeWidth = 3; c.textWidth = 3; c.hiddenWidth = 4
        return c
    }

    func testBackwardMatchesFiniteDifferencesForEveryParameter() {
        let c = tiny, B = 3
        let net = RewardNetwork(config: c, maxBatch: B)
        var params = RewardNetwork.initialParameters(c, seed: 1)
        // The initial last layer is tiny (predictions start near ½), which would leave the deep
        // gradients below float32 resolution of the loss; a unit-scale one makes them measurable.
        let fc2 = params["head.fc2.weight"]
        for i in fc2.offset..<(fc2.offset + fc2.count) { params.values[i] *= 100 }
        var rng = RNG(seed: 2)
        var images = [Float](repeating: 0, count: B * c.imageSize * c.imageSize * 3)
        rng.fillNormal(&images, std: 0.6)
        let tokens = ["a red circle to the left of a blue square", "three green circles", "a square"]
            .flatMap { CaptionTokens.encode(Fixtures.caption($0), slots: c.maxWords) }
        let weights: [Float] = [0.7, -1.3, 0.4]
        // L = Σ w_b · p_b, so ∂L/∂p = w.
        func loss(_ values: [Float]) -> Double {
            values.withUnsafeBufferPointer { w in
                images.withUnsafeBufferPointer { x in
                    tokens.withUnsafeBufferPointer { t in
                        let p = net.forward(w.baseAddress!, images: x.baseAddress!, tokens: t.baseAddress!, batch: B)
                        return (0..<B).reduce(0.0) { $0 + Double(weights[$1]) * Double(p[$1]) }
                    }
                }
            }
        }
        _ = loss(params.values)
        params.zeroGrads()
        params.values.withUnsafeBufferPointer { w in
            params.grads.withUnsafeMutableBufferPointer { g in
                weights.withUnsafeBufferPointer { net.backward(w.baseAddress!, grads: g.baseAddress!, dprob: $0.baseAddress!, batch: B) }
            }
        }
        var values = params.values
        for info in params.infos {
            var numeric = [Double](), analytic = [Float]()
            for i in info.offset..<(info.offset + info.count) {
                let orig = values[i], eps: Float = 1e-2
                values[i] = orig + eps
                let plus = loss(values)
                values[i] = orig - eps
                let minus = loss(values)
                values[i] = orig
                numeric.append((plus - minus) / (Double(orig + eps) - Double(orig - eps)))
                analytic.append(params.grads[i])
            }
            var diff2 = 0.0, norm2 = 0.0
            for (a, n) in zip(analytic, numeric) { diff2 += (Double(a) - n) * (Double(a) - n); norm2 += max(Double(a) * Double(a), n * n) }
            let relative = (diff2 / max(norm2, 1e-20)).squareRoot()
            XCTAssertLessThan(relative, 2e-2, "\(info.name): relative error \(relative)")
            XCTAssertTrue(numeric.contains { abs($0) > 1e-6 }, "\(info.name): zero gradient proves nothing")
        }
    }

    func testShortTrainingPredictsTheJudgeOnHeldOutImages() {
        // Labelling by the judge costs ~7 ms per image in a debug build, so this run trains a
        // small model for a few seconds on a fixed pool of images of four captions, and checks the
        // judge is predicted on fresh images of them. Generalising to held-out CAPTIONS needs the
        // full run (3,000 fresh batches of 64 in a release build: Pearson ≈ 0.78 on prompts/test.txt).
        Parallel.configure(threads: 2)
        let captions = ["three green circles", "a red square", "a blue circle to the left of a white triangle",
                        "a yellow triangle and a purple square"].map(Fixtures.caption)
        var config = RewardModelConfig()
        config.patchWidth = 16; config.contextWidth = 16; config.mergeWidth = 32; config.textWidth = 16; config.hiddenWidth = 64
        var options = RewardModelTrainingOptions()
        options.steps = 300
        options.batch = 16
        options.poolSize = 600
        options.heldOutExamples = 250
        options.lr = 6e-3
        options.warmupSteps = 20
        let (_, report) = RewardModelTrainer.train(config: config, options: options, trainCaptions: captions, heldOutCaptions: captions)
        // With 250 held-out images an untrained predictor's correlation has standard deviation
        // 1/√250 ≈ 0.063; 0.3 is almost five of them.
        XCTAssertGreaterThan(report.heldOutPearson, 0.3, "held-out Pearson \(report.heldOutPearson)")
        XCTAssertEqual(report.heldOutExamples, 250)
        print("short training: held-out Pearson \(report.heldOutPearson) in \(report.seconds) s")
    }

    func testSavedModelLoadsAndScoresLikeTheOriginal() throws {
        let c = RewardModelConfig()
        let params = RewardNetwork.initialParameters(c, seed: 3)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rw-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try RewardModelCheckpoint.save(directory: dir, config: c, params: params)
        let loaded = try XCTUnwrap(try RewardRegistry.make("learned:\(dir)") as? LearnedReward)
        let images = [Fixtures.render("a red circle", seed: 1), Fixtures.render("two white squares", seed: 2)]
        let prompts = ["a red circle", "two white squares"]
        let s = try loaded.score(images: images, prompts: prompts)
        XCTAssertEqual(s.total, LearnedReward(config: c, params: params).predict(images: images, captions: prompts.map(Fixtures.caption)))
        for v in s.total { XCTAssertTrue(v > 0 && v < 1) }
        XCTAssertThrowsError(try loaded.score(images: [Image(width: 64, height: 64)], prompts: ["a circle"])) { error in
            XCTAssertTrue("\(error)".contains("64×64"), "\(error)")
        }
    }

    func testBadModelDirectoriesGiveErrorsNamingTheProblem() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rw-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertThrowsError(try LearnedReward(directory: dir)) { XCTAssertTrue("\($0)".contains("no such directory"), "\($0)") }
        let c = RewardModelConfig()
        try RewardModelCheckpoint.save(directory: dir, config: c, params: RewardNetwork.initialParameters(c, seed: 4))
        let configPath = dir + "/config.json"
        let original = try Data(contentsOf: URL(fileURLWithPath: configPath))
        for (text, expected) in [(#"{"patch_width": 16, "depth": 3}"#, "unknown key 'depth'"),
                                 (#"{"patch_width": 16, "patch_width": 8}"#, "'patch_width' appears twice"),
                                 (#"{"patch_width": "wide"}"#, "patch_width"),
                                 (#"{"patch_width": 16}"#, "tensor 'cond.weight' has shape [288, 32]"),
                                 (#"{"image_size": 30}"#, "not a multiple")] {
            try Data(text.utf8).write(to: URL(fileURLWithPath: configPath))
            XCTAssertThrowsError(try LearnedReward(directory: dir), text) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(text): \(error)")
            }
        }
        try original.write(to: URL(fileURLWithPath: configPath))
        XCTAssertNoThrow(try LearnedReward(directory: dir))
    }

    func testPearsonOfKnownSamples() {
        XCTAssertEqual(RewardModelTrainer.pearson([1, 2, 3], [2, 4, 6]), 1, accuracy: 1e-12)
        XCTAssertEqual(RewardModelTrainer.pearson([1, 2, 3], [3, 2, 1]), -1, accuracy: 1e-12)
        XCTAssertEqual(RewardModelTrainer.pearson([1, 1, 1], [3, 2, 1]), 0)
    }
}

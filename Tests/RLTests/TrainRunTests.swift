import Foundation
import XCTest
import Model
import NN
import Tensor
@testable import RL

/// `flowrl train`'s run directory end to end on a tiny model: files, metrics, resume, errors.
final class TrainRunTests: XCTestCase {
    var root = ""

    override func setUpWithError() throws {
        root = try TinyRunFixture.make(prefix: "flowrl-trainrun", testPrompts: "a white square\nthree red circles\n")
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: root) }

    func config(iterations: Int) -> TrainConfig {
        var c = TrainConfig()
        c.base = root + "/base"; c.trainPrompts = root + "/train.txt"; c.testPrompts = root + "/test.txt"
        c.reward = "aesthetic"; c.iterations = iterations; c.promptsPerIteration = 2; c.groupSize = 2
        c.miniBatch = 2; c.steps = 3; c.evalEvery = 2; c.evalSeeds = 1; c.evalSteps = 2; c.checkpointEvery = 1
        c.threads = 1
        return c
    }

    func testRunWritesConfigMetricsGridsCheckpointsAndModel() throws {
        let dir = root + "/run"
        var cfg = config(iterations: 2)
        cfg.evalSeeds = 2   // two images a prompt, so diversity is defined
        var run = TrainRun(directory: dir, config: cfg, resume: false)
        run.log = { _ in }
        XCTAssertEqual(try run.run(), 0)
        let fm = FileManager.default
        for f in ["config.json", "metrics.jsonl", "grids/step_000000.png", "grids/step_000002.png",
                  "model/config.json", "model/model.safetensors", "ckpt/step_000002/DONE"] {
            XCTAssertTrue(fm.fileExists(atPath: dir + "/" + f), "missing \(f)")
        }
        let records = try MetricsLog.read(dir + "/metrics.jsonl")
        let train = records.filter { $0["kind"] == nil }
        let evals = records.filter { ($0["kind"] as? String) == "eval" }
        XCTAssertEqual(train.map { $0["step"] as? Int }, [1, 2])
        XCTAssertEqual(evals.map { $0["step"] as? Int }, [0, 2])
        for key in ["reward_mean", "policy_loss", "kl", "approx_kl", "clipfrac", "zero_std_ratio", "lr",
                    "log_ratio_mean_per_step", "seconds_rollout", "seconds_reward", "seconds_update"] {
            XCTAssertNotNil(train[0][key], "metrics.jsonl lacks \(key)")
        }
        // Gold metrics and the proxy, each on the held-out images, in their documented ranges.
        for e in evals {
            for key in ["eval_strict", "eval_partial", "eval_quality", "eval_diversity", "eval_proxy"] {
                let v = try XCTUnwrap(e[key] as? Double, "eval record lacks \(key)")
                XCTAssertTrue((0...1).contains(v), "\(key) = \(v)")
            }
            // A random-weight model draws no clean scene: quality well below a clean render's ~0.99.
            XCTAssertLessThan(e["eval_quality"] as! Double, 0.95)
        }
        let saved = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/config.json"))) as! [String: Any]
        XCTAssertEqual(saved["reward"] as? String, "aesthetic")
        XCTAssertNotNil(saved["model"])
    }

    func testResumeContinuesAndAStartedRunIsNotOverwritten() throws {
        let dir = root + "/run"
        var first = TrainRun(directory: dir, config: config(iterations: 1), resume: false)
        first.log = { _ in }
        try first.run()
        XCTAssertThrowsError(try TrainRun(directory: dir, config: config(iterations: 2), resume: false).run()) { e in
            XCTAssertTrue("\(e)".contains("--resume"), "\(e)")
        }
        var second = TrainRun(directory: dir, config: config(iterations: 2), resume: true)
        second.log = { _ in }
        try second.run()
        XCTAssertEqual(CheckpointStore.completeSteps(run: dir).last, 2)
        let steps = try MetricsLog.read(dir + "/metrics.jsonl").filter { $0["kind"] == nil }.compactMap { $0["step"] as? Int }
        XCTAssertEqual(steps, [1, 2])
    }

    func testResumeWithoutCheckpointAndBadPromptsFailClearly() throws {
        XCTAssertThrowsError(try TrainRun(directory: root + "/none", config: config(iterations: 1), resume: true).run()) { e in
            XCTAssertTrue("\(e)".contains("no complete checkpoint"), "\(e)")
        }
        try "a red circle\na purple hexagon\n".write(toFile: root + "/bad.txt", atomically: true, encoding: .utf8)
        var c = config(iterations: 1)
        c.trainPrompts = root + "/bad.txt"
        XCTAssertThrowsError(try TrainRun(directory: root + "/bad", config: c, resume: false).run()) { e in
            XCTAssertTrue("\(e)".contains("hexagon") && "\(e)".contains("line 2"), "\(e)")
        }
    }
}

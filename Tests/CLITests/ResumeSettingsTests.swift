import Foundation
import Model
import XCTest

/// `--resume` continues a run with the settings saved in its config.json; a flag given with it
/// overrides its setting, and a change beyond the run's length and reporting is logged.
final class ResumeSettingsTests: XCTestCase {
    var fx: Fixture!

    override func setUpWithError() throws {
        fx = try Fixture()
        try fx.writePretrainConfig()
    }

    override func tearDown() { fx.remove() }

    func savedConfig(_ run: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: fx.path(run + "/config.json")))
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func testTrainResumedWithOnlyRunAndIterationsKeepsItsSettingsAndWeights() throws {
        let settings = ["--algo", "grpo-guard", "--lr", "1e-4", "--seed", "7"]
        let first = try CLI.run(fx.trainArgs(run: "a", iterations: 1, extra: settings), cwd: fx.root)
        XCTAssertEqual(first.status, 0, first.stderr)
        // Neither --config nor the flags again: everything comes from a/config.json. (The same
        // thread count as the first part: the shards' reduction order depends on it.)
        let resumed = try CLI.run(["train", "--run", "a", "--resume", "--iterations", "2"], cwd: fx.root)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let saved = try savedConfig("a")
        XCTAssertEqual(saved["algo"] as? String, "grpo-guard")
        XCTAssertEqual(saved["base"] as? String, "base")
        XCTAssertEqual(saved["reward"] as? String, "aesthetic")
        XCTAssertEqual((saved["lr"] as? NSNumber)?.floatValue, 1e-4)
        XCTAssertEqual((saved["seed"] as? NSNumber)?.intValue, 7)
        XCTAssertEqual((saved["iterations"] as? NSNumber)?.intValue, 2)
        // grpo-guard's own defaults stayed, not Flow-GRPO's.
        XCTAssertEqual((saved["kl_beta"] as? NSNumber)?.floatValue, 0)

        let clean = try CLI.run(fx.trainArgs(run: "b", iterations: 2, extra: settings), cwd: fx.root)
        XCTAssertEqual(clean.status, 0, clean.stderr)
        XCTAssertTrue(try Determinism.weights(fx.path("a"), step: 2) == Determinism.weights(fx.path("b"), step: 2),
                      "resumed weights differ from the uninterrupted run's")
    }

    func testTrainResumeWithAChangedSettingAppliesAndRecordsIt() throws {
        let first = try CLI.run(fx.trainArgs(run: "a", iterations: 1, extra: ["--lr", "1e-4"]), cwd: fx.root)
        XCTAssertEqual(first.status, 0, first.stderr)
        let r = try CLI.run(["train", "--run", "a", "--resume", "--iterations", "2", "--lr", "2e-4"], cwd: fx.root)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("resuming at iteration 1 with changed settings: lr: 0.0001 → 0.0002"), r.stderr)
        XCTAssertEqual((try savedConfig("a")["lr"] as? NSNumber)?.floatValue, 2e-4)
        // The change stays in the run's history, between the iterations it divides.
        let records = try MetricsLog.read(fx.path("a/metrics.jsonl"))
        let resume = try XCTUnwrap(records.first { $0["kind"] as? String == "resume" })
        XCTAssertEqual(resume["step"] as? Int, 1)
        XCTAssertEqual(resume["changed"] as? [String], ["lr: 0.0001 → 0.0002"])
        XCTAssertEqual(try RunWatcher.trainSteps(fx.path("a/metrics.jsonl")), [1, 2])
        // Giving the run's own settings again changes nothing and logs nothing.
        let same = try CLI.run(fx.trainArgs(run: "a", iterations: 3, extra: ["--resume", "--lr", "2e-4"]), cwd: fx.root)
        XCTAssertEqual(same.status, 0, same.stderr)
        XCTAssertFalse(same.stderr.contains("changed settings"), same.stderr)
    }

    /// `--resume --algo X` with another algorithm: X's own ε and β apply unless that command line
    /// gives them, and the resume record lists every change (issue 24).
    func testTrainResumedWithAnotherAlgorithmTakesItsDefaultsAndRecordsTheChange() throws {
        let first = try CLI.run(fx.trainArgs(run: "a", iterations: 1), cwd: fx.root)   // tiny.json: flow-grpo
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual((try savedConfig("a")["clip_epsilon"] as? NSNumber)?.floatValue, 2e-3)
        let r = try CLI.run(["train", "--run", "a", "--resume", "--iterations", "2", "--algo", "grpo-guard", "--threads", "1"],
                            cwd: fx.root)
        XCTAssertEqual(r.status, 0, r.stderr)
        let saved = try savedConfig("a")
        XCTAssertEqual(saved["algo"] as? String, "grpo-guard")
        XCTAssertEqual((saved["kl_beta"] as? NSNumber)?.floatValue, 0)
        XCTAssertEqual((saved["clip_epsilon"] as? NSNumber)?.floatValue, 1.4e-5)
        let records = try MetricsLog.read(fx.path("a/metrics.jsonl"))
        let resume = try XCTUnwrap(records.first { $0["kind"] as? String == "resume" })
        XCTAssertEqual(resume["changed"] as? [String],
                       [#"algo: "flow-grpo" → "grpo-guard""#, "clip_epsilon: 0.002 → 1.4e-05", "kl_beta: 0.01 → 0"])
        // The run ends with its summary, read from its own metrics.jsonl.
        XCTAssertTrue(r.stdout.contains("summary of a:"), r.stdout)
        XCTAssertTrue(r.stdout.contains("held-out strict accuracy: "), r.stdout)
        XCTAssertTrue(r.stdout.contains("before/after figure: flowrl compare a --first-step"), r.stdout)
    }

    func testPretrainResumedWithoutItsFlagsKeepsItsSettings() throws {
        let first = try CLI.run(fx.pretrainArgs(run: "pre", steps: 1, extra: ["--lr", "1e-3", "--seed", "3"]), cwd: fx.root)
        XCTAssertEqual(first.status, 0, first.stderr)
        let resumed = try CLI.run(["pretrain", "--run", "pre", "--resume", "--steps", "2", "--threads", "1"], cwd: fx.root)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let saved = try XCTUnwrap(try savedConfig("pre")["pretrain"] as? [String: Any])
        XCTAssertEqual((saved["lr"] as? NSNumber)?.floatValue, 1e-3)
        XCTAssertEqual((saved["seed"] as? NSNumber)?.intValue, 3)
        XCTAssertEqual((saved["batch_size"] as? NSNumber)?.intValue, 2)
        XCTAssertEqual((saved["steps"] as? NSNumber)?.intValue, 2)
        XCTAssertEqual(CheckpointStore.completeSteps(run: fx.path("pre")).last, 2)

        let changed = try CLI.run(fx.pretrainArgs(run: "pre", steps: 3, extra: ["--resume", "--lr", "1e-3", "--batch-size", "4"]),
                                  cwd: fx.root)
        XCTAssertEqual(changed.status, 0, changed.stderr)
        XCTAssertTrue(changed.stderr.contains("resuming at step 2 with changed settings: batch_size: 2 → 4"), changed.stderr)
        XCTAssertFalse(changed.stderr.contains("lr:"), "an unchanged setting was reported: \(changed.stderr)")
    }

    func testResumeWithACorruptConfigSaysSo() throws {
        let first = try CLI.run(fx.trainArgs(run: "a", iterations: 1), cwd: fx.root)
        XCTAssertEqual(first.status, 0, first.stderr)
        try fx.write("a/config.json", "{ not json")
        let r = try CLI.run(fx.trainArgs(run: "a", iterations: 2, extra: ["--resume"]), cwd: fx.root)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("config.json"), r.stderr)
    }
}

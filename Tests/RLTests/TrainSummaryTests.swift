import Foundation
import XCTest
@testable import RL

/// The end-of-run summary of `flowrl train`, read from a hand-made run directory.
final class TrainSummaryTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "flowrl-summary-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/grids", withIntermediateDirectories: true)
        try #"{"algo": "grpo-guard", "reward": "geneval", "iterations": 300}"#.write(toFile: dir + "/config.json", atomically: true, encoding: .utf8)
        for step in [0, 150, 300] { _ = FileManager.default.createFile(atPath: dir + String(format: "/grids/step_%06d.png", step), contents: Data()) }
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func write(_ lines: [String]) throws {
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir + "/metrics.jsonl", atomically: true, encoding: .utf8)
    }

    func testSummaryGivesStartBestEndProxyGridsAndTheCompareCommand() throws {
        // Eval records at 0, 150 (best), 300 around training and resume records; the resumed part
        // re-logged step 150's evaluation, and the later record of a step counts.
        try write([
            #"{"step": 0, "kind": "eval", "eval_strict": 0.412, "eval_proxy": 1.25}"#,
            #"{"step": 1, "reward_mean": 1.1}"#,
            #"{"step": 150, "kind": "eval", "eval_strict": 0.60, "eval_proxy": 1.7}"#,
            #"{"step": 150, "kind": "resume", "changed": ["lr: 3e-05 → 1e-05"]}"#,
            #"{"step": 150, "kind": "eval", "eval_strict": 0.625, "eval_proxy": 1.75}"#,
            #"{"step": 300, "reward_mean": 2.0}"#,
            #"{"step": 300, "kind": "eval", "eval_strict": 0.588, "eval_proxy": 2.06}"#,
        ])
        let summary = try TrainSummary(run: dir)
        XCTAssertEqual(summary.lines, [
            "summary of \(dir):",
            "  held-out strict accuracy: 41.2% at step 0, best 62.5% at step 150, end 58.8% at step 300 (+17.6 points)",
            "  held-out proxy reward (eval_proxy): 1.250 at step 0 → 2.060 at step 300",
            "  grids: \(dir)/grids/ (step_000000.png … step_000300.png)",
            "  before/after figure: flowrl compare \(dir) --first-step",
        ])
    }

    func testARunInterruptedBeforeItsSecondEvaluationSaysWhatItHas() throws {
        try FileManager.default.removeItem(atPath: dir + "/grids/step_000150.png")
        try FileManager.default.removeItem(atPath: dir + "/grids/step_000300.png")
        try write([#"{"step": 0, "kind": "eval", "eval_strict": 0.25}"#, #"{"step": 1, "reward_mean": 0.5}"#])
        XCTAssertEqual(try TrainSummary(run: dir).lines, [
            "summary of \(dir):",
            "  held-out strict accuracy: 25.0% at step 0, best 25.0% at step 0, end 25.0% at step 0 (+0.0 points)",
            "  grids: \(dir)/grids/ (step_000000.png)",
        ])
    }

    func testARunWithoutMetricsIsAnErrorNamingTheFile() throws {
        XCTAssertThrowsError(try TrainSummary(run: dir)) { error in
            XCTAssertTrue("\(error)".contains("metrics.jsonl"), "\(error)")
        }
    }
}

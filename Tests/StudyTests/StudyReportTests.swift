import Foundation
import XCTest
@testable import Study

/// The report on a hand-made study directory whose answers are worked out by hand: two arms ×
/// two seeds, 10 iterations, evaluations at 0, 5 and 10 (7 s each), 3 CPU seconds per iteration
/// (wall clock: rollout 1 s, reward 0.5 s, update 2.5 s).
final class StudyReportTests: XCTestCase {
    var root: String!

    //            proxy at 0, 5, 10     strict at 0, 5, 10
    static let runs: [(arm: String, seed: Int, proxy: [Double], strict: [Double])] = [
        ("a", 0, [0.2, 0.5, 0.8], [0.4, 0.6, 0.3]),
        ("a", 1, [0.2, 0.4, 0.6], [0.4, 0.5, 0.45]),
        ("b", 0, [0.2, 0.3, 0.5], [0.4, 0.5, 0.55]),
        ("b", 1, [0.2, 0.45, 0.7], [0.4, 0.6, 0.5]),
    ]

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "flowrl-study-\(UUID().uuidString)"
        let fm = FileManager.default
        try fm.createDirectory(atPath: root, withIntermediateDirectories: true)
        let study: [String: Any] = ["name": "hand", "baseline": "b", "seeds": [0, 1], "metrics": ["eval_strict", "eval_proxy"],
                                    "arms": [["name": "a", "iterations": 10, "reward": "aesthetic", "settings": [:]],
                                             ["name": "b", "iterations": 10, "reward": "aesthetic", "settings": [:]]]]
        try JSONSerialization.data(withJSONObject: study).write(to: URL(fileURLWithPath: root + "/study.json"))
        for r in StudyReportTests.runs {
            let dir = "\(root!)/\(r.arm)/seed-\(r.seed)"
            try fm.createDirectory(atPath: dir + "/ckpt/step_000010", withIntermediateDirectories: true)
            _ = fm.createFile(atPath: dir + "/ckpt/step_000010/DONE", contents: Data())
            try Data(#"{"algo": "flow-grpo", "reward": "aesthetic", "iterations": 10}"#.utf8).write(to: URL(fileURLWithPath: dir + "/config.json"))
            var lines: [String] = []
            for (i, step) in [0, 5, 10].enumerated() {
                if step > 0 {
                    for it in (step - 4)...step {
                        lines.append(#"{"step": \#(it), "seconds_cpu": 3, "seconds_rollout": 1, "seconds_reward": 0.5, "seconds_update": 2.5, "reward_mean": 0.1}"#)
                    }
                }
                lines.append(#"{"step": \#(step), "kind": "eval", "eval_proxy": \#(r.proxy[i]), "eval_strict": \#(r.strict[i]), "eval_seconds": 7}"#)
            }
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: dir + "/metrics.jsonl"))
        }
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: root) }

    func testOverOptimizationSummaryMatchesHandComputation() throws {
        let report = try StudyReport.build(StudyLayout(directory: root))
        XCTAssertEqual(report.runs.map(\.status), [.finished, .finished, .finished, .finished])
        // Every run reaches 0.5 (the smallest maximum, b seed 0's).
        XCTAssertEqual(try XCTUnwrap(report.equalProxyLevel), 0.5, accuracy: 1e-12)
        // a0 reaches 0.5 at step 5 (0.6); a1 halfway from (0.4, 0.5) to (0.6, 0.45): 0.475;
        // b0 at step 10 (0.55); b1 a fifth of the way from (0.45, 0.6) to (0.7, 0.5): 0.58.
        let a = try XCTUnwrap(report.summary["a"]), b = try XCTUnwrap(report.summary["b"])
        XCTAssertEqual(try XCTUnwrap(a.strictAtEqualProxy).mean, (0.6 + 0.475) / 2, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(b.strictAtEqualProxy).mean, (0.55 + 0.58) / 2, accuracy: 1e-12)
        // Best strict: a0 0.6, a1 0.5, both at step 5; given back: 0.3 − 0.6 and 0.45 − 0.5.
        XCTAssertEqual(try XCTUnwrap(a.bestStrict).mean, 0.55, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(a.bestStep).mean, 5)
        XCTAssertEqual(try XCTUnwrap(a.finalMinusBest).mean, -0.175, accuracy: 1e-12)
        // t(0.975, 1)·|x0 − x1|/2 for the two given-back values −0.3 and −0.05.
        XCTAssertEqual(try XCTUnwrap(a.finalMinusBest?.high), -0.175 + 12.706204736174698 * 0.125, accuracy: 1e-9)
        // Paired at equal proxy, a − b per seed: 0.6 − 0.55 = 0.05 and 0.475 − 0.58 = −0.105.
        let p = try XCTUnwrap(report.paired["a"]?.strictAtEqualProxy)
        XCTAssertEqual(p.mean, -0.0275, accuracy: 1e-12)
        XCTAssertFalse(p.excludesZero)
        // 3 CPU seconds per iteration: 15 at step 5, 30 at step 10, the same for every run.
        XCTAssertEqual(report.arms["a"]?.seconds.map { $0?.mean }, [0, 15, 30])
        XCTAssertEqual(report.secondsUnit, "CPU seconds")
        // Baseline gain: b ends +0.15 and +0.10 over 0.4 → 0.125. a0 first reaches +0.125 at
        // (strict 0.6, 15 s) going from (0.4, 0 s): 0.125/0.2 of the way → 9.375 s; a1 from
        // (+0, 0 s) to (+0.1, 15 s) to (+0.05, 30 s) never reaches it.
        XCTAssertEqual(try XCTUnwrap(report.baselineGain), 0.125, accuracy: 1e-12)
        XCTAssertEqual(a.reachedBaselineGain, 1)
        XCTAssertEqual(try XCTUnwrap(a.secondsToBaselineGain).mean, 9.375, accuracy: 1e-9)
    }

    func testReportFilesAreWrittenAndJSONHasTheDocumentedKeys() throws {
        let layout = StudyLayout(directory: root)
        try StudyReport.build(layout).write(to: layout)
        let data = try XCTUnwrap(FileManager.default.contents(atPath: root + "/report.json"))
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let arm = try XCTUnwrap((json["arms"] as? [String: Any])?["a"] as? [String: Any])
        XCTAssertEqual(arm["steps"] as? [Int], [0, 5, 10])
        let strict = try XCTUnwrap(arm["eval_strict"] as? [String: Any])
        for key in ["mean", "ci_low", "ci_high", "n"] { XCTAssertEqual((strict[key] as? [Any])?.count, 3, key) }
        let paired = try XCTUnwrap(((json["paired"] as? [String: Any])?["a"] as? [String: Any])?["eval_strict"] as? [String: Any])
        for key in ["diff_mean", "ci_low", "ci_high"] { XCTAssertEqual((paired[key] as? [Any])?.count, 3, key) }
        let summary = try XCTUnwrap((json["summary"] as? [String: Any])?["a"] as? [String: Any])
        for key in ["best_strict", "final_minus_best", "strict_at_equal_proxy"] {
            let o = try XCTUnwrap(summary[key] as? [String: Any], key)
            XCTAssertEqual(Set(o.keys).isSuperset(of: ["mean", "ci_low", "ci_high", "n"]), true, key)
        }
        let md = try String(contentsOfFile: root + "/report.md", encoding: .utf8)
        XCTAssertTrue(md.contains("| a | 40.0"), md)
        XCTAssertTrue(md.contains("not distinguishable"), md)
        XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/report.png"))
    }

    func testTimeReadingsAndCostMatchHandComputation() throws {
        let report = try StudyReport.build(StudyLayout(directory: root))
        // Every run trains 30 s; strict at ¼, ½, ¾ and all of it, interpolated on (seconds, strict):
        // a0 (0, .4) (15, .6) (30, .3) → .5, .6, .45, .3; a1 (0, .4) (15, .5) (30, .45) → .45, .5, .475, .45.
        XCTAssertEqual(report.byTime.seconds, [7.5, 15, 22.5, 30])
        let a = try XCTUnwrap(report.byTime.strict["a"]).map { $0?.mean ?? .nan }
        for (x, y) in zip(a, [0.475, 0.55, 0.4625, 0.375]) { XCTAssertEqual(x, y, accuracy: 1e-12) }
        // Paired at 30 s, a − b per seed: 0.3 − 0.55 and 0.45 − 0.5.
        let p = try XCTUnwrap(report.paired["a"])
        XCTAssertEqual(p.equalTimeSeconds, 30)
        XCTAssertEqual(try XCTUnwrap(p.strictAtEqualTime).mean, -0.15, accuracy: 1e-12)
        // The baseline's gain, +0.125, over the baseline run's 30 s of the same seed: a0 9.375/30;
        // b0 reaches it halfway from (15 s, +.1) to (30 s, +.15) = 22.5 s, b1 at 0.625 · 15 s = 9.375 s.
        XCTAssertEqual(try XCTUnwrap(report.summary["a"]?.fractionOfBaselineSeconds).mean, 0.3125, accuracy: 1e-12)
        let b = try XCTUnwrap(report.summary["b"])
        XCTAssertEqual(try XCTUnwrap(b.secondsToBaselineGain).mean, (22.5 + 9.375) / 2, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(b.fractionOfBaselineSeconds).mean, (0.75 + 0.3125) / 2, accuracy: 1e-12)
        // Cost: 3 CPU s per iteration; wall shares 1 : 0.5 : 2.5 of 4 s; 7 s per evaluation.
        XCTAssertEqual(b.cpuPerIteration?.mean, 3)
        XCTAssertEqual(b.phaseShares["rollout"]??.mean, 0.25)
        XCTAssertEqual(b.phaseShares["reward"]??.mean, 0.125)
        XCTAssertEqual(b.phaseShares["update"]??.mean, 0.625)
        XCTAssertEqual(b.evaluationSeconds?.mean, 7)
        let md = report.markdown()
        XCTAssertTrue(md.contains("| a | 47.5 [") && md.contains("| b | 3.00 [3.00, 3.00] (n 2) | 25% [25%, 25%] (n 2) |"), md)
    }

    /// With k arms against the baseline the equal-proxy comparison is also given at 1 − 0.05/k:
    /// here k = 2, two seeds, differences 0.1 and 0.3 → mean 0.2, s/√n = 0.1, half-widths
    /// t(0.975, 1)·0.1 = 1.2706 and t(0.9875, 1)·0.1 = 2.5452 (t table: 12.706, 25.452).
    func testEqualProxyComparisonIsAlsoBonferroniAdjusted() throws {
        let study = StudyLayout.Resolved(name: "k2", source: "k2.json", baseline: "b", metrics: ["eval_strict", "eval_proxy"],
                                         seeds: [0, 1], arms: ["b", "a1", "a2"], iterations: ["b": 10, "a1": 10, "a2": 10],
                                         rewards: ["b": "aesthetic", "a1": "aesthetic", "a2": "aesthetic"])
        let strictAtEnd: [String: [Double]] = ["b": [0.5, 0.5], "a1": [0.6, 0.8], "a2": [0.5, 0.5]]
        var runs: [StudyRunData] = []
        for arm in study.arms {
            for seed in [0, 1] {
                var r = StudyRunData(arm: arm, seed: UInt64(seed), status: .finished, error: nil)
                r.steps = [0, 10]
                r.metrics = ["eval_proxy": [0, 1], "eval_strict": [0.4, strictAtEnd[arm]![seed]]]
                r.seconds = [0, 30]
                runs.append(r)
            }
        }
        let report = StudyReport(study: study, runs: runs)
        XCTAssertEqual(report.adjustedConfidence, 0.975, accuracy: 1e-15)
        let p = try XCTUnwrap(report.paired["a1"])
        let plain = try XCTUnwrap(p.strictAtEqualProxy), adjusted = try XCTUnwrap(p.strictAtEqualProxyAdjusted)
        XCTAssertEqual(plain.mean, 0.2, accuracy: 1e-12)
        XCTAssertEqual(adjusted.mean, 0.2, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(plain.high) - 0.2, 1.2706, accuracy: 1e-4)
        XCTAssertEqual(try XCTUnwrap(adjusted.high) - 0.2, 2.5452, accuracy: 1e-4)
        XCTAssertTrue(report.markdown().contains("each at 97.5% (Bonferroni)"))
    }
}

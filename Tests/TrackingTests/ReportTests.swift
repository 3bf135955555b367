import Foundation
import XCTest
@testable import Tracking

final class ReportTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "flowrl-report-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    /// A hand-made report.json in the schema `flowrl study report` writes, with null intervals
    /// where n < 2.
    static let studyJSON = """
    {"study": "guard-vs-grpo", "baseline": "flow-grpo", "metrics": ["eval_strict", "eval_proxy"],
     "seeds": [0, 1], "confidence": 0.95,
     "runs": [{"arm": "flow-grpo", "seed": 0, "dir": "flow-grpo/seed-0", "status": "finished", "last_step": 20},
              {"arm": "flow-grpo", "seed": 1, "dir": "flow-grpo/seed-1", "status": "finished", "last_step": 20},
              {"arm": "guard", "seed": 0, "dir": "guard/seed-0", "status": "finished", "last_step": 20},
              {"arm": "guard", "seed": 1, "dir": "guard/seed-1", "status": "partial", "last_step": 10}],
     "arms": {
       "flow-grpo": {"steps": [0, 10, 20], "seconds": {"mean": [0, 100, 200], "ci_low": [0, 90, 180], "ci_high": [0, 110, 220], "n": [2, 2, 2]},
                     "eval_strict": {"mean": [0.40, 0.45, 0.43], "std": [0.01, 0.02, 0.03], "ci_low": [0.31, 0.27, 0.16], "ci_high": [0.49, 0.63, 0.70], "n": [2, 2, 2]},
                     "eval_proxy": {"mean": [0.60, 0.70, 0.80], "std": [0.01, 0.01, 0.01], "ci_low": [0.51, 0.61, 0.71], "ci_high": [0.69, 0.79, 0.89], "n": [2, 2, 2]}},
       "guard": {"steps": [0, 10, 20], "seconds": {"mean": [0, 120, 240], "ci_low": [0, 100, null], "ci_high": [0, 140, null], "n": [2, 2, 1]},
                 "eval_strict": {"mean": [0.40, 0.50, 0.55], "std": [0.01, 0.02, null], "ci_low": [0.31, 0.32, null], "ci_high": [0.49, 0.68, null], "n": [2, 2, 1]},
                 "eval_proxy": {"mean": [0.60, 0.68, 0.75], "std": [0.01, 0.01, null], "ci_low": [0.51, 0.59, null], "ci_high": [0.69, 0.77, null], "n": [2, 2, 1]}}},
     "paired": {"guard": {"eval_strict": {"steps": [0, 10, 20], "diff_mean": [0, 0.05, 0.12], "ci_low": [0, -0.1, null], "ci_high": [0, 0.2, null], "n": [2, 2, 1]},
                          "peak": {"eval_strict": {"mean": 0.1, "ci_low": -0.05, "ci_high": 0.25, "n": 2}},
                          "final": {"eval_strict": {"mean": 0.12, "ci_low": null, "ci_high": null, "n": 1}}}},
     "summary": {"flow-grpo": {"best_strict": {"mean": 0.46, "ci_low": 0.3, "ci_high": 0.62, "n": 2}, "best_step": {"mean": 10, "ci_low": 10, "ci_high": 10, "n": 2},
                               "final_minus_best": {"mean": -0.03, "ci_low": -0.1, "ci_high": 0.04, "n": 2},
                               "strict_at_equal_proxy": {"mean": 0.44, "ci_low": 0.3, "ci_high": 0.58, "n": 2}, "equal_proxy_level": 0.7},
                 "guard": {"best_strict": {"mean": 0.55, "ci_low": null, "ci_high": null, "n": 1}, "best_step": {"mean": 20, "ci_low": null, "ci_high": null, "n": 1},
                           "final_minus_best": {"mean": 0, "ci_low": null, "ci_high": null, "n": 1},
                           "strict_at_equal_proxy": {"mean": 0.52, "ci_low": null, "ci_high": null, "n": 1}, "equal_proxy_level": 0.7}},
     "frontier": {"flow-grpo": {"proxy": [0.6, 0.7, 0.8], "strict_mean": [0.40, 0.45, 0.43], "ci_low": [0.31, 0.27, 0.16], "ci_high": [0.49, 0.63, 0.70], "n": [2, 2, 2]},
                  "guard": {"proxy": [0.6, 0.68, 0.75], "strict_mean": [0.40, 0.50, 0.55], "ci_low": [0.31, 0.32, null], "ci_high": [0.49, 0.68, null], "n": [2, 2, 1]}}}
    """

    /// The study page has its stable headings, the intervals of report.json, "—" for null ones, and
    /// nothing that loads from elsewhere.
    func testStudyPageShowsTablesAndDashesForUndefinedIntervals() throws {
        try Self.studyJSON.write(toFile: dir + "/report.json", atomically: true, encoding: .utf8)
        try "{}".write(toFile: dir + "/study.json", atomically: true, encoding: .utf8)
        XCTAssertEqual(try RunOrStudy.classify(dir), .study(dir))
        let html = try StudyReport.load(dir).html()
        for h in ["<h1>guard-vs-grpo</h1>", "<h2>Arms</h2>", "<h2>Paired differences</h2>", "<h2>Over-optimization</h2>", "<h2>Frontier</h2>"] {
            XCTAssertTrue(html.contains(h), h)
        }
        XCTAssertLessThan(html.range(of: "<h2>Arms</h2>")!.lowerBound, html.range(of: "<h2>Frontier</h2>")!.lowerBound)
        XCTAssertTrue(html.contains("0.120 <span class=\"ci\">[—, —]</span>"), "final paired difference with n = 1")
        XCTAssertTrue(html.contains("0.100 <span class=\"ci\">[-0.050, 0.250]</span>"), "peak paired difference")
        XCTAssertTrue(html.contains("0.440 <span class=\"ci\">[0.300, 0.580]</span>"), "strict at equal proxy")
        XCTAssertTrue(html.contains("partial"))
        XCTAssertGreaterThanOrEqual(html.components(separatedBy: "<svg").count - 1, 4)
        XCTAssertFalse(html.contains("<script"))
        XCTAssertFalse(html.contains("http://") && !html.contains("http://www.w3.org/2000/svg"))
        XCTAssertFalse(html.contains("https://"))
    }

    /// A run page from a small run directory: headings, one embedded grid per grid file, plots.
    func testRunPageEmbedsGridsAndPlots() throws {
        try #"{"algo": "grpo-guard", "reward": "geneval", "model": {"width": 16}}"#.write(toFile: dir + "/config.json", atomically: true, encoding: .utf8)
        let lines = [
            #"{"step": 0, "kind": "eval", "eval_strict": 0.25, "eval_proxy": 0.5, "eval_strict_single": 0.5}"#,
            #"{"step": 1, "reward_mean": 0.4, "clipfrac": 0.1, "approx_kl": 1e-5, "log_ratio_mean_per_step": [0.1, -0.1]}"#,
            #"{"step": 2, "reward_mean": 0.6, "clipfrac": 0.2, "approx_kl": 2e-5, "log_ratio_mean_per_step": [0.2, -0.2]}"#,
            #"{"step": 2, "kind": "eval", "eval_strict": 0.5, "eval_proxy": 0.6, "eval_strict_single": 0.75}"#,
        ]
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir + "/metrics.jsonl", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: dir + "/grids", withIntermediateDirectories: true)
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        for s in [0, 2] { try Data(png).write(to: URL(fileURLWithPath: dir + String(format: "/grids/step_%06d.png", s))) }
        let report = try RunReport.load(dir)
        XCTAssertEqual(report.grids.map(\.step), [0, 2])
        XCTAssertEqual(report.config.map(\.key), ["algo", "model.width", "reward"])
        let html = report.html()
        for h in ["<h2>Configuration</h2>", "<h2>Metrics</h2>", "<h2>Grids</h2>", "<h2>Diagnostics</h2>"] { XCTAssertTrue(html.contains(h), h) }
        XCTAssertEqual(html.components(separatedBy: "data:image/png;base64,iVBORw0KGgo=").count - 1, 2)
        XCTAssertTrue(html.contains("Mean log-ratio per timestep index"))
        XCTAssertTrue(html.contains("step 2 — strict 50.0%"))
    }

    /// Ticks fall on round numbers inside the padded range; a gap (nil) splits a line in two.
    func testPlotTicksAreRoundAndGapsBreakLines() {
        let (lo, hi, ticks) = SVGPlot.axis([0.13, 0.87], pad: false)
        XCTAssertEqual(lo, 0.13); XCTAssertEqual(hi, 0.87)
        XCTAssertEqual(ticks.count, 4)
        for (a, b) in zip(ticks, [0.2, 0.4, 0.6, 0.8]) { XCTAssertEqual(a, b, accuracy: 1e-12) }
        XCTAssertEqual(SVGPlot.runs([0, 1, 3, 4, 5, 7]), [[0, 1], [3, 4, 5], [7]])
        let svg = SVGPlot(title: "t", xLabel: "x", series: [SVGPlot.Series("a", xs: [0, 1, 2, 3], ys: [1, 2, nil, 3])]).svg()
        XCTAssertEqual(svg.components(separatedBy: "<polyline").count - 1, 1, "the gap splits the line; the lone point is a dot")
        XCTAssertEqual(svg.components(separatedBy: "<circle").count - 1, 1)
        XCTAssertEqual(SVGPlot.label(0.25, step: [0, 0.05]), "0.25")
    }
}

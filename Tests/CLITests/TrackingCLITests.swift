import Foundation
import Imaging
import TestSupport
import XCTest

/// TensorBoard events written by `flowrl train` / `pretrain` / `export tensorboard`, read back by
/// TensorBoard's own reader, and `flowrl report` pages rendered by headless Chromium.
final class TrackingCLITests: XCTestCase {
    var fixture: Fixture!

    override func setUpWithError() throws { fixture = try Fixture() }
    override func tearDown() { fixture.remove() }

    /// A metrics.jsonl value, read with JSONDecoder: its numbers are correctly rounded, as
    /// Python's are (JSONSerialization's on Linux are not always).
    enum Field: Decodable {
        case number(Double), text(String), list([Field]), other
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let d = try? c.decode(Double.self) { self = .number(d) }
            else if let s = try? c.decode(String.self) { self = .text(s) }
            else if let l = try? c.decode([Field].self) { self = .list(l) }
            else { self = .other }
        }
    }

    /// The tags docs/tracking.md promises, computed here independently of the Tracking module:
    /// tag → step → value for every scalar of metrics.jsonl (resume records have none).
    static func expectedScalars(_ metricsPath: String) throws -> [String: [Int: Double]] {
        var out: [String: [Int: Double]] = [:]
        let text = try String(contentsOfFile: metricsPath, encoding: .utf8)
        func value(_ v: Field) -> Double? {
            switch v {
            case .number(let d): return d
            case .text(let s): return ["nan": Double.nan, "inf": .infinity, "-inf": -.infinity][s]
            default: return nil
            }
        }
        for line in text.split(separator: "\n") {
            let r = try JSONDecoder().decode([String: Field].self, from: Data(line.utf8))
            let step = try XCTUnwrap(r["step"].flatMap(value).map { Int($0) })
            let kind: String? = if case .text(let k)? = r["kind"] { k } else { nil }
            switch kind {
            case nil:
                for (k, v) in r where k != "step" {
                    if let x = value(v) { out["train/" + k, default: [:]][step] = x }
                    if k.hasSuffix("_per_step"), case .list(let xs) = v {
                        for (i, x) in xs.enumerated() { out["train/\(k)/\(i)", default: [:]][step] = value(x) }
                    }
                }
            case "eval":
                for (k, v) in r where k != "step" && k != "kind" {
                    guard let x = value(v) else { continue }
                    var name = String(k.dropFirst("eval_".count))
                    if name.hasPrefix("strict_") { name = "strict/" + name.dropFirst(7) }
                    if name.hasPrefix("fail_") { name = "fail/" + name.dropFirst(5) }
                    out["eval/" + name, default: [:]][step] = x
                }
            default: continue
            }
        }
        return out
    }

    /// Every scalar TensorBoard reads equals the metrics.jsonl value (as float32), each tag holds
    /// exactly the steps of the file (no duplicate after a resume), and nothing else is there.
    func assertEventsMatchMetrics(_ run: [String: Any], metrics: String, minimum: Int = 50,
                                  file: StaticString = #filePath, line: UInt = #line) throws {
        let expected = try Self.expectedScalars(metrics)
        let scalars = try XCTUnwrap(run["scalars"] as? [String: [[Any]]], file: file, line: line)
        XCTAssertEqual(Set(scalars.keys), Set(expected.keys), "tags", file: file, line: line)
        var compared = 0
        for (tag, points) in scalars {
            let steps = points.map { $0[0] as! Int }
            XCTAssertEqual(steps, expected[tag]?.keys.sorted(), "\(tag): steps", file: file, line: line)
            for p in points {
                let want = Float(expected[tag]?[p[0] as! Int] ?? .infinity)
                if let got = p[1] as? Double {
                    XCTAssertEqual(Float(got), want, "\(tag) at \(p[0])", file: file, line: line)
                } else {
                    XCTAssertEqual(p[1] as? String, want.isNaN ? "nan" : (want > 0 ? "inf" : "-inf"), "\(tag)", file: file, line: line)
                }
                compared += 1
            }
        }
        XCTAssertGreaterThanOrEqual(compared, minimum, file: file, line: line)
    }

    func testTrainEventsMatchMetricsAndSurviveResume() throws {
        let r = try CLI.run(fixture.trainArgs(run: "run", iterations: 3, extra: ["--eval-every", "2"]), cwd: fixture.root)
        XCTAssertEqual(r.status, 0, r.stderr)
        let run = fixture.path("run")
        let tb = try TensorBoardReader.read(run + "/tb")
        XCTAssertEqual(Array(tb.keys), ["."])
        let events = tb["."]!
        XCTAssertEqual(events["file_version"] as? Double, 2)
        try assertEventsMatchMetrics(events, metrics: run + "/metrics.jsonl")
        // Grids at the evaluation steps 0, 2 and the last, 3; rewards every iteration; config at 0.
        let images = try XCTUnwrap((events["images"] as? [String: [[Any]]])?["grids"])
        XCTAssertEqual(images.map { $0[0] as! Int }, [0, 2, 3])
        let grid = try PNG.read(path: run + "/grids/step_000002.png").image
        XCTAssertEqual(images[1][1] as? Int, grid.width); XCTAssertEqual(images[1][2] as? Int, grid.height)
        let histos = try XCTUnwrap((events["histograms"] as? [String: [[Any]]])?["train/rewards"])
        XCTAssertEqual(histos.map { $0[0] as! Int }, [1, 2, 3])
        XCTAssertEqual(histos.map { $0[3] as! Double }, [4, 4, 4], "P·G = 2·2 samples per iteration")
        let config = try XCTUnwrap((events["texts"] as? [String: [[Any]]])?["config"]?.first?[1] as? String)
        XCTAssertTrue(config.contains("\"algo\""), config)

        // Resume with a changed learning rate: one events file, rebuilt, still equal to metrics.jsonl.
        let again = try CLI.run(["train", "--run", "run", "--resume", "--iterations", "5", "--lr", "1e-4"], cwd: fixture.root)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: run + "/tb").count, 1)
        let resumed = try XCTUnwrap(TensorBoardReader.read(run + "/tb")["."])
        try assertEventsMatchMetrics(resumed, metrics: run + "/metrics.jsonl")
        let resumeText = try XCTUnwrap((resumed["texts"] as? [String: [[Any]]])?["resume"]?.first)
        XCTAssertEqual(resumeText[0] as? Int, 3)
        XCTAssertTrue((resumeText[1] as? String)?.contains("lr") ?? false)

        let off = try CLI.run(fixture.trainArgs(run: "quiet", iterations: 1, extra: ["--no-tensorboard"]), cwd: fixture.root)
        XCTAssertEqual(off.status, 0, off.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.path("quiet/tb")))
    }

    /// A study exports as one logdir with a sub-run per ARM/seed-S; `pretrain` writes events too.
    func testStudyExportsAsOneLogdirAndPretrainWritesEvents() throws {
        XCTAssertEqual(try CLI.run(fixture.trainArgs(run: "study/A/seed-0", iterations: 2), cwd: fixture.root).status, 0)
        XCTAssertEqual(try CLI.run(fixture.trainArgs(run: "study/B/seed-0", iterations: 2, extra: ["--seed", "1"]),
                                   cwd: fixture.root).status, 0)
        try fixture.write("study/study.json", "{}")
        let r = try CLI.run(["export", "tensorboard", "study", "--out", "logs"], cwd: fixture.root)
        XCTAssertEqual(r.status, 0, r.stderr)
        let runs = try TensorBoardReader.read(fixture.path("logs"))
        XCTAssertEqual(runs.keys.sorted(), ["A/seed-0", "B/seed-0"])
        for name in ["A/seed-0", "B/seed-0"] {
            try assertEventsMatchMetrics(runs[name]!, metrics: fixture.path("study/\(name)/metrics.jsonl"))
        }

        try fixture.writePretrainConfig()
        let p = try CLI.run(fixture.pretrainArgs(run: "pre", steps: 3), cwd: fixture.root)
        XCTAssertEqual(p.status, 0, p.stderr)
        let pre = try XCTUnwrap(TensorBoardReader.read(fixture.path("pre/tb"))["."])
        try assertEventsMatchMetrics(pre, metrics: fixture.path("pre/metrics.jsonl"), minimum: 9)
        XCTAssertEqual((pre["images"] as? [String: [[Any]]])?["grids"]?.map { $0[0] as! Int }, [0])
    }

    /// The run page and the study page render in headless Chromium with their headings, and the
    /// screenshot is not blank.
    func testReportsRenderInHeadlessChromium() throws {
        guard Chromium.binary != nil else { throw XCTSkip("chromium is not installed (apt-get install chromium)") }
        XCTAssertEqual(try CLI.run(fixture.trainArgs(run: "run", iterations: 2, extra: ["--eval-every", "1"]), cwd: fixture.root).status, 0)
        let r = try CLI.run(["report", "run"], cwd: fixture.root)
        XCTAssertEqual(r.status, 0, r.stderr)
        let page = fixture.path("run/report.html")
        let html = try String(contentsOfFile: page, encoding: .utf8)
        XCTAssertFalse(html.contains("<script"))
        let dom = try Chromium.run(page, ["--dump-dom"])
        for h in ["<h1>run</h1>", "<h2>Configuration</h2>", "<h2>Metrics</h2>", "<h2>Grids</h2>", "<h2>Diagnostics</h2>"] {
            XCTAssertTrue(dom.contains(h), "rendered DOM lacks \(h)")
        }
        XCTAssertEqual(dom.components(separatedBy: "<img src=\"data:image/png;base64,").count - 1, 3, "grids of steps 0, 1, 2")
        let shot = fixture.path("shot.png")
        _ = try Chromium.run(page, ["--screenshot=" + shot, "--window-size=1200,900", "--hide-scrollbars"])
        let image = try PNG.read(path: shot).image
        XCTAssertEqual(image.width, 1200)
        // Not blank: the page's pixels vary (a blank page has variance 0), and some are dark (text, lines).
        let grey = stride(from: 0, to: image.pixels.count, by: 3).map { (Double(image.pixels[$0]) + Double(image.pixels[$0 + 1]) + Double(image.pixels[$0 + 2])) / 3 }
        let mean = grey.reduce(0, +) / Double(grey.count)
        let variance = grey.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(grey.count)
        XCTAssertGreaterThan(variance, 100, "screenshot looks blank")
        XCTAssertGreaterThan(grey.filter { $0 < 80 }.count, 1000)

        // The study page, from a report.json in the schema `flowrl study report` writes.
        try fixture.write("study/study.json", "{}")
        try fixture.write("study/report.json", #"""
            {"study": "s", "baseline": "A", "metrics": ["eval_strict"], "seeds": [0, 1], "confidence": 0.95,
             "runs": [{"arm": "A", "seed": 0, "dir": "A/seed-0", "status": "finished", "last_step": 2}],
             "arms": {"A": {"steps": [0, 2], "seconds": {"mean": [0, 5], "ci_low": [null, null], "ci_high": [null, null], "n": [1, 1]},
                            "eval_strict": {"mean": [0.2, 0.3], "std": [null, null], "ci_low": [null, null], "ci_high": [null, null], "n": [1, 1]}}},
             "paired": {}, "summary": {"A": {"best_strict": {"mean": 0.3, "ci_low": null, "ci_high": null, "n": 1},
                        "best_step": {"mean": 2, "ci_low": null, "ci_high": null, "n": 1},
                        "final_minus_best": {"mean": 0, "ci_low": null, "ci_high": null, "n": 1},
                        "strict_at_equal_proxy": {"mean": null, "ci_low": null, "ci_high": null, "n": 0}, "equal_proxy_level": null,
                        "cpu_seconds_per_iteration": {"mean": 2.5, "ci_low": null, "ci_high": null, "n": 1},
                        "phase_share": {"rollout": {"mean": 0.25, "n": 1}, "reward": {"mean": 0.05, "n": 1}, "update": {"mean": 0.7, "n": 1}}}},
             "frontier": {"A": {"proxy": [0.5, 0.6], "strict_mean": [0.2, 0.3], "ci_low": [null, null], "ci_high": [null, null], "n": [1, 1]}}}
            """#)
        let s = try CLI.run(["report", "study", "--out", "study.html"], cwd: fixture.root)
        XCTAssertEqual(s.status, 0, s.stderr)
        let studyDOM = try Chromium.run(fixture.path("study.html"), ["--dump-dom"])
        for h in ["<h1>s</h1>", "<h2>Arms</h2>", "<h2>Paired differences</h2>", "<h2>Over-optimization</h2>",
                  "<h2>Training time</h2>", "<h2>Frontier</h2>"] {
            XCTAssertTrue(studyDOM.contains(h), "rendered study DOM lacks \(h)")
        }
        // The time table's row: 2.50 s per iteration, 25% / 5% / 70% of it in rollout / reward / update.
        XCTAssertTrue(studyDOM.contains("<td>2.50") && studyDOM.contains("<td>25%</td><td>5%</td><td>70%</td>"), studyDOM)
    }

    func testBadSourcesAreOneLineErrors() throws {
        try CLI.assertRejected(["report", "nowhere"], mentions: "nowhere", in: fixture)
        try CLI.assertRejected(["export", "tensorboard", "base"], mentions: "neither a run directory", in: fixture)
        try fixture.write("empty-study/study.json", "{}")
        try CLI.assertOneLineError(["report", "empty-study"], mentions: "report.json", cwd: fixture.root)
        try CLI.assertRejected(["export", "tensorboard", "empty-study"], mentions: "has no runs", in: fixture)
        for sub in [["export", "tensorboard"], ["report"]] {
            let r = try CLI.run(sub + ["--help"])
            XCTAssertEqual(r.status, 0); XCTAssertTrue(r.stdout.contains("USAGE"))
        }
    }
}

import Foundation
import XCTest
import Imaging
@testable import RL

/// `flowrl compare` on synthetic run directories: the figure, the table, alignment of grids
/// across runs with different step sets, and the errors for broken runs.
final class CompareTests: XCTestCase {
    var root = ""

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "flowrl-compare-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: root) }

    /// A synthetic run: `shifted` runs have a left-shifted, step-dependent log-ratio (Flow-GRPO),
    /// others a centred one (Guard); eval_strict peaks at `peakStep`.
    struct FakeRun {
        var algo = "flow-grpo"
        var iterations = 60
        var evalEvery = 20
        var gridSteps: [Int]? = nil
        var shifted = true
        var peakStep = 40
        var gridFill: (UInt8, UInt8, UInt8) = (200, 60, 60)
        var gridCell = 32
        var gridRows = 3
        var gridColumns = 2
        /// Added to every metric, so that two runs' curves never coincide and hide each other.
        var offset = 0.0

        func rewardMean(_ step: Int) -> Double { offset + 0.2 + 0.6 * Double(step) / Double(iterations) + 0.03 * sin(Double(step)) }
        func strict(_ step: Int) -> Double { 0.5 - 0.002 * abs(Double(step - peakStep)) }
        var evalSteps: [Int] { Array(stride(from: 0, through: iterations, by: evalEvery)) }
    }

    @discardableResult
    func makeRun(_ path: String, _ fake: FakeRun) throws -> String {
        let dir = root + "/" + path
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/grids", withIntermediateDirectories: true)
        let config: [String: Any] = ["algo": fake.algo, "reward": "learned", "iterations": fake.iterations, "model": ["width": 16]]
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: dir + "/config.json"))
        var lines: [String] = []
        func add(_ record: [String: Any]) throws {
            lines.append(String(decoding: try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]), as: UTF8.self))
        }
        let K = 9
        for step in 0...fake.iterations {
            if step % fake.evalEvery == 0 {
                try add(["step": step, "kind": "eval", "eval_strict": fake.strict(step), "eval_partial": 0.7 + fake.offset,
                         "eval_quality": 0.9 + fake.offset - Double(step) / 1000, "eval_strict_counting": 0.25, "eval_seconds": 3.5])
            }
            guard step > 0 else { continue }
            let means = (0..<K).map { k in fake.shifted ? -0.001 * Double(k + 1) : 0.0 }
            let stds = (0..<K).map { k in fake.shifted ? 0.01 * Double(k + 1) : 0.02 }
            let o = fake.offset
            try add(["step": step, "reward_mean": fake.rewardMean(step), "clipfrac": o + 0.1 + Double(step) / 1000,
                     "kl": o + 1e-4 * Double(step), "approx_kl": o + 2e-5 * Double(step),
                     "clip_pos_high": fake.shifted ? 0.01 : 0.05, "clip_pos_low": o + 0.04 + Double(step) / 1000,
                     "clip_neg_high": o + 0.03, "clip_neg_low": o + 0.02 + Double(step) / 2000,
                     "log_ratio_mean_per_step": means, "log_ratio_std_per_step": stds,
                     "output_grad_norm_per_step": (0..<K).map { o + Double($0 + 1) }])
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir + "/metrics.jsonl", atomically: true, encoding: .utf8)
        for step in fake.gridSteps ?? fake.evalSteps {
            let cell = Image(width: fake.gridCell, height: fake.gridCell, fill: fake.gridFill)
            let rows = (0..<fake.gridRows).map { _ in [Image](repeating: cell, count: fake.gridColumns) }
            // Labels and title as TrainRun draws them.
            let labels = (0..<fake.gridRows).map { "a red circle to the left of \($0 + 1) blue squares" }
            let grid = Grid.render(rows, rowLabels: labels, title: "\(fake.algo)  iteration \(step)  strict 41.0%",
                                   style: GridStyle(maxLabelWidth: 160))
            try PNG.write(grid, to: dir + "/grids/" + RunRecord.gridFileName(step))
        }
        return dir
    }

    func twoRuns() throws -> ComparisonReport {
        let flow = FakeRun(), guardRun = FakeRun(algo: "grpo-guard", shifted: false, peakStep: 60, gridFill: (60, 60, 200),
                                                 offset: 0.05)
        let a = try makeRun("flow", flow)
        let b = try makeRun("guard", guardRun)
        return try ComparisonReport.load([a, b])
    }

    func count(_ color: Color, in image: Image) -> Int {
        var n = 0
        for i in 0..<(image.width * image.height) where image.pixels[3 * i] == color.r
            && image.pixels[3 * i + 1] == color.g && image.pixels[3 * i + 2] == color.b { n += 1 }
        return n
    }

    func testFigureIsWrittenDecodesAndStaysUnder2000PixelsWide() throws {
        let report = try twoRuns()
        let out = root + "/out/compare.png"
        try report.write(to: out)
        let (image, text) = try PNG.read(path: out)
        XCTAssertEqual(image.width, 1800)
        XCTAssertGreaterThan(image.height, 1200)
        XCTAssertLessThan(image.height, 4000)
        XCTAssertEqual(text["source"], "flowrl compare")
    }

    func testEveryRunsColourAppearsInEveryPlotItHasDataFor() throws {
        let report = try twoRuns()
        let size = (400, 260)
        let plots = report.rewardAndGoldPlots(size: size) + report.updatePlots(size: size) + report.clipSplitPlots(size: size)
        XCTAssertEqual(plots.map(\.title).filter { $0.hasPrefix("gold:") }.count, 3, "strict, partial and quality")
        for plot in plots {
            let image = plot.render()
            for (i, color) in report.colors.enumerated() {
                // Far more pixels than the legend swatch (14×3) alone: the curve is drawn.
                XCTAssertGreaterThan(count(color, in: image), 120, "\(report.names[i]) missing from \(plot.title)")
            }
        }
        XCTAssertNotEqual(report.colors[0], report.colors[1])
    }

    func testTableListsFinalAndBestNumbers() throws {
        let report = try twoRuns()
        let fake = FakeRun()
        let flow = report.table.summaries[0]
        XCTAssertEqual(flow.name, "flow")
        XCTAssertEqual(flow.algo, "flow-grpo")
        XCTAssertEqual(flow.iterations, 60)
        XCTAssertEqual(flow.finalRewardMean!, fake.rewardMean(60), accuracy: 1e-12)
        XCTAssertEqual(flow.bestEvalStrict!, fake.strict(40), accuracy: 1e-12)
        XCTAssertEqual(flow.bestEvalStrictStep, 40)
        XCTAssertEqual(flow.finalEvalStrict!, fake.strict(60), accuracy: 1e-12)
        XCTAssertEqual(flow.finalEval["eval_quality"]!, 0.84, accuracy: 1e-12)
        XCTAssertNil(flow.finalEval["eval_seconds"], "timings are not gold metrics")
        XCTAssertEqual(flow.finalClipfrac!, 0.16, accuracy: 1e-12)
        XCTAssertEqual(flow.meanLogRatio!, -0.005, accuracy: 1e-12)
        XCTAssertEqual(flow.logRatioStdMin!, 0.01, accuracy: 1e-12)
        XCTAssertEqual(flow.logRatioStdMax!, 0.09, accuracy: 1e-12)
        let guardRun = report.table.summaries[1]
        XCTAssertEqual(guardRun.bestEvalStrictStep, 60)
        XCTAssertEqual(guardRun.meanLogRatio!, 0, accuracy: 1e-12)

        let text = report.table.text
        let strictRow = text.split(separator: "\n").first { $0.hasPrefix("eval_strict best") }.map(String.init) ?? ""
        XCTAssertTrue(strictRow.contains("50.0% @ 40") && strictRow.contains("50.0% @ 60"), strictRow)
        let finalRow = text.split(separator: "\n").first { $0.hasPrefix("eval_strict final") }.map(String.init) ?? ""
        XCTAssertTrue(finalRow.contains("46.0% @ 60") && finalRow.contains("50.0% @ 60"), finalRow)
        XCTAssertTrue(text.contains("eval_quality final"))
        XCTAssertTrue(text.contains("eval_strict_counting final"))
    }

    func testJSONCarriesTheSummaries() throws {
        let report = try twoRuns()
        let object = try JSONSerialization.jsonObject(with: Data(report.table.json().utf8)) as! [String: Any]
        let runs = try XCTUnwrap(object["runs"] as? [[String: Any]])
        XCTAssertEqual(runs.map { $0["name"] as? String }, ["flow", "guard"])
        XCTAssertEqual(runs[0]["best_eval_strict_step"] as? Int, 40)
        XCTAssertEqual((runs[1]["final_eval"] as? [String: Any])?["eval_partial"] as? Double, 0.75)
    }

    func testRunsWithDifferentStepSetsShowTheLastCommonGridStep() throws {
        let a = try makeRun("long", FakeRun(iterations: 60, gridSteps: [0, 20, 40, 60], gridFill: (250, 0, 250)))
        let b = try makeRun("short", FakeRun(iterations: 30, evalEvery: 10, gridSteps: [0, 10, 20, 30], gridFill: (0, 250, 250)))
        var report = try ComparisonReport.load([a, b])
        XCTAssertEqual(report.commonGridSteps, [0, 20])
        XCTAssertEqual(report.shownGridSteps, [20])
        report.includeFirstGridStep = true
        XCTAssertEqual(report.shownGridSteps, [0, 20])
        let image = try report.render()
        // Both runs' grid cells are in the figure (3 rows × 2 cells × 32² pixels, twice).
        XCTAssertEqual(count(Color(250, 0, 250), in: image), 2 * 6 * 32 * 32)
        XCTAssertEqual(count(Color(0, 250, 250), in: image), 2 * 6 * 32 * 32)
    }

    func testWideGridsAreShrunkToTheMaximumWidth() throws {
        let dirs = try (0..<3).map { i in
            try makeRun("run\(i)", FakeRun(gridSteps: [60], gridCell: 128, gridRows: 2, gridColumns: 6))
        }
        let report = try ComparisonReport.load(dirs)
        let image = try report.render()
        XCTAssertEqual(image.width, report.maxWidth)
    }

    func testMissingDirectoryMetricsConfigAndGridAreClearErrors() throws {
        let missing = root + "/nope"
        XCTAssertThrowsError(try RunRecord.load(missing)) { error in
            XCTAssertEqual(error as? CompareError, .missingDirectory(run: missing))
            XCTAssertTrue("\(error)".contains(missing))
        }
        let noMetrics = try makeRun("nometrics", FakeRun())
        try FileManager.default.removeItem(atPath: noMetrics + "/metrics.jsonl")
        XCTAssertThrowsError(try ComparisonReport.load([try makeRun("ok", FakeRun()), noMetrics])) { error in
            XCTAssertEqual(error as? CompareError, .missingFile(run: noMetrics, file: "metrics.jsonl"))
            XCTAssertTrue("\(error)".contains(noMetrics) && "\(error)".contains("metrics.jsonl"), "\(error)")
        }
        let noConfig = try makeRun("noconfig", FakeRun())
        try FileManager.default.removeItem(atPath: noConfig + "/config.json")
        XCTAssertThrowsError(try RunRecord.load(noConfig)) { error in
            XCTAssertEqual(error as? CompareError, .missingFile(run: noConfig, file: "config.json"))
        }
        let badGrid = try makeRun("badgrid", FakeRun())
        try Data("not a png".utf8).write(to: URL(fileURLWithPath: badGrid + "/grids/step_000060.png"))
        let report = try ComparisonReport.load([try makeRun("ok2", FakeRun()), badGrid])
        XCTAssertThrowsError(try report.render()) { error in
            guard case let .badGrid(run, file, _)? = error as? CompareError else { return XCTFail("\(error)") }
            XCTAssertEqual(run, badGrid)
            XCTAssertEqual(file, "grids/step_000060.png")
        }
        XCTAssertThrowsError(try ComparisonReport.load([])) { error in
            XCTAssertEqual(error as? CompareError, .noRuns)
        }
    }

    /// One run with --first-step: its first and last grids side by side, each cell once.
    func testOneRunShowsItsFirstAndLastGridsSideBySide() throws {
        let start = try makeRun("alone", FakeRun(iterations: 30, evalEvery: 10, gridSteps: [0, 10, 20, 30], gridFill: (250, 0, 250)))
        // The last grid in another colour, so each can be counted.
        let last = Grid.render([[Image(width: 32, height: 32, fill: (0, 250, 250))]], rowLabels: ["x"], title: "end")
        try PNG.write(last, to: start + "/grids/step_000030.png")
        var report = try ComparisonReport.load([start])
        report.includeFirstGridStep = true
        XCTAssertEqual(report.shownGridSteps, [0, 30])
        let image = try report.render()
        XCTAssertEqual(count(Color(250, 0, 250), in: image), 6 * 32 * 32, "the first grid, once")
        XCTAssertEqual(count(Color(0, 250, 250), in: image), 32 * 32, "the last grid, once")
    }

    func testClashingDirectoryNamesFallBackToAlgoThenNumbers() throws {
        let a = try makeRun("x/run", FakeRun(algo: "flow-grpo"))
        let b = try makeRun("y/run", FakeRun(algo: "grpo-guard"))
        let c = try makeRun("z/run/", FakeRun(algo: "grpo-guard"))
        XCTAssertEqual(try ComparisonReport.load([a, b]).names, ["flow-grpo", "grpo-guard"])
        XCTAssertEqual(try ComparisonReport.load([a, b, c + "/"]).names, ["flow-grpo", "grpo-guard #1", "grpo-guard #2"])
    }

    func testMetricsReaderKeepsNonFiniteValuesAndSkipsATornLastLine() throws {
        let dir = try makeRun("torn", FakeRun(iterations: 2, evalEvery: 2, gridSteps: []))
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: dir + "/metrics.jsonl"))
        handle.seekToEndOfFile()
        handle.write(Data((#"{"step": 3, "reward_mean": "nan", "log_ratio_mean_per_step": [0.5]}"# + "\n{\"step\": 4, \"rew").utf8))
        try handle.close()
        let run = try RunRecord.load(dir)
        XCTAssertEqual(run.training["reward_mean"]?.steps, [1, 2, 3])
        XCTAssertTrue(run.training["reward_mean"]!.values[2].isNaN)
        XCTAssertEqual(run.lastStep, 3)
        XCTAssertEqual(run.eval["eval_strict"]?.steps, [0, 2])
        // The newest record has a different step count; only records of its length are averaged.
        XCTAssertEqual(run.perStepMean("log_ratio_mean_per_step", window: 10), [0.5])
    }

    func testPerStepMeanAveragesOnlyTheLastWindow() throws {
        var run = try RunRecord.load(try makeRun("window", FakeRun(iterations: 3, evalEvery: 3, gridSteps: [])))
        run.perStep["x"] = [(1, [10, 0]), (2, [2, 4]), (3, [4, 8])]
        XCTAssertEqual(run.perStepMean("x", window: 2), [3, 6])
        XCTAssertEqual(run.perStepMean("x", window: 1), [4, 8])
    }

    func testDownscaleAveragesTheAreaEachPixelCovers() {
        var checker = Image(width: 4, height: 2)
        for y in 0..<2 { for x in 0..<4 where (x + y) % 2 == 0 { checker[x, y] = (255, 255, 255) } }
        let half = checker.downscaled(by: 0.5)
        XCTAssertEqual(half.width, 2)
        XCTAssertEqual(half.height, 1)
        XCTAssertEqual(half.pixels, [128, 128, 128, 128, 128, 128])
        let same = checker.downscaled(by: 1)
        XCTAssertEqual(same, checker)
    }
}

import Foundation
import Model
import XCTest

/// SIGINT and SIGTERM stop `flowrl train` and `flowrl pretrain` after the current step with a
/// checkpoint of that step and exit status 128 + signal; `--resume` then continues from it.
final class InterruptTests: XCTestCase {
    var fx: Fixture!

    override func setUpWithError() throws {
        fx = try Fixture()
        try fx.writePretrainConfig()
    }

    override func tearDown() { fx.remove() }

    /// Starts `args` (a run that would go on for a long time), signals it once it is training,
    /// and checks exit status, message and checkpoint; returns the step it stopped at.
    func interrupt(_ args: [String], run: String, signal: Int32, file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        let log = fx.root.appendingPathComponent("\(run).log")
        let p = try CLI.start(args, cwd: fx.root, log: log)
        XCTAssertTrue(RunWatcher.waitForCheckpoint(after: 0, run: fx.path(run), process: p), "never checkpointed: " + text(log),
                      file: file, line: line)
        kill(p.processIdentifier, signal)
        XCTAssertTrue(RunWatcher.waitForExit(p), "did not stop after signal \(signal)", file: file, line: line)
        XCTAssertEqual(p.terminationReason, .exit, "died of the signal instead of handling it", file: file, line: line)
        XCTAssertEqual(p.terminationStatus, 128 + signal, text(log), file: file, line: line)
        let output = text(log)
        XCTAssertTrue(output.contains("checkpoint saved, continue with --resume"), output, file: file, line: line)
        XCTAssertFalse(output.contains("flowrl: "), "an interrupt is not an error: \(output)", file: file, line: line)
        XCTAssertEqual(TemporaryFilesExitTests.temporaries(in: fx.path(run)), [], file: file, line: line)
        guard let (step, _) = try RunWatcher.loadLatest(run: fx.path(run), file: file, line: line) else { return -1 }
        // The saved step is the one the message names: the step in progress was finished, not lost.
        XCTAssertTrue(output.contains(" \(step); checkpoint saved"),
                      "checkpoint step \(step) vs: \(output)", file: file, line: line)
        return step
    }

    func text(_ url: URL) -> String { (try? String(contentsOf: url, encoding: .utf8)) ?? "" }

    func testSIGINTStopsTrainWithACheckpointAndResumeContinues() throws {
        let step = try interrupt(fx.trainArgs(run: "run", iterations: 100_000), run: "run", signal: SIGINT)
        // Interrupted, it still says what the run did so far.
        XCTAssertTrue(text(fx.root.appendingPathComponent("run.log")).contains("summary of run:\n  held-out strict accuracy: "))
        let r = try CLI.run(fx.trainArgs(run: "run", iterations: step + 1, extra: ["--resume"]), cwd: fx.root)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(CheckpointStore.completeSteps(run: fx.path("run")).last, step + 1)
        XCTAssertEqual(try RunWatcher.trainSteps(fx.path("run/metrics.jsonl")), Array(1...(step + 1)))
    }

    func testSIGTERMStopsTrainWith143() throws {
        let step = try interrupt(fx.trainArgs(run: "run", iterations: 100_000), run: "run", signal: SIGTERM)
        let r = try CLI.run(fx.trainArgs(run: "run", iterations: step + 1, extra: ["--resume"]), cwd: fx.root)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(CheckpointStore.completeSteps(run: fx.path("run")).last, step + 1)
    }

    func testSIGINTStopsPretrainWithACheckpointAndResumeContinues() throws {
        let step = try interrupt(fx.pretrainArgs(run: "pre", steps: 100_000), run: "pre", signal: SIGINT)
        XCTAssertTrue(FileManager.default.fileExists(atPath: fx.path("pre/model/model.safetensors")), "no exported model")
        let r = try CLI.run(fx.pretrainArgs(run: "pre", steps: step + 2, extra: ["--resume"]), cwd: fx.root)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(CheckpointStore.completeSteps(run: fx.path("pre")).last, step + 2)
        let steps = try MetricsLog.read(fx.path("pre/metrics.jsonl")).compactMap { $0["step"] as? Int }
        XCTAssertEqual(steps, Array(1...(step + 2)))
    }

    func testSIGTERMStopsPretrainWith143() throws {
        let step = try interrupt(fx.pretrainArgs(run: "pre", steps: 100_000), run: "pre", signal: SIGTERM)
        let r = try CLI.run(fx.pretrainArgs(run: "pre", steps: step + 1, extra: ["--resume"]), cwd: fx.root)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(CheckpointStore.completeSteps(run: fx.path("pre")).last, step + 1)
    }
}

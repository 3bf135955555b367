import Foundation
import Model
import XCTest

/// A run directory holds no temporary files (`*.tmp-<pid>`, `.tmp-step_…`, `.old-step_…`) after
/// the process ends half way through a checkpoint: by a second Ctrl-C (immediate exit) or by an
/// error (a file-size limit the checkpoint's weights exceed), not only after the next checkpoint.
final class TemporaryFilesExitTests: XCTestCase {
    var fx: Fixture!

    override func setUpWithError() throws {
        fx = try Fixture()
        try fx.writePretrainConfig()
    }

    override func tearDown() { fx.remove() }

    /// Temporaries anywhere under `run` (relative paths).
    static func temporaries(in run: String) -> [String] {
        let names = FileManager.default.enumerator(atPath: run)?.allObjects as? [String] ?? []
        return names.filter { name in
            let last = (name as NSString).lastPathComponent
            return last.contains(".tmp-") || last.hasPrefix(".old-")
        }
    }

    /// Every path under `run`, for failure messages.
    static func describe(_ run: String) -> String {
        ((FileManager.default.enumerator(atPath: run)?.allObjects as? [String]) ?? []).sorted().joined(separator: " | ") + " || "
    }

    func text(_ url: URL) -> String { (try? String(contentsOf: url, encoding: .utf8)) ?? "" }

    /// Waits until a checkpoint's temporary directory exists in `run`, i.e. a save is under way.
    static func waitForSaveInProgress(run: String, process: Process, timeout: Double = 60) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline && process.isRunning {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: run + "/ckpt")) ?? []
            if names.contains(where: { $0.hasPrefix(".tmp-") }) { return true }
            usleep(1_000)
        }
        return false
    }

    func testSecondSIGINTDuringACheckpointLeavesNoTemporaries() throws {
        let log = fx.root.appendingPathComponent("run.log")
        // Each checkpoint takes ~1.5 s (0.25 s after each file), so the second Ctrl-C lands in one.
        let p = try CLI.start(fx.trainArgs(run: "run", iterations: 100_000), cwd: fx.root, log: log,
                              environment: ["FLOWRL_TEST_SAVE_DELAY_MS": "250"])
        XCTAssertTrue(RunWatcher.waitForCheckpoint(after: 0, run: fx.path("run"), process: p))
        kill(p.processIdentifier, SIGINT)
        XCTAssertTrue(Self.waitForSaveInProgress(run: fx.path("run"), process: p), "no save after the first SIGINT")
        kill(p.processIdentifier, SIGINT)
        XCTAssertTrue(RunWatcher.waitForExit(p))
        XCTAssertEqual(p.terminationReason, .exit)
        XCTAssertEqual(p.terminationStatus, 130)
        XCTAssertEqual(Self.temporaries(in: fx.path("run")), [], Self.describe(fx.path("run")) + text(log))
        // The checkpoints that were complete before stay usable.
        XCTAssertNotNil(try RunWatcher.loadLatest(run: fx.path("run")))
    }

    func testTwoQuickSIGINTsDuringAPretrainCheckpointLeaveNoTemporaries() throws {
        let log = fx.root.appendingPathComponent("pre.log")
        let p = try CLI.start(fx.pretrainArgs(run: "pre", steps: 100_000), cwd: fx.root, log: log,
                              environment: ["FLOWRL_TEST_SAVE_DELAY_MS": "250"])
        XCTAssertTrue(RunWatcher.waitForCheckpoint(after: 0, run: fx.path("pre"), process: p))
        XCTAssertTrue(Self.waitForSaveInProgress(run: fx.path("pre"), process: p))
        kill(p.processIdentifier, SIGINT)
        usleep(50_000)
        kill(p.processIdentifier, SIGINT)
        XCTAssertTrue(RunWatcher.waitForExit(p))
        XCTAssertEqual(p.terminationStatus, 130)
        XCTAssertEqual(Self.temporaries(in: fx.path("pre")), [])
    }

    func testErrorExitDuringACheckpointLeavesNoTemporaries() throws {
        // A file-size limit (ulimit -f, in 512-byte blocks) that config.json, metrics and the
        // first grid fit under but the checkpoint's weights do not: the write fails with EFBIG
        // (SIGXFSZ ignored, as a shell's `trap '' XFSZ` leaves it for the exec'd program).
        let weightsBytes = try FileManager.default.attributesOfItem(atPath: fx.path("base/model.safetensors"))[.size] as? Int ?? 0
        XCTAssertGreaterThan(weightsBytes, 20_000, "the fixture model is too small for this test's limit")
        let limitBlocks = 16_000 / 512
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "ulimit -f \(limitBlocks); trap '' XFSZ; exec \"$0\" \"$@\"", CLI.binary.path]
            + fx.trainArgs(run: "run", iterations: 3)
        p.currentDirectoryURL = fx.root
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationReason, .exit, stderr)
        XCTAssertEqual(p.terminationStatus, 1, stderr)
        XCTAssertTrue(stderr.contains("flowrl: "), stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: fx.path("run/metrics.jsonl")), "failed before training: \(stderr)")
        XCTAssertEqual(CheckpointStore.completeSteps(run: fx.path("run")), [])
        XCTAssertEqual(Self.temporaries(in: fx.path("run")), [], stderr)
    }
}

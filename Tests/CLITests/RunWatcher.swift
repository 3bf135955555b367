import Foundation
import Model
import NN
import XCTest

/// Helpers for tests that start a training process, watch its run directory and stop it.
enum RunWatcher {
    /// Waits until `run` has a complete checkpoint newer than `step` (the process is in its
    /// training loop, signal handlers installed) or the process exits; false on timeout or exit.
    static func waitForCheckpoint(after step: Int, run: String, process: Process, timeout: Double = 60) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if (CheckpointStore.completeSteps(run: run).last ?? -1) > step { return true }
            if !process.isRunning { return false }
            usleep(1_000)
        }
        return false
    }

    /// Waits for the process to exit; kills it (SIGKILL, by pid) and returns false after `timeout`.
    @discardableResult
    static func waitForExit(_ process: Process, timeout: Double = 60) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() >= deadline {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                return false
            }
            usleep(2_000)
        }
        process.waitUntilExit()
        return true
    }

    /// Loads the newest complete checkpoint of `run` and returns its step from state.json
    /// (`iteration` for train, `step` for pretrain).
    static func loadLatest(run: String, file: StaticString = #filePath, line: UInt = #line) throws -> (Int, TrainingCheckpoint)? {
        guard let dir = CheckpointStore.latest(run: run) else {
            XCTFail("no complete checkpoint in \(run)", file: file, line: line)
            return nil
        }
        let ckpt = try CheckpointStore.load(dir, optimizerTemplate: AdamW(parameterCount: 0))
        let state = try JSONSerialization.jsonObject(with: ckpt.state) as? [String: Any] ?? [:]
        let step = (state["iteration"] as? Int) ?? (state["step"] as? Int) ?? -1
        XCTAssertEqual(dir, CheckpointStore.directory(run: run, step: step), "state.json disagrees with the directory name",
                       file: file, line: line)
        XCTAssertEqual(ckpt.params.count, ckpt.optimizer.m.count, file: file, line: line)
        XCTAssertTrue(ckpt.params.values.allSatisfy(\.isFinite), "non-finite weights in \(dir)", file: file, line: line)
        return (step, ckpt)
    }

    /// Steps of the train records (not eval records) of a metrics.jsonl, in file order.
    static func trainSteps(_ path: String) throws -> [Int] {
        try MetricsLog.read(path).filter { $0["kind"] == nil }.compactMap { $0["step"] as? Int }
    }
}

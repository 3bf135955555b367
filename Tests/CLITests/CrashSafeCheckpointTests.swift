import Foundation
import Model
import NN
import Tensor
import XCTest

/// SIGKILL at any moment, saves included, leaves a run whose newest complete checkpoint loads and
/// from which `--resume` continues; a run killed many times ends exactly where an uninterrupted
/// one does.
final class CrashSafeCheckpointTests: XCTestCase {
    static let kills = 24

    func testKilledTrainingAlwaysResumesFromALoadableCheckpoint() throws {
        let fx = try Fixture()
        defer { fx.remove() }
        let run = fx.path("run")
        // Each checkpoint file waits this long once written, so that the kills aimed at a save have
        // a window of a few ms more than the fsyncs alone give.
        let env = ["FLOWRL_TEST_SAVE_DELAY_MS": "3"]
        var rng = RNG(seed: 20_260_109)
        var step = 0
        var phases: [Phase: Int] = [:]
        for k in 0..<CrashSafeCheckpointTests.kills {
            let args = fx.trainArgs(run: "run", iterations: 100_000, extra: step > 0 ? ["--resume"] : [])
            let p = try CLI.start(args, cwd: fx.root, log: fx.root.appendingPathComponent("kill\(k).log"), environment: env)
            guard RunWatcher.waitForCheckpoint(after: step, run: run, process: p) else {
                RunWatcher.waitForExit(p, timeout: 0)
                return XCTFail("kill \(k): no progress past step \(step): " + log(fx, k))
            }
            // A third of the kills at a random moment, a third inside the next checkpoint's save,
            // a third inside the export of model/ that follows it.
            switch k % 3 {
            case 0: usleep(UInt32(rng.int(below: 200_000)))
            case 1: wait(for: .checkpoint, in: run); usleep(UInt32(rng.int(below: 6_000)))
            default: wait(for: .export, in: run); usleep(UInt32(rng.int(below: 4_000)))
            }
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            XCTAssertEqual(p.terminationReason, .uncaughtSignal, "kill \(k): the process had already exited: " + log(fx, k))
            phases[phase(run), default: 0] += 1
            guard let (latest, _) = try RunWatcher.loadLatest(run: run) else { return }
            XCTAssertGreaterThan(latest, step, "kill \(k): a checkpoint was lost")
            step = latest
        }
        print("crash test: \(CrashSafeCheckpointTests.kills) kills; killed while \(phases.map { "\($0.key): \($0.value)" }.sorted()); "
              + "last checkpoint at iteration \(step)")
        XCTAssertGreaterThanOrEqual(phases[.checkpoint, default: 0], CrashSafeCheckpointTests.kills / 4,
                                    "too few kills landed inside a checkpoint save to prove anything")

        // The resumed run finishes, logs every iteration once, and ends on the same weights and
        // metrics as a run that was never killed.
        let final = step + 1
        let r = try CLI.run(fx.trainArgs(run: "run", iterations: final, extra: ["--resume"]), cwd: fx.root)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try RunWatcher.trainSteps(fx.path("run/metrics.jsonl")), Array(1...final))
        let litter = FileManager.default.enumerator(atPath: run)?.compactMap { $0 as? String }.filter { $0.contains(".tmp") } ?? []
        XCTAssertEqual(litter, [], "temporary files of killed saves outlived the next save")
        let clean = try CLI.run(fx.trainArgs(run: "clean", iterations: final), cwd: fx.root)
        XCTAssertEqual(clean.status, 0, clean.stderr)
        XCTAssertEqual(try Determinism.weights(fx.path("run"), step: final), try Determinism.weights(fx.path("clean"), step: final))
        XCTAssertEqual(try Determinism.metrics(fx.path("run"), trainOnly: true),
                       try Determinism.metrics(fx.path("clean"), trainOnly: true))
    }

    enum Phase: String, CustomStringConvertible {
        case checkpoint, export, other
        var description: String { rawValue }
    }

    /// What the killed (or running) process was doing, from the temporary files a save leaves:
    /// the hidden directory of a checkpoint being written (or the old one moved aside), or an
    /// atomic file of the model/ export. Each save clears what killed saves left, so right after
    /// a kill this describes the killed process only.
    func phase(_ run: String) -> Phase {
        let fm = FileManager.default
        let ckpt = (try? fm.contentsOfDirectory(atPath: run + "/ckpt")) ?? []
        let model = (try? fm.contentsOfDirectory(atPath: run + "/model")) ?? []
        if ckpt.contains(where: { $0.hasPrefix(".tmp-") || $0.hasPrefix(".old-") }) { return .checkpoint }
        if model.contains(where: { $0.contains(".tmp-") }) { return .export }
        return .other
    }

    /// Polls (every 0.2 ms, at most 5 s) until a save of the given phase is in progress.
    func wait(for target: Phase, in run: String) {
        let until = Date().addingTimeInterval(5)
        while Date() < until, phase(run) != target { usleep(200) }
    }

    func log(_ fx: Fixture, _ k: Int) -> String {
        (try? String(contentsOf: fx.root.appendingPathComponent("kill\(k).log"), encoding: .utf8)) ?? ""
    }
}

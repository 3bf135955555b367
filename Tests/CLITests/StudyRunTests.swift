import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `flowrl study run` end to end on the tiny model: the report's statistics equal a hand
/// computation from the runs' own metrics.jsonl, and a study whose process is killed mid-way
/// resumes to the same report as one that was never interrupted.
final class StudyRunTests: XCTestCase {
    var fx: Fixture!

    override func setUpWithError() throws {
        fx = try Fixture()
        // 2 arms × 2 seeds × 2 iterations, evaluated after every iteration.
        try fx.write("study.json", """
            {"name": "tiny", "config_file": "tiny.json", "config": {"iterations": 2, "eval_every": 1},
             "arms": [{"name": "flow", "settings": {"algo": "flow-grpo"}}, {"name": "guard", "settings": {"algo": "grpo-guard", "lr": 1e-3}}],
             "seeds": [0, 1], "baseline": "flow"}
            """)
    }

    override func tearDown() { fx.remove() }

    func runStudy(_ out: String, extra: [String] = []) throws -> CLI.Result {
        try CLI.run(["study", "run", "study.json", "--out", out, "--jobs", "2"] + extra, cwd: fx.root)
    }

    func json(_ relative: String) throws -> [String: Any] {
        let data = try XCTUnwrap(FileManager.default.contents(atPath: fx.path(relative)), relative)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// eval_strict of one run's eval record at `step`, read straight from its metrics.jsonl.
    func strict(_ out: String, _ arm: String, _ seed: Int, step: Int) throws -> Double {
        let text = String(decoding: try XCTUnwrap(FileManager.default.contents(atPath: fx.path("\(out)/\(arm)/seed-\(seed)/metrics.jsonl"))), as: UTF8.self)
        var value: Double?
        for line in text.split(separator: "\n") {
            let o = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            if o["kind"] as? String == "eval", o["step"] as? Int == step { value = o["eval_strict"] as? Double }
        }
        return try XCTUnwrap(value, "\(arm) seed \(seed) step \(step)")
    }

    func testReportStatisticsEqualHandComputationFromMetrics() throws {
        let r = try runStudy("s")
        XCTAssertEqual(r.status, 0, r.stderr)
        for arm in ["flow", "guard"] { for seed in [0, 1] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: fx.path("s/\(arm)/seed-\(seed)/ckpt/step_000002/DONE")), "\(arm) \(seed)")
        } }
        for file in ["report.json", "report.md", "report.png"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: fx.path("s/" + file)), file)
        }
        let report = try json("s/report.json")
        let t1 = 12.706204736174698   // t(0.975, 1): two seeds
        for arm in ["flow", "guard"] {
            let a = try XCTUnwrap((report["arms"] as? [String: Any])?[arm] as? [String: Any])
            XCTAssertEqual(a["steps"] as? [Int], [0, 1, 2])
            let m = try XCTUnwrap(a["eval_strict"] as? [String: Any])
            for (i, step) in [0, 1, 2].enumerated() {
                let x = try [strict("s", arm, 0, step: step), strict("s", arm, 1, step: step)]
                let mean = (x[0] + x[1]) / 2, half = t1 * abs(x[0] - x[1]) / 2   // s = |x0 − x1|/√2, s/√2 = |x0 − x1|/2
                XCTAssertEqual((m["mean"] as? [Double])?[i] ?? .nan, mean, accuracy: 1e-12, "\(arm) step \(step)")
                XCTAssertEqual((m["n"] as? [Int])?[i], 2)
                if half > 0 {
                    XCTAssertEqual((m["ci_low"] as? [Double])?[i] ?? .nan, mean - half, accuracy: 1e-9)
                    XCTAssertEqual((m["ci_high"] as? [Double])?[i] ?? .nan, mean + half, accuracy: 1e-9)
                }
            }
        }
        // Paired: guard − flow seed by seed.
        let paired = try XCTUnwrap(((report["paired"] as? [String: Any])?["guard"] as? [String: Any])?["eval_strict"] as? [String: Any])
        for (i, step) in [0, 1, 2].enumerated() {
            let d = try [strict("s", "guard", 0, step: step) - strict("s", "flow", 0, step: step),
                         strict("s", "guard", 1, step: step) - strict("s", "flow", 1, step: step)]
            XCTAssertEqual((paired["diff_mean"] as? [Double])?[i] ?? .nan, (d[0] + d[1]) / 2, accuracy: 1e-12, "step \(step)")
            let half = t1 * abs(d[0] - d[1]) / 2
            if half > 0 { XCTAssertEqual((paired["ci_high"] as? [Double])?[i] ?? .nan, (d[0] + d[1]) / 2 + half, accuracy: 1e-9) }
        }
        // Best strict accuracy per arm: the mean over seeds of each run's maximum.
        let best = try XCTUnwrap((((report["summary"] as? [String: Any])?["flow"] as? [String: Any])?["best_strict"] as? [String: Any])?["mean"] as? Double)
        let handBest = try ([0, 1].map { seed in try [0, 1, 2].map { try strict("s", "flow", seed, step: $0) }.max()! }).reduce(0, +) / 2
        XCTAssertEqual(best, handBest, accuracy: 1e-12)
        XCTAssertTrue(r.stderr.contains("✓ guard seed 1 finished"), r.stderr)

        // A dry run reads the state and changes nothing.
        let before = try FileManager.default.contentsOfDirectory(atPath: fx.path("s")).sorted()
        let dry = try runStudy("s", extra: ["--dry-run"])
        XCTAssertEqual(dry.status, 0, dry.stderr)
        XCTAssertTrue(dry.stdout.contains("4 runs (4 finished, 0 to resume, 0 new)"), dry.stdout)
        XCTAssertTrue(dry.stdout.contains("guard seed 1: finished (2 iterations)"), dry.stdout)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: fx.path("s")).sorted(), before)

        // Running it again finds everything finished and rewrites the same report.
        let again = try runStudy("s")
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("4 runs (4 finished, 0 to resume, 0 new)"), again.stderr)
        XCTAssertEqual(try StudyRunTests.timeless(json("s/report.json")), try StudyRunTests.timeless(report))
    }

    /// SIGKILL of the study process: its runs stop with a checkpoint (they watch their parent),
    /// and the same command resumes them to the report an uninterrupted study writes. Timings
    /// differ between the two, so they are left out of the comparison.
    func testKilledStudyResumesToTheSameReport() throws {
        let log = fx.root.appendingPathComponent("killed.log")
        let p = try CLI.start(["study", "run", "study.json", "--out", "k", "--jobs", "1"], cwd: fx.root, log: log)
        let firstCheckpoint = fx.path("k/flow/seed-0/ckpt/step_000001/DONE")
        let deadline = Date().addingTimeInterval(300)
        while !FileManager.default.fileExists(atPath: firstCheckpoint) && p.isRunning && Date() < deadline { usleep(20_000) }
        XCTAssertTrue(p.isRunning, "the study ended before it could be killed")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        XCTAssertFalse(FileManager.default.fileExists(atPath: fx.path("k/report.json")))
        let resumed = try runStudy("k")
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let uninterrupted = try runStudy("u")
        XCTAssertEqual(uninterrupted.status, 0, uninterrupted.stderr)
        let a = try StudyRunTests.timeless(json("k/report.json")), b = try StudyRunTests.timeless(json("u/report.json"))
        XCTAssertEqual(a, b)
        XCTAssertTrue(a.contains("\"finished\""))
    }

    /// SIGINT reaches the study only (its runs are in their own process group): it forwards one
    /// to each run, which saves its checkpoint, and exits 130; the same command then finishes.
    func testInterruptedStudyExits130AndResumes() throws {
        let log = fx.root.appendingPathComponent("int.log")
        let p = try CLI.start(["study", "run", "study.json", "--out", "i", "--jobs", "2"], cwd: fx.root, log: log)
        let deadline = Date().addingTimeInterval(300)
        while !FileManager.default.fileExists(atPath: fx.path("i/flow/seed-0/metrics.jsonl")) && p.isRunning && Date() < deadline { usleep(20_000) }
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        let text = String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self)
        if p.terminationStatus == 0 { throw XCTSkip("the study finished before the interrupt arrived") }
        XCTAssertEqual(p.terminationStatus, 130, text)
        XCTAssertTrue(text.contains("interrupted"), text)
        let r = try runStudy("i")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: fx.path("i/report.md")))
    }

    /// report.json without what depends on the clock (training seconds and readings by time).
    static func timeless(_ report: [String: Any]) throws -> String {
        func strip(_ v: Any) -> Any {
            if let o = v as? [String: Any] {
                var out: [String: Any] = [:]
                for (k, x) in o where !k.contains("seconds") && k != "reached_baseline_gain" && k != "phase_share" {
                    out[k] = strip(x)
                }
                return out
            }
            if let a = v as? [Any] { return a.map(strip) }
            return v
        }
        let data = try JSONSerialization.data(withJSONObject: strip(report), options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// Every study shipped in studies/ is valid as it stands: each arm × seed gives settings that
    /// `flowrl train` accepts (checked by --dry-run, which starts and writes nothing).
    func testShippedStudiesAreValid() throws {
        let dir = CLI.packageRoot.appendingPathComponent("studies")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }.sorted()
        XCTAssertTrue(files.contains("overopt.json") && files.contains("guard-vs-flowgrpo.json") && files.contains("forward-vs-guard.json"), "\(files)")
        for file in files {
            let out = fx.path("shipped-" + file)
            let r = try CLI.run(["study", "run", "studies/" + file, "--out", out, "--dry-run"])
            XCTAssertEqual(r.status, 0, "\(file): \(r.stderr)")
            XCTAssertTrue(r.stdout.contains("(0 finished, 0 to resume,"), "\(file): \(r.stdout)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), "\(file): a dry run wrote \(out)")
        }
    }

    /// A study keeps starting its own code when its binary is replaced mid-way (a rebuild, or a
    /// copy over it): each run is spawned from /proc/self/exe, not from the binary's path — here
    /// replaced by a script that would fail every later run.
    func testStudySurvivesItsBinaryBeingReplaced() throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: fx.path("bin"), withIntermediateDirectories: true)
        let copy = fx.path("bin/flowrl")
        try fm.copyItem(atPath: CLI.binary.path, toPath: copy)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: copy)
        p.arguments = ["study", "run", "study.json", "--out", "b", "--jobs", "1"]
        p.currentDirectoryURL = fx.root
        let log = fx.root.appendingPathComponent("b.log")
        _ = fm.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        p.standardOutput = handle; p.standardError = handle
        try p.run()
        let firstRun = fx.path("b/flow/seed-0/ckpt/step_000002/DONE")
        let deadline = Date().addingTimeInterval(300)
        while !fm.fileExists(atPath: firstRun) && p.isRunning && Date() < deadline { usleep(20_000) }
        XCTAssertTrue(p.isRunning, "the study ended before its binary could be replaced")
        try "#!/bin/sh\nexit 7\n".write(toFile: copy + ".new", atomically: false, encoding: .utf8)
        chmod(copy + ".new", 0o755)
        XCTAssertEqual(rename(copy + ".new", copy), 0)
        p.waitUntilExit()
        let text = String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self)
        XCTAssertEqual(p.terminationStatus, 0, text)
        for arm in ["flow", "guard"] { for seed in [0, 1] {
            XCTAssertTrue(fm.fileExists(atPath: fx.path("b/\(arm)/seed-\(seed)/ckpt/step_000002/DONE")), "\(arm) \(seed): \(text)")
        } }
    }
}

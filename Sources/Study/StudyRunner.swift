import Foundation
import Model
import RL
#if canImport(Glibc)
import Glibc
#endif

/// `flowrl study run`: every (arm, seed) of a study as a `flowrl train` child process, up to
/// `jobs` at a time, each with `threadsPerRun` threads. Running it again resumes: finished runs
/// are skipped and stopped ones continue from their newest checkpoint. Ctrl-C (SIGINT or
/// SIGTERM) is forwarded once to every running child, which saves its checkpoint; the study
/// then exits 130. A failed run is reported with its error line and the others go on.
public struct StudyRunner {
    public var study: StudyFile
    public var layout: StudyLayout
    public var jobs: Int
    public var threadsPerRun: Int
    /// The flowrl binary the children run (this process's own in the CLI).
    public var executable: String
    public var log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
    /// Seconds between polls of the children.
    public var pollInterval: Double = 0.5

    public init(study: StudyFile, directory: String, jobs: Int, threadsPerRun: Int, executable: String) {
        self.study = study; self.layout = StudyLayout(directory: directory)
        self.jobs = jobs; self.threadsPerRun = threadsPerRun; self.executable = executable
    }

    struct Planned {
        var arm: String
        var seed: UInt64
        var iterations: Int
        var settings: Data
        var name: String { "\(arm) seed \(seed)" }
    }

    /// Runs what is left of the study and writes its report; returns the exit code
    /// (0 all finished, 1 some run failed, 130 interrupted).
    public func run() throws -> Int32 {
        try AtomicFiles.makeDirectory(layout.directory)
        guard let studyLock = FileLock.acquire(layout.lockFile, wait: false) else { throw StudyError.busy(layout.directory) }
        defer { studyLock.release() }
        let plan = try makePlan()
        try layout.write(study)
        let todo = plan.filter { !layout.isFinished($0.arm, $0.seed, iterations: $0.iterations) }
        let resuming = todo.filter { CheckpointStore.latest(run: layout.run($0.arm, $0.seed)) != nil }.count
        log("study \(study.name): \(plan.count) runs (\(plan.count - todo.count) finished, \(resuming) to resume, "
            + "\(todo.count - resuming) new), \(jobs) at a time with \(threadsPerRun) thread\(threadsPerRun == 1 ? "" : "s") each → \(layout.directory)")
        Interrupt.install()
        let total = plan.map(\.iterations).reduce(0, +)
        func done() -> Int { plan.map { min($0.iterations, layout.latestStep($0.arm, $0.seed)) }.reduce(0, +) }
        let progress = Progress(total: max(total, 1), label: "study", alreadyDone: done())
        progress.plainInterval = 60
        var queue = todo[...]
        var running: [(Planned, ChildProcess, FileLock, Date)] = []
        var failed: [String] = [], finished = plan.count - todo.count
        var forwarded = false
        // The bar is redrawn when a run logs an iteration (and at least once a minute).
        var lastDone = -1, lastReport = Date.distantPast
        while !queue.isEmpty || !running.isEmpty {
            while running.count < jobs, let next = queue.first, Interrupt.signal == nil {
                queue.removeFirst()
                let (child, lock) = try start(next)
                running.append((next, child, lock, Date()))
            }
            if Interrupt.signal != nil && !forwarded {
                forwarded = true
                queue.removeAll()
                progress.finishLine()
                log("study: interrupted; stopping \(running.count) run\(running.count == 1 ? "" : "s") (each saves its checkpoint)…")
                for r in running { r.1.send(SIGINT) }
            }
            usleep(UInt32(pollInterval * 1e6))
            var still: [(Planned, ChildProcess, FileLock, Date)] = []
            for r in running {
                guard let exit = r.1.poll() else { still.append(r); continue }
                r.2.release()
                let minutes = Date().timeIntervalSince(r.3) / 60
                if exit == .code(0) && layout.isFinished(r.0.arm, r.0.seed, iterations: r.0.iterations) {
                    finished += 1
                    progress.finishLine()
                    log(String(format: "✓ %@ finished in %.1f min%@ (%d/%d runs)", r.0.name, minutes, summary(r.0), finished, plan.count))
                } else if forwarded && (exit == .code(130) || exit == .code(143)) {
                    log("· \(r.0.name) stopped at iteration \(layout.latestStep(r.0.arm, r.0.seed)); it resumes next time")
                } else {
                    let line = errorLine(r.0, exit)
                    failed.append(r.0.name)
                    try? AtomicFiles.write(JSONSerialization.data(withJSONObject: ["status": "failed", "error": line], options: [.sortedKeys]),
                                           to: layout.failureFile(r.0.arm, r.0.seed))
                    progress.finishLine()
                    log("✗ \(r.0.name) failed: \(line) (log: \(layout.logFile(r.0.arm, r.0.seed)))")
                }
            }
            running = still
            let now = done()
            if !forwarded && (now != lastDone || Date().timeIntervalSince(lastReport) >= 60) {
                lastDone = now; lastReport = Date()
                progress.update(now, "\(finished)/\(plan.count) runs finished, \(running.count) running"
                                + (failed.isEmpty ? "" : ", \(failed.count) failed"))
            }
        }
        if forwarded {
            log("study \(study.name) interrupted: run the same command again to resume")
            return Interrupt.exitCode
        }
        do {
            let report = try StudyReport.build(layout)
            try report.write(to: layout)
            log("report: \(layout.directory)/report.md, report.json, report.png")
        } catch {
            log("study \(study.name): no report (\(error))")
        }
        if !failed.isEmpty {
            log("study \(study.name): \(failed.count) run\(failed.count == 1 ? "" : "s") failed (\(failed.joined(separator: ", "))); the report leaves them out")
            return 1
        }
        return 0
    }

    /// What `run` would do, without doing any of it: the plan's summary line, then one line per run
    /// (finished, resumes at step N, or new). Checks the study against the directory's runs like
    /// `run` does; writes nothing.
    public func describe() throws -> [String] {
        let plan = try makePlan()
        var lines: [String] = [], finished = 0, resuming = 0, running = 0
        for p in plan {
            let state: String
            let lockFile = layout.runLockFile(p.arm, p.seed)
            // A lock another process holds is a run going on now (the file exists once a run started).
            let held = FileManager.default.fileExists(atPath: lockFile) && {
                guard let lock = FileLock.acquire(lockFile, wait: false) else { return true }
                lock.release()
                return false
            }()
            if held {
                running += 1; state = "running now in another study process, at iteration \(layout.latestStep(p.arm, p.seed)) of \(p.iterations)"
            } else if layout.isFinished(p.arm, p.seed, iterations: p.iterations) {
                finished += 1; state = "finished (\(p.iterations) iterations)"
            } else if let step = CheckpointStore.completeSteps(run: layout.run(p.arm, p.seed)).last {
                resuming += 1; state = "resumes from its checkpoint at iteration \(step) of \(p.iterations)"
            } else {
                state = "new (\(p.iterations) iterations)"
            }
            lines.append("  \(p.name): \(state)")
        }
        let head = "study \(study.name): \(plan.count) runs (\(finished) finished, "
            + (running > 0 ? "\(running) running now, " : "")
            + "\(resuming) to resume, \(plan.count - finished - resuming - running) new) → \(layout.directory)"
        return [head] + lines
    }

    /// Every (arm, seed) with its settings; a run directory started with other settings is an error.
    func makePlan() throws -> [Planned] {
        var plan: [Planned] = []
        for arm in study.arms {
            for seed in study.seeds {
                let config = try study.trainConfig(arm: arm.name, seed: seed)
                let settings = try JSONSerialization.data(withJSONObject: study.settings(arm: arm.name, seed: seed),
                                                          options: [.prettyPrinted, .sortedKeys])
                let run = layout.run(arm.name, seed)
                if let old = FileManager.default.contents(atPath: layout.settingsFile(arm.name, seed)), old != settings {
                    throw StudyError.mismatch(run: run, why: "its settings.json differs from arm '\(arm.name)' of \(study.path)")
                }
                plan.append(Planned(arm: arm.name, seed: seed, iterations: config.iterations, settings: settings))
            }
        }
        return plan
    }

    /// Starts one run: fresh from its settings.json, or `--resume` from its newest checkpoint.
    func start(_ p: Planned) throws -> (ChildProcess, FileLock) {
        let run = layout.run(p.arm, p.seed)
        try AtomicFiles.makeDirectory(run)
        // A run still finishing for a study process that was killed holds its lock: wait for it.
        var lock = FileLock.acquire(layout.runLockFile(p.arm, p.seed), wait: false)
        if lock == nil {
            log("· \(p.name): waiting for a previous study process's run to save its checkpoint…")
            lock = FileLock.acquire(layout.runLockFile(p.arm, p.seed), wait: true)
        }
        guard let lock else { throw StudyError.busy(run) }
        if !FileManager.default.fileExists(atPath: layout.settingsFile(p.arm, p.seed)) {
            try AtomicFiles.write(p.settings, to: layout.settingsFile(p.arm, p.seed))
        }
        try? FileManager.default.removeItem(atPath: layout.failureFile(p.arm, p.seed))
        var args = ["train", "--run", run, "--threads", String(threadsPerRun)]
        if CheckpointStore.latest(run: run) != nil {
            args += ["--resume", "--iterations", String(p.iterations)]
        } else {
            args += ["--config", layout.settingsFile(p.arm, p.seed)]
        }
        let env = ["OPENBLAS_NUM_THREADS": String(threadsPerRun), ParentWatch.variable: String(getpid())]
        let child = try ChildProcess.spawn(executable, args, environment: env, logPath: layout.logFile(p.arm, p.seed), lockFD: lock.fd)
        return (child, lock)
    }

    /// The child's own `flowrl: …` line from its log, or how it ended.
    func errorLine(_ p: Planned, _ exit: ChildProcess.Exit) -> String {
        let text = FileManager.default.contents(atPath: layout.logFile(p.arm, p.seed)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        if let line = text.split(separator: "\n").last(where: { $0.hasPrefix("flowrl: ") }) { return String(line.dropFirst(8)) }
        switch exit {
        case .code(let c): return "exit status \(c)"
        case .signal(let s): return "killed by signal \(s)"
        }
    }

    /// " (strict 41.2% → 55.0%)" from the run's first and last evaluations.
    func summary(_ p: Planned) -> String {
        guard let record = try? RunRecord.load(layout.run(p.arm, p.seed)), let s = record.eval["eval_strict"],
              let first = s.values.first, let last = s.values.last else { return "" }
        return String(format: " (strict %.1f%% → %.1f%%)", first * 100, last * 100)
    }
}

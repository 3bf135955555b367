import Foundation

/// What `flowrl export tensorboard` and `flowrl report` are pointed at.
public enum RunOrStudy: Equatable {
    /// A run directory (has metrics.jsonl).
    case run(String)
    /// A study directory (study.json at its root, runs under ARM/seed-S/).
    case study(String)

    public static func classify(_ path: String) throws -> RunOrStudy {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue else { throw TrackingError.missingFile(path) }
        if fm.fileExists(atPath: path + "/study.json") { return .study(path) }
        if fm.fileExists(atPath: path + "/metrics.jsonl") { return .run(path) }
        throw TrackingError.notARunOrStudy(path)
    }

    /// The directory's last path component (a run's or study's name).
    public static func name(_ path: String) -> String {
        let name = URL(fileURLWithPath: path).standardizedFileURL.lastPathComponent
        return name.isEmpty ? path : name
    }

    /// The runs of a study, "ARM/seed-S" → directory, sorted by name.
    public static func studyRuns(_ study: String) -> [(name: String, directory: String)] {
        let fm = FileManager.default
        var out: [(String, String)] = []
        for arm in ((try? fm.contentsOfDirectory(atPath: study)) ?? []).sorted() {
            let armDir = study + "/" + arm
            for seed in ((try? fm.contentsOfDirectory(atPath: armDir)) ?? []).sorted() where seed.hasPrefix("seed-") {
                if fm.fileExists(atPath: armDir + "/" + seed + "/metrics.jsonl") { out.append((arm + "/" + seed, armDir + "/" + seed)) }
            }
        }
        return out
    }
}

/// `flowrl export tensorboard`: existing runs and studies as TensorBoard logdirs.
public enum TensorBoardExport {
    /// Exports `source`; returns the logdirs written. A run goes to OUT/<run name>/ (default RUN/tb),
    /// a study to one logdir OUT (default STUDY/tb) with a sub-run ARM/seed-S per run, so TensorBoard
    /// overlays the seeds and arms.
    @discardableResult
    public static func export(_ source: String, out: String?) throws -> [String] {
        switch try RunOrStudy.classify(source) {
        case .run(let run):
            let logdir = out.map { $0 + "/" + RunOrStudy.name(run) } ?? run + "/tb"
            _ = try RunEvents.rebuild(logdir: logdir, from: run)
            return [logdir]
        case .study(let study):
            let root = out ?? study + "/tb"
            let runs = RunOrStudy.studyRuns(study)
            guard !runs.isEmpty else { throw TrackingError.emptyStudy(study) }
            return try runs.map { run in
                let logdir = root + "/" + run.name
                _ = try RunEvents.rebuild(logdir: logdir, from: run.directory)
                return logdir
            }
        }
    }
}

import Foundation
import Model
import RL

/// Where a study keeps its runs: `DIR/study.json` (the resolved study: arms with their layered
/// settings, seeds, baseline, metrics) and one ordinary run directory per arm and seed,
/// `DIR/ARM/seed-S/`, holding also `settings.json` (what the run was started with), `train.log`
/// and, after a failure, `failure.json`.
public struct StudyLayout: Sendable {
    public var directory: String

    public init(directory: String) { self.directory = directory }

    public var studyFile: String { directory + "/study.json" }
    public var lockFile: String { directory + "/.lock" }

    public func run(_ arm: String, _ seed: UInt64) -> String { "\(directory)/\(arm)/seed-\(seed)" }
    public func settingsFile(_ arm: String, _ seed: UInt64) -> String { run(arm, seed) + "/settings.json" }
    public func logFile(_ arm: String, _ seed: UInt64) -> String { run(arm, seed) + "/train.log" }
    public func failureFile(_ arm: String, _ seed: UInt64) -> String { run(arm, seed) + "/failure.json" }
    public func runLockFile(_ arm: String, _ seed: UInt64) -> String { run(arm, seed) + "/.lock" }

    /// What the study directory records of a study: enough for `study report` without the study file.
    public struct Resolved: Sendable {
        public var name: String
        public var source: String
        public var baseline: String
        public var metrics: [String]
        public var seeds: [UInt64]
        public var arms: [String]
        /// Planned iterations of each arm's runs.
        public var iterations: [String: Int]
        /// Each arm's reward spec (equal-proxy readings only mean something between equal proxies).
        public var rewards: [String: String]
    }

    public func write(_ study: StudyFile) throws {
        var arms: [JSONObject] = []
        for arm in study.arms {
            let config = try study.trainConfig(arm: arm.name, seed: study.seeds[0])
            var settings = study.settings(arm: arm.name, seed: study.seeds[0])
            settings.removeValue(forKey: "seed")
            arms.append(["name": arm.name, "settings": settings, "iterations": config.iterations, "reward": config.reward])
        }
        var object: JSONObject = ["name": study.name, "source": study.path, "baseline": study.baseline,
                                  "metrics": study.metrics, "seeds": study.seeds.map { Int($0) }, "arms": arms]
        if let d = study.description { object["description"] = d }
        try AtomicFiles.makeDirectory(directory)
        try AtomicFiles.write(JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]), to: studyFile)
    }

    public func read() throws -> Resolved {
        guard let data = FileManager.default.contents(atPath: studyFile),
              let o = (try? JSONSerialization.jsonObject(with: data)) as? JSONObject else { throw StudyError.notAStudy(directory) }
        let arms = o["arms"] as? [JSONObject] ?? []
        guard let name = o["name"] as? String, let baseline = o["baseline"] as? String, !arms.isEmpty,
              let seeds = o["seeds"] as? [Int] else { throw StudyError.notAStudy(directory) }
        var iterations: [String: Int] = [:], rewards: [String: String] = [:]
        for a in arms {
            guard let n = a["name"] as? String else { throw StudyError.notAStudy(directory) }
            iterations[n] = a["iterations"] as? Int ?? 0
            rewards[n] = a["reward"] as? String ?? ""
        }
        return Resolved(name: name, source: o["source"] as? String ?? "", baseline: baseline,
                        metrics: o["metrics"] as? [String] ?? StudyFile.defaultMetrics, seeds: seeds.map { UInt64($0) },
                        arms: arms.compactMap { $0["name"] as? String }, iterations: iterations, rewards: rewards)
    }

    /// Whether the run has its last checkpoint (a finished run).
    public func isFinished(_ arm: String, _ seed: UInt64, iterations: Int) -> Bool {
        CheckpointStore.completeSteps(run: run(arm, seed)).contains(iterations)
    }

    /// The newest step logged in a run's metrics.jsonl (0 when there is none).
    public func latestStep(_ arm: String, _ seed: UInt64) -> Int {
        guard let data = FileManager.default.contents(atPath: run(arm, seed) + "/metrics.jsonl") else { return 0 }
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n").reversed() {
            if let o = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? JSONObject, let s = o["step"] as? Int { return s }
        }
        return 0
    }

    /// The error line a failed run left, if it failed.
    public func failure(_ arm: String, _ seed: UInt64) -> String? {
        guard let data = FileManager.default.contents(atPath: failureFile(arm, seed)),
              let o = (try? JSONSerialization.jsonObject(with: data)) as? JSONObject else { return nil }
        return o["error"] as? String
    }
}

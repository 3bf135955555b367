import Foundation
import Imaging
import Tracking

/// Why a run directory could not be loaded for comparison; each message names the run and file.
public enum CompareError: Error, CustomStringConvertible, Equatable {
    case noRuns
    case missingDirectory(run: String)
    case missingFile(run: String, file: String)
    case unreadable(run: String, file: String, reason: String)
    case noRecords(run: String, file: String)
    case badGrid(run: String, file: String, reason: String)

    public var description: String {
        switch self {
        case .noRuns: return "compare needs at least one run directory"
        case .missingDirectory(let run): return "run directory \(run) does not exist"
        case let .missingFile(run, file): return "run \(run) has no \(file) (is it a flowrl train run directory?)"
        case let .unreadable(run, file, reason): return "run \(run): cannot read \(file): \(reason)"
        case let .noRecords(run, file): return "run \(run): \(file) holds no metric records"
        case let .badGrid(run, file, reason): return "run \(run): grid \(file) is unreadable: \(reason)"
        }
    }
}

/// One metric against step; steps ascend and each appears once (a later record of a step wins,
/// as after a resume).
public struct MetricSeries: Equatable, Sendable {
    public var steps: [Int]
    public var values: [Double]

    public init(steps: [Int] = [], values: [Double] = []) {
        self.steps = steps; self.values = values
    }

    public var last: (step: Int, value: Double)? {
        guard let s = steps.last, let v = values.last else { return nil }
        return (s, v)
    }

    /// The largest finite value and its step (the earliest step on ties).
    public var best: (step: Int, value: Double)? {
        var out: (step: Int, value: Double)? = nil
        for (s, v) in zip(steps, values) where v.isFinite && (out == nil || v > out!.value) { out = (s, v) }
        return out
    }
}

/// A `flowrl train` run directory loaded for `flowrl compare` (DESIGN.md §6): its config,
/// the training and eval series of metrics.jsonl, and the steps that have a sample grid.
public struct RunRecord: Sendable {
    public static let configFile = "config.json", metricsFile = "metrics.jsonl", gridsFolder = "grids"

    /// The directory as given.
    public var directory: String
    public var algo: String
    public var reward: String
    /// `iterations` from config.json (the planned length), nil when absent.
    public var plannedIterations: Int?
    /// Scalar metrics of training records (no "kind"), keyed by metric name.
    public var training: [String: MetricSeries]
    /// Per-timestep arrays of training records (e.g. log_ratio_mean_per_step), by name, with the
    /// step of each record; records whose update was skipped are left out.
    public var perStep: [String: [(step: Int, values: [Double])]]
    /// Scalar metrics of eval records ("kind": "eval"), keyed by metric name (eval_strict, …).
    public var eval: [String: MetricSeries]
    /// Steps with a grids/step_NNNNNN.png, ascending.
    public var gridSteps: [Int]

    /// Loads `directory`; a missing directory, config.json or metrics.jsonl is an error naming both.
    public static func load(_ directory: String) throws -> RunRecord {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CompareError.missingDirectory(run: directory)
        }
        let config = try readConfig(directory)
        let metricsPath = directory + "/" + metricsFile
        guard fm.fileExists(atPath: metricsPath) else { throw CompareError.missingFile(run: directory, file: metricsFile) }
        guard let data = fm.contents(atPath: metricsPath) else {
            throw CompareError.unreadable(run: directory, file: metricsFile, reason: "permission denied or I/O error")
        }
        // Lines that are not JSON objects (a half-written last line of a killed run) are skipped.
        // JSONRecord, not JSONSerialization: its numbers are correctly rounded (see JSONRecord).
        let records = String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap {
            JSONRecord.parse(Data($0.utf8))
        }
        var run = RunRecord(directory: directory, algo: config["algo"] as? String ?? "?",
                            reward: config["reward"] as? String ?? "?",
                            plannedIterations: config["iterations"].flatMap(MetricsEvents.integer),
                            training: [:], perStep: [:], eval: [:], gridSteps: gridSteps(directory))
        run.absorb(records)
        guard !run.training.isEmpty || !run.eval.isEmpty else {
            throw CompareError.noRecords(run: directory, file: metricsFile)
        }
        return run
    }

    /// The run's name for legends and headers: the directory's last path component.
    public var baseName: String {
        let trimmed = directory.hasSuffix("/") && directory.count > 1 ? String(directory.dropLast()) : directory
        let name = URL(fileURLWithPath: trimmed).standardizedFileURL.lastPathComponent
        return name.isEmpty ? trimmed : name
    }

    /// The last training step logged (0 when the run has only its initial evaluation).
    public var lastStep: Int { training.values.compactMap { $0.steps.last }.max() ?? 0 }

    /// Reads the grid PNG of `step`; an unreadable file is an error naming the run and file.
    public func grid(step: Int) throws -> Image {
        let file = RunRecord.gridsFolder + "/" + RunRecord.gridFileName(step)
        do {
            return try PNG.read(path: directory + "/" + file).image
        } catch {
            throw CompareError.badGrid(run: directory, file: file, reason: "\(error)")
        }
    }

    /// Per-timestep values averaged over the last `window` records that have them; records of
    /// another length (a changed step count) than the newest are left out.
    public func perStepMean(_ key: String, window: Int) -> [Double] {
        guard let rows = perStep[key], let newest = rows.last?.values, !newest.isEmpty else { return [] }
        let recent = rows.suffix(max(1, window)).map(\.values).filter { $0.count == newest.count }
        return (0..<newest.count).map { k in recent.map { $0[k] }.reduce(0, +) / Double(recent.count) }
    }

    static func gridFileName(_ step: Int) -> String { String(format: "step_%06d.png", step) }

    public static func readConfig(_ directory: String) throws -> [String: Any] {
        let path = directory + "/" + configFile
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CompareError.missingFile(run: directory, file: configFile)
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw CompareError.unreadable(run: directory, file: configFile, reason: "not a JSON object")
        }
        return object
    }

    static func gridSteps(_ directory: String) -> [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory + "/" + gridsFolder)) ?? []
        return names.compactMap { name -> Int? in
            guard name.hasPrefix("step_"), name.hasSuffix(".png") else { return nil }
            return Int(name.dropFirst(5).dropLast(4))
        }.sorted()
    }

    /// Sorts records into the training, per-step and eval series.
    mutating func absorb(_ records: [[String: Any]]) {
        var trainingPoints: [String: [Int: Double]] = [:], evalPoints: [String: [Int: Double]] = [:]
        var arrays: [String: [Int: [Double]]] = [:]
        for record in records {
            guard let step = record["step"].flatMap(MetricsEvents.integer) else { continue }
            let isEval = (record["kind"] as? String) == "eval"
            if record["kind"] != nil && !isEval { continue }
            let skipped = record["skipped"] != nil
            for (key, value) in record where key != "step" && key != "kind" {
                if let x = MetricsEvents.number(value) {
                    if isEval { evalPoints[key, default: [:]][step] = x } else { trainingPoints[key, default: [:]][step] = x }
                } else if !isEval, !skipped, let list = value as? [Any] {
                    let xs = list.compactMap(MetricsEvents.number)
                    if xs.count == list.count && !xs.isEmpty { arrays[key, default: [:]][step] = xs }
                }
            }
        }
        func series(_ points: [Int: Double]) -> MetricSeries {
            let steps = points.keys.sorted()
            return MetricSeries(steps: steps, values: steps.map { points[$0]! })
        }
        training = trainingPoints.mapValues(series)
        eval = evalPoints.mapValues(series)
        perStep = arrays.mapValues { byStep in byStep.keys.sorted().map { ($0, byStep[$0]!) } }
    }
}

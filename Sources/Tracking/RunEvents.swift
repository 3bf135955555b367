import Foundation

/// A run's TensorBoard log, `RUN/tb/` (or an export target): one event file that mirrors
/// metrics.jsonl, the sample grids and config.json.
///
/// `flowrl train` / `flowrl pretrain` open it at start with `rebuild`, which deletes the old event
/// files and replays the (already truncated) metrics.jsonl and the grids up to the resume step,
/// then feed it every new record and grid as the run goes. Rebuilding rather than appending a new
/// file is how a resumed run avoids duplicate steps: TensorBoard shows every event of every file,
/// so records of a killed run's lost iterations would otherwise stay on the curves.
public final class RunEvents {
    public let file: EventFile

    public init(logdir: String) throws { file = try EventFile(directory: logdir) }

    /// Replaces every event file in `logdir` with one holding `run`'s config, records and grids up to
    /// `upToStep` (all when nil).
    public static func rebuild(logdir: String, from run: String, upToStep: Int? = nil) throws -> RunEvents {
        for old in EventFile.files(in: logdir) { try? FileManager.default.removeItem(atPath: old) }
        let events = try RunEvents(logdir: logdir)
        let metrics = run + "/metrics.jsonl"
        var records: [[String: Any]] = []
        if FileManager.default.fileExists(atPath: metrics) {
            records = try readRecords(metrics).filter { r in
                guard let s = MetricsEvents.step(of: r), let limit = upToStep else { return true }
                return s <= limit
            }
        }
        // Records carry no clock time, but they do carry the seconds each phase took: replayed
        // events get wall times spaced by those seconds and ending now, so TensorBoard's "relative"
        // axis shows training time, and live events of a resumed run continue from there.
        let total = records.reduce(0) { $0 + seconds(in: $1) }
        var clock = Date().timeIntervalSince1970 - total
        var stepTime: [Int: Double] = [:]
        for record in records {
            clock += seconds(in: record)
            events.record(record, wallTime: clock)
            if let s = MetricsEvents.step(of: record) { stepTime[s] = clock }
        }
        for (step, path) in gridFiles(run) where upToStep.map({ step <= $0 }) ?? true {
            try events.grid(step: step, pngPath: path, wallTime: stepTime[step] ?? clock)
        }
        if let data = FileManager.default.contents(atPath: run + "/config.json") {
            events.config(String(decoding: data, as: UTF8.self), wallTime: Date().timeIntervalSince1970 - total)
        }
        return events
    }

    /// Seconds a record accounts for: the phases of a training iteration, or an evaluation.
    static func seconds(in record: [String: Any]) -> Double {
        let keys = ["seconds_rollout", "seconds_reward", "seconds_update", "eval_seconds"]
        return keys.compactMap { record[$0].flatMap(MetricsEvents.number) }.filter { $0.isFinite && $0 > 0 }.reduce(0, +)
    }

    /// One metrics.jsonl line (as MetricsLog wrote it), at its step.
    public func record(line: Data) {
        if let record = JSONRecord.parse(line) { self.record(record) }
    }

    /// One metrics.jsonl record, at its step.
    public func record(_ record: [String: Any], wallTime: Double = Date().timeIntervalSince1970) {
        guard let step = MetricsEvents.step(of: record) else { return }
        file.write(step: step, values: MetricsEvents.values(for: record), wallTime: wallTime)
    }

    /// A grid PNG as the image `grids` at `step`.
    public func grid(step: Int, pngPath: String, wallTime: Double = Date().timeIntervalSince1970) throws {
        guard let data = FileManager.default.contents(atPath: pngPath) else { throw TrackingError.missingFile(pngPath) }
        let png = [UInt8](data)
        guard let size = RunEvents.pngSize(png) else { throw TrackingError.unreadable(pngPath, "not a PNG file") }
        file.write(step: step, values: [SummaryValue(tag: "grids", .image(png: png, width: size.width, height: size.height))],
                   wallTime: wallTime)
    }

    /// config.json as the text `config` at step 0, as a Markdown code block (the text plugin renders Markdown).
    public func config(_ json: String, wallTime: Double = Date().timeIntervalSince1970) {
        let block = json.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n")
        file.write(step: 0, values: [SummaryValue(tag: "config", .text(block))], wallTime: wallTime)
    }

    /// Width and height from a PNG's IHDR chunk (bytes 16–23, big-endian), without decoding it.
    static func pngSize(_ png: [UInt8]) -> (width: Int, height: Int)? {
        guard png.count >= 24, png[0] == 0x89, png[1] == 0x50, png[2] == 0x4E, png[3] == 0x47 else { return nil }
        func be32(_ i: Int) -> Int { png[i..<i + 4].reduce(0) { $0 << 8 | Int($1) } }
        return (be32(16), be32(20))
    }

    /// Every record of a metrics.jsonl file; lines that are not JSON objects (a torn last line of a
    /// killed run) are skipped.
    public static func readRecords(_ path: String) throws -> [[String: Any]] {
        guard let data = FileManager.default.contents(atPath: path) else { throw TrackingError.missingFile(path) }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { JSONRecord.parse(Data($0.utf8)) }
    }

    /// grids/step_NNNNNN.png of a run, by ascending step.
    public static func gridFiles(_ run: String) -> [(step: Int, path: String)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: run + "/grids")) ?? []
        return names.compactMap { name -> (Int, String)? in
            guard name.hasPrefix("step_"), name.hasSuffix(".png"), let s = Int(name.dropFirst(5).dropLast(4)) else { return nil }
            return (s, run + "/grids/" + name)
        }.sorted { $0.0 < $1.0 }
    }
}

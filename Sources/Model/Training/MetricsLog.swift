import Foundation

/// `metrics.jsonl`: one JSON object per line, appended and flushed after every record so that a
/// killed run keeps everything it logged.
public final class MetricsLog {
    public let path: String
    private let handle: FileHandle
    /// Called with every record's JSON line (without the newline) after it is written, so that a
    /// live TensorBoard log reads exactly what a later export of the file reads.
    public var observer: ((Data) -> Void)?

    /// Opens (creating if needed) the log; with `truncateAfterStep`, lines of later steps are dropped
    /// first, so that a resumed run does not log the same step twice.
    public init(path: String, truncateAfterStep: Int? = nil) throws {
        self.path = path
        let fm = FileManager.default
        if let step = truncateAfterStep, let data = fm.contents(atPath: path) {
            let kept = String(decoding: data, as: UTF8.self).split(separator: "\n").filter { line in
                guard let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      let s = obj["step"] as? Int else { return false }
                return s <= step
            }
            try AtomicFiles.write(Data(kept.map { $0 + "\n" }.joined().utf8), to: path)
        } else if !fm.fileExists(atPath: path) {
            guard fm.createFile(atPath: path, contents: nil) else { throw FileError.notWritable(path) }
        }
        guard let h = FileHandle(forWritingAtPath: path) else { throw FileError.notWritable(path) }
        h.seekToEndOfFile()
        handle = h
    }

    deinit { try? handle.close() }

    /// Appends one record. Keys are sorted so identical runs give byte-identical logs.
    public func append(_ record: [String: Any]) {
        let clean = record.mapValues(MetricsLog.jsonSafe)
        guard let data = try? JSONSerialization.data(withJSONObject: clean, options: [.sortedKeys]) else { return }
        handle.write(data)
        handle.write(Data("\n".utf8))
        observer?(data)
    }

    /// Records the settings a resumed run changed ("key: old → new") at the step it resumed from,
    /// one record shape for every kind of run (readers of training records skip it by its kind).
    public func appendResume(step: Int, changed: [String]) {
        append(["step": step, "kind": "resume", "changed": changed])
    }

    /// Non-finite floats are not JSON: they are written as the strings "nan"/"inf"/"-inf".
    static func jsonSafe(_ v: Any) -> Any {
        switch v {
        case let f as Float: return f.isFinite ? Double(f) : String(describing: f)
        case let d as Double: return d.isFinite ? d : String(describing: d)
        case let a as [Float]: return a.map { jsonSafe($0) }
        case let a as [Double]: return a.map { jsonSafe($0) }
        case let m as [String: Any]: return m.mapValues(jsonSafe)
        default: return v
        }
    }

    /// Reads every record of a metrics.jsonl file.
    public static func read(_ path: String) throws -> [[String: Any]] {
        guard let data = FileManager.default.contents(atPath: path) else { throw FileError.missing(path) }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }
}

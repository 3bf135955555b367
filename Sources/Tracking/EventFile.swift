import Foundation

/// A TensorBoard event file, `events.out.tfevents.<unix seconds>.<hostname>`: TFRecord frames of
/// `Event` messages (event.proto: wall_time = 1 double, step = 2 int64, file_version = 3 string,
/// summary = 5), the first one carrying file_version "brain.Event:2". Version 2 matters: for it
/// TensorBoard's reader never drops data because steps go backwards (only a SessionLog START,
/// which we never write, purges), so a file may hold its records in any step order.
public final class EventFile {
    public let path: String
    private let writer: TFRecordWriter

    /// Creates a new event file in `directory` (created if needed).
    public init(directory: String, wallTime: Double = Date().timeIntervalSince1970) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw TrackingError.notWritable(directory)
        }
        let host = ProcessInfo.processInfo.hostName.replacingOccurrences(of: "/", with: "_")
        path = directory + "/events.out.tfevents.\(Int(wallTime)).\(host.isEmpty ? "localhost" : host)"
        writer = try TFRecordWriter(path: path)
        writer.append(EventFile.encodeEvent(wallTime: wallTime, step: 0) { $0.string(3, "brain.Event:2") })
    }

    /// Appends one Event holding `values` at `step`.
    public func write(step: Int, values: [SummaryValue], wallTime: Double = Date().timeIntervalSince1970) {
        guard !values.isEmpty else { return }
        writer.append(EventFile.encodeEvent(wallTime: wallTime, step: step) { e in
            e.message(5) { s in for v in values { s.message(1) { v.encode(into: &$0) } } }
        })
    }

    /// The bytes of an Event: wall time, step, then `what` (file_version or summary).
    static func encodeEvent(wallTime: Double, step: Int, _ what: (inout ProtoWriter) -> Void) -> [UInt8] {
        var w = ProtoWriter()
        w.double(1, wallTime)
        w.int64(2, Int64(step))
        what(&w)
        return w.bytes
    }

    /// Event files directly in `directory` (a logdir or one run's tb/).
    public static func files(in directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasPrefix("events.out.tfevents.") }.sorted().map { directory + "/" + $0 }
    }
}

import Foundation

/// Appends TFRecord frames to a file: uint64 length, uint32 masked CRC-32C of those 8 bytes, the
/// data, uint32 masked CRC-32C of the data, all little-endian. Each record goes out in one
/// `write` so that a killed run leaves at most one torn record at the end, which TensorBoard's
/// reader stops at without losing the ones before.
public final class TFRecordWriter {
    public let path: String
    private let handle: FileHandle

    /// Creates (or truncates) the file at `path`.
    public init(path: String) throws {
        self.path = path
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let h = FileHandle(forWritingAtPath: path) else { throw TrackingError.notWritable(path) }
        handle = h
    }

    deinit { try? handle.close() }

    /// The framed bytes of one record.
    public static func frame(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.count + 16)
        let length = withUnsafeBytes(of: UInt64(data.count).littleEndian, Array.init)
        out += length
        out += withUnsafeBytes(of: CRC32C.masked(CRC32C.checksum(length)).littleEndian, Array.init)
        out += data
        out += withUnsafeBytes(of: CRC32C.masked(CRC32C.checksum(data)).littleEndian, Array.init)
        return out
    }

    public func append(_ data: [UInt8]) {
        handle.write(Data(TFRecordWriter.frame(data)))
    }
}

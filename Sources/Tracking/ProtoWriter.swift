/// A minimal protocol-buffer encoder: the wire format of the five TensorBoard messages that event
/// files need (Event, Summary, Summary.Value, Summary.Image / HistogramProto, TensorProto for text).
///
/// Why not apple/swift-protobuf: we only ever *write* these messages, never decode them; there are
/// five small message types with a dozen fields between them; and a hand encoder needs no
/// generated code to keep in sync, no plugin and no package dependency. Field numbers are those of
/// tensorboard/compat/proto/{event,summary,histogram,tensor}.proto (checked against the installed
/// tensorboard package's descriptors, and the bytes against its own serializer in the tests).
public struct ProtoWriter {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    /// Wire types of the encoding (protobuf "Encoding" guide).
    enum WireType: UInt64 { case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5 }

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 { bytes.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        bytes.append(UInt8(v))
    }

    mutating func key(_ field: Int, _ type: WireType) { varint(UInt64(field) << 3 | type.rawValue) }

    /// int64 / int32 / enum fields: two's-complement varint (negative values take 10 bytes).
    public mutating func int64(_ field: Int, _ value: Int64) {
        key(field, .varint); varint(UInt64(bitPattern: value))
    }

    public mutating func double(_ field: Int, _ value: Double) {
        key(field, .fixed64)
        bytes += withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init)
    }

    public mutating func float(_ field: Int, _ value: Float) {
        key(field, .fixed32)
        bytes += withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init)
    }

    public mutating func bytes(_ field: Int, _ value: [UInt8]) {
        key(field, .lengthDelimited); varint(UInt64(value.count)); bytes += value
    }

    public mutating func string(_ field: Int, _ value: String) { bytes(field, Array(value.utf8)) }

    /// An embedded message (also how an empty message that must be present is written).
    public mutating func message(_ field: Int, _ build: (inout ProtoWriter) -> Void) {
        var inner = ProtoWriter()
        build(&inner)
        bytes(field, inner.bytes)
    }

    /// A packed repeated double (proto3's default for repeated scalars).
    public mutating func packedDoubles(_ field: Int, _ values: [Double]) {
        var payload: [UInt8] = []
        payload.reserveCapacity(values.count * 8)
        for v in values { payload += withUnsafeBytes(of: v.bitPattern.littleEndian, Array.init) }
        bytes(field, payload)
    }
}

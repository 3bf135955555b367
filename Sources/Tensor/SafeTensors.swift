#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A safetensors file held in memory: named float32 tensors plus string metadata.
///
/// The layout is the one Python's `safetensors` and PyTorch read unchanged: an 8-byte
/// little-endian header length, a JSON header mapping each name to dtype, shape and
/// `data_offsets` (relative to the end of the header), an optional string-to-string
/// `__metadata__`, then the tensor bytes tightly packed. `decode` treats its input as hostile:
/// every length and offset is checked, with explicit overflow checks because release builds use
/// -Ounchecked, before any byte is read.
public struct SafeTensorsFile: Sendable, Equatable {
    /// Every tensor, converted to float32 whatever its stored dtype.
    public var tensors: [String: Tensor]
    /// Tensor names in the order their data is laid out in the file.
    public var order: [String]
    /// The `__metadata__` strings (empty when the file has none).
    public var metadata: [String: String]

    public init(tensors: [String: Tensor], order: [String], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.order = order
        self.metadata = metadata
    }

    /// The reference implementation's limit; a larger header means a corrupt or hostile file.
    static let maxHeaderLength: UInt64 = 100_000_000

    enum DType: String {
        case f32 = "F32", f16 = "F16", bf16 = "BF16"
        var size: Int { self == .f32 ? 4 : 2 }
    }

    /// One header entry once its fields have been checked, offsets relative to the data section.
    struct Entry {
        var name: String
        var dtype: DType
        var shape: [Int]
        var count: Int
        var byteLength: Int
        var start: Int
        var end: Int
    }

    /// Reads and checks the safetensors file at `path`.
    public static func read(path: String) throws -> SafeTensorsFile {
        try decode(readWholeFile(path), source: path)
    }

    /// Parses the bytes of a safetensors file; `source` names it in error messages.
    public static func decode(_ bytes: [UInt8], source: String = "<memory>") throws -> SafeTensorsFile {
        guard bytes.count >= 8 else { throw SafeTensorsError.tooShort(file: source, size: bytes.count) }
        var headerLength: UInt64 = 0
        for i in 0..<8 { headerLength |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard headerLength <= maxHeaderLength else {
            throw SafeTensorsError.headerTooLarge(file: source, headerLength: headerLength)
        }
        // headerLength ≤ 1e8 here, so neither the conversion nor the sum can overflow.
        let dataStart = 8 + Int(headerLength)
        guard dataStart <= bytes.count else {
            throw SafeTensorsError.headerBeyondFile(file: source, headerLength: headerLength, fileSize: bytes.count)
        }
        let headerBytes = Array(bytes[8..<dataStart])
        guard isValidUTF8(headerBytes) else { throw SafeTensorsError.headerNotUTF8(file: source) }
        let json: SafeTensorsJSON
        do {
            json = try SafeTensorsJSON.parse(headerBytes)
        } catch let e as SafeTensorsJSON.ParseError {
            throw SafeTensorsError.headerNotJSON(file: source, reason: e.message)
        }
        guard case .object(let members) = json else { throw SafeTensorsError.headerNotObject(file: source) }

        var seen = Set<String>()
        var metadata: [String: String] = [:]
        var entries: [Entry] = []
        for (key, value) in members {
            guard seen.insert(key).inserted else { throw SafeTensorsError.duplicateName(file: source, name: key) }
            if key == "__metadata__" {
                metadata = try parseMetadata(value, source: source)
            } else {
                entries.append(try parseEntry(name: key, value, source: source))
            }
        }

        // Data order, not header order, decides contiguity; the header index breaks ties between
        // empty tensors at the same offset so that `order` is deterministic.
        let sorted = entries.enumerated().sorted {
            ($0.element.start, $0.element.end, $0.offset) < ($1.element.start, $1.element.end, $1.offset)
        }.map(\.element)
        let dataSize = bytes.count - dataStart
        var cursor = 0
        var previous = ""
        for e in sorted {
            guard e.end >= e.start else {
                throw SafeTensorsError.invalidOffsets(file: source, tensor: e.name,
                                                      reason: "end \(e.end) is before begin \(e.start)")
            }
            guard e.end <= dataSize else {
                throw SafeTensorsError.offsetsOutOfRange(file: source, tensor: e.name, start: e.start,
                                                         end: e.end, dataSize: dataSize)
            }
            guard e.start >= cursor else {
                throw SafeTensorsError.overlappingTensors(file: source, tensor: e.name, previous: previous)
            }
            guard e.start == cursor else {
                throw SafeTensorsError.holeBeforeTensor(file: source, tensor: e.name, holeStart: cursor, holeEnd: e.start)
            }
            guard e.end - e.start == e.byteLength else {
                throw SafeTensorsError.byteLengthMismatch(file: source, tensor: e.name, expected: e.byteLength,
                                                          actual: e.end - e.start)
            }
            cursor = e.end
            previous = e.name
        }
        guard cursor == dataSize else {
            throw SafeTensorsError.dataNotCovered(file: source, covered: cursor, dataSize: dataSize)
        }

        var tensors: [String: Tensor] = [:]
        tensors.reserveCapacity(sorted.count)
        bytes.withUnsafeBytes { raw in
            // Safe: bytes.count ≥ 8, and every [start, end) was checked against the data section.
            let data = raw.baseAddress! + dataStart
            for e in sorted {
                tensors[e.name] = Tensor(shape: e.shape, data: convert(data + e.start, count: e.count, dtype: e.dtype))
            }
        }
        return SafeTensorsFile(tensors: tensors, order: sorted.map(\.name), metadata: metadata)
    }

    /// The bytes of a safetensors file holding `tensors` as F32, packed in the given order.
    public static func encode(tensors: [(name: String, tensor: Tensor)],
                              metadata: [String: String] = [:]) throws -> [UInt8] {
        try encode(tensors: tensors, metadata: metadata, source: "<memory>")
    }

    /// Writes `tensors` to `path` crash-safely: a temporary file in the same directory is written
    /// and fsynced, then renamed over `path`, so a reader sees the old file or the new one, never
    /// a torn mix.
    public static func write(path: String, tensors: [(name: String, tensor: Tensor)],
                             metadata: [String: String] = [:]) throws {
        let bytes = try encode(tensors: tensors, metadata: metadata, source: path)
        try writeAtomically(bytes, to: path)
    }

    static func encode(tensors: [(name: String, tensor: Tensor)], metadata: [String: String],
                       source: String) throws -> [UInt8] {
        var parts: [String] = []
        if !metadata.isEmpty {
            // Sorted because dictionary order changes from run to run and files should not.
            let pairs = metadata.sorted { $0.key < $1.key }.map { "\(jsonString($0.key)):\(jsonString($0.value))" }
            parts.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var seen = Set<String>()
        var offset = 0
        for (name, tensor) in tensors {
            guard name != "__metadata__" else { throw SafeTensorsError.reservedName(file: source, name: name) }
            guard seen.insert(name).inserted else { throw SafeTensorsError.duplicateName(file: source, name: name) }
            guard let count = checkedProduct(tensor.shape), count == tensor.data.count else {
                throw SafeTensorsError.shapeMismatch(file: source, tensor: name, shape: tensor.shape,
                                                     count: tensor.data.count)
            }
            let end = offset + 4 * count
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            parts.append("\(jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var header = Array("{\(parts.joined(separator: ","))}".utf8)
        // Spaces up to a multiple of 8 keep the data 8-byte aligned, as the reference writer does.
        header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - header.count % 8) % 8))

        var out: [UInt8] = []
        out.reserveCapacity(8 + header.count + offset)
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: UInt64(header.count) >> (8 * UInt64(i)))) }
        out.append(contentsOf: header)
        for (_, tensor) in tensors {
            tensor.data.withUnsafeBufferPointer { values in
                #if _endian(little)
                out.append(contentsOf: UnsafeRawBufferPointer(values))
                #else
                for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
                #endif
            }
        }
        return out
    }

    static func parseMetadata(_ value: SafeTensorsJSON, source: String) throws -> [String: String] {
        guard case .object(let members) = value else { throw SafeTensorsError.metadataNotObject(file: source) }
        var metadata: [String: String] = [:]
        for (key, value) in members {
            guard case .string(let s) = value else { throw SafeTensorsError.metadataNotString(file: source, key: key) }
            guard metadata.updateValue(s, forKey: key) == nil else {
                throw SafeTensorsError.duplicateField(file: source, tensor: "__metadata__", field: key)
            }
        }
        return metadata
    }

    static func parseEntry(name: String, _ value: SafeTensorsJSON, source: String) throws -> Entry {
        guard case .object(let fields) = value else { throw SafeTensorsError.entryNotObject(file: source, tensor: name) }
        var seen = Set<String>()
        for (key, _) in fields where !seen.insert(key).inserted {
            throw SafeTensorsError.duplicateField(file: source, tensor: name, field: key)
        }
        func field(_ key: String) throws -> SafeTensorsJSON {
            guard let v = fields.first(where: { $0.key == key })?.value else {
                throw SafeTensorsError.missingField(file: source, tensor: name, field: key)
            }
            return v
        }

        guard case .string(let dtypeName) = try field("dtype") else {
            throw SafeTensorsError.wrongFieldType(file: source, tensor: name, field: "dtype", expected: "a string such as \"F32\"")
        }
        guard let dtype = DType(rawValue: dtypeName) else {
            throw SafeTensorsError.unsupportedDtype(file: source, tensor: name, dtype: dtypeName)
        }

        let shapeType = "an array of non-negative integers"
        guard case .array(let dims) = try field("shape") else {
            throw SafeTensorsError.wrongFieldType(file: source, tensor: name, field: "shape", expected: shapeType)
        }
        var shape: [Int] = []
        shape.reserveCapacity(dims.count)
        for (i, dim) in dims.enumerated() {
            guard case .number(let text) = dim else {
                throw SafeTensorsError.wrongFieldType(file: source, tensor: name, field: "shape", expected: shapeType)
            }
            switch SafeTensorsJSON.integer(text) {
            case .notInteger:
                throw SafeTensorsError.invalidShape(file: source, tensor: name, reason: "dimension \(i) is \(text), not an integer")
            case .tooLarge:
                throw SafeTensorsError.invalidShape(file: source, tensor: name, reason: "dimension \(i) is \(text), too large")
            case .value(let v) where v < 0:
                throw SafeTensorsError.invalidShape(file: source, tensor: name, reason: "dimension \(i) is negative (\(v))")
            case .value(let v):
                shape.append(v)
            }
        }
        // Same left-to-right order as Tensor.init's product, so passing here means it cannot trap.
        guard let count = checkedProduct(shape) else { throw SafeTensorsError.sizeOverflow(file: source, tensor: name) }
        let (byteLength, overflow) = count.multipliedReportingOverflow(by: dtype.size)
        guard !overflow else { throw SafeTensorsError.sizeOverflow(file: source, tensor: name) }

        let offsetsType = "an array of two non-negative integers [begin, end]"
        guard case .array(let offsets) = try field("data_offsets"), offsets.count == 2,
              case .number(let beginText) = offsets[0], case .number(let endText) = offsets[1] else {
            throw SafeTensorsError.wrongFieldType(file: source, tensor: name, field: "data_offsets", expected: offsetsType)
        }
        func offset(_ text: String, _ which: String) throws -> Int {
            switch SafeTensorsJSON.integer(text) {
            case .value(let v) where v >= 0: return v
            case .value: throw SafeTensorsError.invalidOffsets(file: source, tensor: name, reason: "\(which) \(text) is negative")
            case .notInteger: throw SafeTensorsError.invalidOffsets(file: source, tensor: name, reason: "\(which) \(text) is not an integer")
            case .tooLarge: throw SafeTensorsError.invalidOffsets(file: source, tensor: name, reason: "\(which) \(text) is too large")
            }
        }
        return Entry(name: name, dtype: dtype, shape: shape, count: count, byteLength: byteLength,
                     start: try offset(beginText, "begin"), end: try offset(endText, "end"))
    }

    /// The element count of `shape`, or nil if a dimension is negative or the product overflows.
    static func checkedProduct(_ shape: [Int]) -> Int? {
        var p = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (q, overflow) = p.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            p = q
        }
        return p
    }

    static func convert(_ p: UnsafeRawPointer, count: Int, dtype: DType) -> [Float] {
        // Stored bytes have no alignment guarantee once the header is not padded, hence loadUnaligned.
        [Float](unsafeUninitializedCapacity: count) { out, initialized in
            switch dtype {
            case .f32:
                for i in 0..<count {
                    out[i] = Float(bitPattern: UInt32(littleEndian: (p + 4 * i).loadUnaligned(as: UInt32.self)))
                }
            case .f16:
                for i in 0..<count {
                    out[i] = floatFromHalf(UInt16(littleEndian: (p + 2 * i).loadUnaligned(as: UInt16.self)))
                }
            case .bf16:
                for i in 0..<count {
                    // bfloat16 is the top half of a float32.
                    out[i] = Float(bitPattern: UInt32(UInt16(littleEndian: (p + 2 * i).loadUnaligned(as: UInt16.self))) << 16)
                }
            }
            initialized = count
        }
    }

    /// IEEE 754 binary16 → float32, written out so it works where `Float16` is unavailable.
    static func floatFromHalf(_ h: UInt16) -> Float {
        let sign: UInt32 = UInt32(h & 0x8000) << 16
        let exponent = UInt32(h >> 10) & 0x1F
        let mantissa = UInt32(h & 0x3FF)
        if exponent == 0 {
            // Zero or subnormal: mantissa · 2^-24, exact in float32.
            let magnitude = Float(mantissa) * (1.0 / 16_777_216.0)
            return Float(bitPattern: sign | magnitude.bitPattern)
        }
        if exponent == 31 { return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13) }
        return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
    }

    static func isValidUTF8(_ bytes: [UInt8]) -> Bool {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

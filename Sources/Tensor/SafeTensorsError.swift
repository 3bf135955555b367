/// Why a safetensors file could not be read or written; every message names the file and,
/// where one is at fault, the tensor.
public enum SafeTensorsError: Error, CustomStringConvertible, Equatable {
    case fileNotFound(file: String)
    case unreadable(file: String, reason: String)
    case writeFailed(file: String, reason: String)
    case tooShort(file: String, size: Int)
    case headerTooLarge(file: String, headerLength: UInt64)
    case headerBeyondFile(file: String, headerLength: UInt64, fileSize: Int)
    case headerNotUTF8(file: String)
    case headerNotJSON(file: String, reason: String)
    case headerNotObject(file: String)
    case duplicateName(file: String, name: String)
    case duplicateField(file: String, tensor: String, field: String)
    case entryNotObject(file: String, tensor: String)
    case missingField(file: String, tensor: String, field: String)
    case wrongFieldType(file: String, tensor: String, field: String, expected: String)
    case unsupportedDtype(file: String, tensor: String, dtype: String)
    case invalidShape(file: String, tensor: String, reason: String)
    case invalidOffsets(file: String, tensor: String, reason: String)
    case offsetsOutOfRange(file: String, tensor: String, start: Int, end: Int, dataSize: Int)
    case overlappingTensors(file: String, tensor: String, previous: String)
    case holeBeforeTensor(file: String, tensor: String, holeStart: Int, holeEnd: Int)
    case dataNotCovered(file: String, covered: Int, dataSize: Int)
    case sizeOverflow(file: String, tensor: String)
    case byteLengthMismatch(file: String, tensor: String, expected: Int, actual: Int)
    case metadataNotObject(file: String)
    case metadataNotString(file: String, key: String)
    case reservedName(file: String, name: String)
    case shapeMismatch(file: String, tensor: String, shape: [Int], count: Int)

    public var description: String {
        switch self {
        case let .fileNotFound(file):
            return "\(file): no such file"
        case let .unreadable(file, reason):
            return "\(file): cannot read: \(reason)"
        case let .writeFailed(file, reason):
            return "\(file): cannot write: \(reason)"
        case let .tooShort(file, size):
            return "\(file): \(size) bytes is too short for a safetensors file (the header size alone is 8 bytes)"
        case let .headerTooLarge(file, length):
            return "\(file): header claims \(length) bytes, more than the 100 MB limit (corrupt or not a safetensors file)"
        case let .headerBeyondFile(file, length, size):
            return "\(file): header claims \(length) bytes but the file has only \(size) bytes (truncated or not a safetensors file)"
        case let .headerNotUTF8(file):
            return "\(file): header is not valid UTF-8"
        case let .headerNotJSON(file, reason):
            return "\(file): header is not valid JSON: \(reason)"
        case let .headerNotObject(file):
            return "\(file): header JSON is not an object of tensor entries"
        case let .duplicateName(file, name):
            return "\(file): tensor \"\(name)\" appears more than once in the header"
        case let .duplicateField(file, tensor, field):
            return "\(file): entry \"\(tensor)\" has the key \"\(field)\" more than once"
        case let .entryNotObject(file, tensor):
            return "\(file): entry \"\(tensor)\" is not an object with dtype, shape and data_offsets"
        case let .missingField(file, tensor, field):
            return "\(file): tensor \"\(tensor)\" has no \"\(field)\""
        case let .wrongFieldType(file, tensor, field, expected):
            return "\(file): tensor \"\(tensor)\": \"\(field)\" must be \(expected)"
        case let .unsupportedDtype(file, tensor, dtype):
            return "\(file): tensor \"\(tensor)\" has dtype \"\(dtype)\"; only F32, F16 and BF16 can be read"
        case let .invalidShape(file, tensor, reason):
            return "\(file): tensor \"\(tensor)\" has an invalid shape: \(reason)"
        case let .invalidOffsets(file, tensor, reason):
            return "\(file): tensor \"\(tensor)\" has invalid data_offsets: \(reason)"
        case let .offsetsOutOfRange(file, tensor, start, end, dataSize):
            return "\(file): tensor \"\(tensor)\" spans bytes [\(start), \(end)) but the data section has \(dataSize) bytes"
        case let .overlappingTensors(file, tensor, previous):
            return "\(file): tensor \"\(tensor)\" overlaps the data of tensor \"\(previous)\""
        case let .holeBeforeTensor(file, tensor, holeStart, holeEnd):
            return "\(file): bytes [\(holeStart), \(holeEnd)) before tensor \"\(tensor)\" belong to no tensor"
        case let .dataNotCovered(file, covered, dataSize):
            return "\(file): tensors cover \(covered) bytes but the data section has \(dataSize) bytes"
        case let .sizeOverflow(file, tensor):
            return "\(file): tensor \"\(tensor)\" has a shape whose byte size overflows"
        case let .byteLengthMismatch(file, tensor, expected, actual):
            return "\(file): tensor \"\(tensor)\" needs \(expected) bytes for its shape and dtype but its data_offsets span \(actual)"
        case let .metadataNotObject(file):
            return "\(file): \"__metadata__\" is not an object of strings"
        case let .metadataNotString(file, key):
            return "\(file): \"__metadata__\" value for \"\(key)\" is not a string"
        case let .reservedName(file, name):
            return "\(file): \"\(name)\" is reserved and cannot name a tensor"
        case let .shapeMismatch(file, tensor, shape, count):
            return "\(file): tensor \"\(tensor)\" has shape \(shape) but holds \(count) values"
        }
    }
}

import Foundation

/// Parses one metrics.jsonl line into a dictionary of plain Swift values (Int, Double, Bool,
/// String, NSNull, arrays, dictionaries).
///
/// Why not JSONSerialization: on Linux its number parser is not correctly rounded (it reads
/// "2.1401385068893433" two units in the last place off), which moves a few float32 event values
/// by one step away from what any other reader of metrics.jsonl gets. JSONDecoder's parser is
/// correctly rounded, so events equal Python's float32 of the same text.
public enum JSONRecord {
    public static func parse(_ line: Data) -> [String: Any]? {
        guard case .object(let o)? = try? JSONDecoder().decode(Value.self, from: line) else { return nil }
        return o.mapValues(\.plain)
    }

    enum Value: Decodable {
        case null, bool(Bool), int(Int), double(Double), string(String), array([Value]), object([String: Value])

        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { self = .null }
            else if let b = try? c.decode(Bool.self) { self = .bool(b) }
            else if let i = try? c.decode(Int.self) { self = .int(i) }
            else if let d = try? c.decode(Double.self) { self = .double(d) }
            else if let s = try? c.decode(String.self) { self = .string(s) }
            else if let a = try? c.decode([Value].self) { self = .array(a) }
            else { self = .object(try c.decode([String: Value].self)) }
        }

        var plain: Any {
            switch self {
            case .null: return NSNull()
            case .bool(let b): return b
            case .int(let i): return i
            case .double(let d): return d
            case .string(let s): return s
            case .array(let a): return a.map(\.plain)
            case .object(let o): return o.mapValues(\.plain)
            }
        }
    }
}

import Foundation

/// JSON decoding that refuses keys the target type does not declare, so that a typo in a config
/// file is an error rather than a silently ignored setting, and keys given twice, which
/// JSONSerialization and JSONDecoder resolve silently (one of the two values wins).
public enum StrictJSON {
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data, allowedKeys: Set<String>) throws -> T {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw StrictJSONError.notJSON
        }
        guard let dict = object as? [String: Any] else { throw StrictJSONError.notObject }
        if let twice = duplicateKey(in: data) { throw StrictJSONError.duplicateKey(twice) }
        if let bad = dict.keys.sorted().first(where: { !allowedKeys.contains($0) }) {
            throw StrictJSONError.unknownKey(bad, allowedKeys.sorted())
        }
        do { return try JSONDecoder().decode(T.self, from: data) } catch let DecodingError.typeMismatch(_, ctx) {
            throw StrictJSONError.wrongType(ctx.codingPath.map(\.stringValue).joined(separator: "."))
        } catch let DecodingError.valueNotFound(_, ctx) {
            throw StrictJSONError.wrongType(ctx.codingPath.map(\.stringValue).joined(separator: "."))
        } catch let DecodingError.dataCorrupted(ctx) {
            throw StrictJSONError.wrongType(ctx.codingPath.map(\.stringValue).joined(separator: "."))
        }
    }
}

extension StrictJSON {
    /// The dotted path of the first key that appears twice in one object of `data`, or nil.
    /// `data` must already be valid JSON (it is scanned, not validated); keys are compared as
    /// written, escapes included, which is exact for the plain ASCII keys of flowrl's files.
    public static func duplicateKey(in data: Data) -> String? {
        let bytes = [UInt8](data)
        var i = 0
        return duplicate(in: bytes, at: &i, path: "")
    }

    static func skipSpace(_ b: [UInt8], _ i: inout Int) {
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
    }

    /// Reads a string starting at its opening quote; returns its raw text.
    static func string(_ b: [UInt8], _ i: inout Int) -> String {
        let start = i + 1
        i += 1
        while i < b.count, b[i] != 0x22 { i += b[i] == 0x5C ? 2 : 1 }
        defer { i += 1 }
        return String(decoding: b[start..<min(i, b.count)], as: UTF8.self)
    }

    /// Walks one value; returns the first duplicate key found inside it.
    static func duplicate(in b: [UInt8], at i: inout Int, path: String) -> String? {
        skipSpace(b, &i)
        guard i < b.count else { return nil }
        switch b[i] {
        case 0x7B:   // {
            i += 1
            var seen = Set<String>()
            while true {
                skipSpace(b, &i)
                guard i < b.count, b[i] == 0x22 else { i += 1; return nil }   // "}" of an empty object
                let key = string(b, &i)
                let keyPath = path.isEmpty ? key : path + "." + key
                if !seen.insert(key).inserted { return keyPath }
                skipSpace(b, &i)
                i += 1   // ":"
                if let d = duplicate(in: b, at: &i, path: keyPath) { return d }
                skipSpace(b, &i)
                guard i < b.count, b[i] == 0x2C else { i += 1; return nil }   // "}"
                i += 1
            }
        case 0x5B:   // [
            i += 1
            var index = 0
            while true {
                skipSpace(b, &i)
                if i < b.count, b[i] == 0x5D { i += 1; return nil }
                if let d = duplicate(in: b, at: &i, path: "\(path)[\(index)]") { return d }
                skipSpace(b, &i)
                guard i < b.count, b[i] == 0x2C else { i += 1; return nil }
                i += 1
                index += 1
            }
        case 0x22:
            _ = string(b, &i)
            return nil
        default:     // number, true, false, null
            while i < b.count, ![0x2C, 0x5D, 0x7D, 0x20, 0x0A, 0x0D, 0x09].contains(b[i]) { i += 1 }
            return nil
        }
    }
}

public enum StrictJSONError: Error, CustomStringConvertible, Equatable {
    case notJSON
    case notObject
    case unknownKey(String, [String])
    case wrongType(String)
    case duplicateKey(String)

    public var description: String {
        switch self {
        case .notJSON: return "not valid JSON"
        case .notObject: return "expected a JSON object"
        case let .unknownKey(k, known): return "unknown key '\(k)' (known: \(known.joined(separator: ", ")))"
        case .wrongType(let k): return "key '\(k)' has the wrong type"
        case .duplicateKey(let k): return "key '\(k)' appears twice"
        }
    }
}

extension CodingKey where Self: CaseIterable {
    /// Every key name of a CodingKeys enum, for `StrictJSON.decode`'s allowed set.
    public static var allKeys: Set<String> { Set(allCases.map(\.stringValue)) }
}

import Foundation

/// JSON decoding that refuses keys the target type does not declare, so that a typo in a config
/// file is an error rather than a silently ignored setting.
public enum StrictJSON {
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data, allowedKeys: Set<String>) throws -> T {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw StrictJSONError.notJSON
        }
        guard let dict = object as? [String: Any] else { throw StrictJSONError.notObject }
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

public enum StrictJSONError: Error, CustomStringConvertible, Equatable {
    case notJSON
    case notObject
    case unknownKey(String, [String])
    case wrongType(String)

    public var description: String {
        switch self {
        case .notJSON: return "not valid JSON"
        case .notObject: return "expected a JSON object"
        case let .unknownKey(k, known): return "unknown key '\(k)' (known: \(known.joined(separator: ", ")))"
        case .wrongType(let k): return "key '\(k)' has the wrong type"
        }
    }
}

extension CodingKey where Self: CaseIterable {
    /// Every key name of a CodingKeys enum, for `StrictJSON.decode`'s allowed set.
    public static var allKeys: Set<String> { Set(allCases.map(\.stringValue)) }
}

/// The JSON of a safetensors header, parsed by hand rather than with JSONSerialization because
/// objects must keep their keys in order and keep duplicates (JSONSerialization silently drops
/// one of two tensors with the same name), and numbers must stay exact text so that shapes and
/// offsets are checked for overflow instead of passing through Double.
indirect enum SafeTensorsJSON {
    case object([(key: String, value: SafeTensorsJSON)])
    case array([SafeTensorsJSON])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    /// A JSON number read as an exact integer, or why it is not one.
    enum Integer: Equatable {
        case value(Int)
        case notInteger
        case tooLarge
    }

    var typeName: String {
        switch self {
        case .object: return "an object"
        case .array: return "an array"
        case .string: return "a string"
        case .number: return "a number"
        case .bool: return "a boolean"
        case .null: return "null"
        }
    }

    /// Parses `bytes` (already known to be valid UTF-8) as exactly one JSON value surrounded by
    /// optional whitespace. Throws `SafeTensorsJSON.ParseError` naming the byte offset.
    static func parse(_ bytes: [UInt8]) throws -> SafeTensorsJSON {
        var parser = Parser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        if parser.position < bytes.count {
            throw parser.error("unexpected text after the top-level value")
        }
        return value
    }

    /// The integer a number's text denotes; fractions and exponents are not integers even when
    /// their value is whole, as in the reference implementation.
    static func integer(_ text: String) -> Integer {
        var digits = Substring(text)
        let negative = digits.first == "-"
        if negative { digits = digits.dropFirst() }
        guard !digits.isEmpty else { return .notInteger }
        var magnitude = 0
        for c in digits.utf8 {
            guard c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") else { return .notInteger }
            let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int(c - UInt8(ascii: "0")))
            if o1 || o2 { return .tooLarge }
            magnitude = s
        }
        return .value(negative ? -magnitude : magnitude)
    }

    struct ParseError: Error {
        var message: String
    }

    /// Nesting beyond this is refused so that a hostile header cannot exhaust the stack.
    static let maxDepth = 64

    private struct Parser {
        let bytes: [UInt8]
        var position = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        func error(_ message: String) -> ParseError {
            ParseError(message: "\(message) at byte \(position) of the header")
        }

        var current: UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func skipWhitespace() {
            while let c = current, c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { position += 1 }
        }

        mutating func expect(_ c: UInt8) throws {
            guard current == c else {
                throw error("expected '\(Character(Unicode.Scalar(c)))'")
            }
            position += 1
        }

        mutating func value(depth: Int) throws -> SafeTensorsJSON {
            guard depth < SafeTensorsJSON.maxDepth else {
                throw error("nesting deeper than \(SafeTensorsJSON.maxDepth) levels")
            }
            guard let c = current else { throw error("unexpected end of header") }
            switch c {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
            default: throw error("unexpected character")
            }
        }

        mutating func literal(_ word: String) throws {
            for b in word.utf8 {
                guard current == b else { throw error("invalid literal (expected \(word))") }
                position += 1
            }
        }

        mutating func object(depth: Int) throws -> SafeTensorsJSON {
            try expect(UInt8(ascii: "{"))
            var members: [(key: String, value: SafeTensorsJSON)] = []
            skipWhitespace()
            if current == UInt8(ascii: "}") { position += 1; return .object(members) }
            while true {
                skipWhitespace()
                guard current == UInt8(ascii: "\"") else { throw error("expected a string key") }
                let key = try string()
                skipWhitespace()
                try expect(UInt8(ascii: ":"))
                skipWhitespace()
                members.append((key, try value(depth: depth + 1)))
                skipWhitespace()
                if current == UInt8(ascii: ",") { position += 1; continue }
                try expect(UInt8(ascii: "}"))
                return .object(members)
            }
        }

        mutating func array(depth: Int) throws -> SafeTensorsJSON {
            try expect(UInt8(ascii: "["))
            var elements: [SafeTensorsJSON] = []
            skipWhitespace()
            if current == UInt8(ascii: "]") { position += 1; return .array(elements) }
            while true {
                skipWhitespace()
                elements.append(try value(depth: depth + 1))
                skipWhitespace()
                if current == UInt8(ascii: ",") { position += 1; continue }
                try expect(UInt8(ascii: "]"))
                return .array(elements)
            }
        }

        mutating func number() throws -> String {
            let start = position
            if current == UInt8(ascii: "-") { position += 1 }
            guard let first = current, isDigit(first) else { throw error("invalid number") }
            position += 1
            // RFC 8259: no leading zeros, so "01" is two tokens and rejected by the caller.
            if first != UInt8(ascii: "0") { skipDigits() }
            if current == UInt8(ascii: ".") {
                position += 1
                guard let c = current, isDigit(c) else { throw error("invalid number") }
                skipDigits()
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                position += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
                guard let c = current, isDigit(c) else { throw error("invalid number") }
                skipDigits()
            }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }

        func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

        mutating func skipDigits() {
            while let c = current, isDigit(c) { position += 1 }
        }

        mutating func string() throws -> String {
            try expect(UInt8(ascii: "\""))
            var out: [UInt8] = []
            while true {
                guard let c = current else { throw error("unterminated string") }
                position += 1
                switch c {
                case UInt8(ascii: "\""):
                    return String(decoding: out, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    try escape(into: &out)
                case 0..<0x20:
                    throw error("control character in string")
                default:
                    out.append(c)
                }
            }
        }

        mutating func escape(into out: inout [UInt8]) throws {
            guard let c = current else { throw error("unterminated escape") }
            position += 1
            switch c {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(c)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var code = UInt32(try hex4())
                if (0xD800..<0xDC00).contains(code) {
                    // A high surrogate must be followed by an escaped low one (UTF-16 pair).
                    guard current == UInt8(ascii: "\\") else { throw error("unpaired surrogate") }
                    position += 1
                    guard current == UInt8(ascii: "u") else { throw error("unpaired surrogate") }
                    position += 1
                    let low = UInt32(try hex4())
                    guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired surrogate") }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(code) {
                    throw error("unpaired surrogate")
                }
                guard let scalar = Unicode.Scalar(code) else { throw error("invalid \\u escape") }
                UTF8.encode(scalar) { out.append($0) }
            default:
                throw error("invalid escape")
            }
        }

        mutating func hex4() throws -> UInt16 {
            var v: UInt16 = 0
            for _ in 0..<4 {
                guard let c = current else { throw error("truncated \\u escape") }
                let d: UInt8
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - UInt8(ascii: "A") + 10
                default: throw error("invalid \\u escape")
                }
                v = v << 4 | UInt16(d)
                position += 1
            }
            return v
        }
    }
}

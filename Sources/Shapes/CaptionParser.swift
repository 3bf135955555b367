/// Turns caption text back into a `Caption` (the constraints a judge checks).
///
/// The grammar, over lower-case words separated by white space (input is lower-cased first):
///
///     caption  := NUMBER COLOR NOUN                   counting ("three green circles";
///                                                     NOUN singular exactly when NUMBER is "one")
///               | "a" object [tail]
///     object   := [COLOR] SHAPE
///     tail     := "and" "a" object                    two_objects / color_attr
///               | relation "a" object                 position
///     relation := "to" "the" ("left" | "right") "of" | "above" | "below"
///
/// A lone object is `single` without a colour and `colors` with one; "and" joins two
/// uncoloured objects (two_objects) or two coloured ones (color_attr); position objects are
/// always coloured.
public enum CaptionParser {
    static let numbers = ["one": 1, "two": 2, "three": 3, "four": 4]

    public static func parse(_ text: String) throws -> Caption {
        let words = text.lowercased().split(whereSeparator: { $0.isWhitespace }).map(String.init)
        guard !words.isEmpty else { throw CaptionError.empty }
        let caption = words.joined(separator: " ")
        for (i, w) in words.enumerated() where Vocabulary.index(of: w) == nil {
            throw CaptionError.unknownWord(w, position: i + 1, caption: caption)
        }
        var cursor = Cursor(words: words, caption: caption)
        let content = try parseCaption(&cursor)
        if let w = cursor.peek {
            throw CaptionError.unexpectedWord(w, position: cursor.index + 1, expected: "the end of the caption",
                                              caption: caption)
        }
        do {
            return try Caption(content)
        } catch CaptionError.invalid(_, let reason) {
            throw CaptionError.invalid(caption: caption, reason: reason)
        }
    }

    struct Cursor {
        let words: [String]
        let caption: String
        var index = 0

        var peek: String? { index < words.count ? words[index] : nil }

        /// Consumes the next word, which must satisfy `accept`; `expected` describes it.
        mutating func take<T>(_ expected: String, _ accept: (String) -> T?) throws -> T {
            guard let w = peek else { throw CaptionError.unexpectedEnd(expected: expected, caption: caption) }
            guard let v = accept(w) else {
                throw CaptionError.unexpectedWord(w, position: index + 1, expected: expected, caption: caption)
            }
            index += 1
            return v
        }

        mutating func expect(_ word: String) throws {
            _ = try take("\"\(word)\"") { $0 == word ? () : nil }
        }

        func fail(_ expected: String) -> CaptionError {
            guard let w = peek else { return .unexpectedEnd(expected: expected, caption: caption) }
            return .unexpectedWord(w, position: index + 1, expected: expected, caption: caption)
        }
    }

    static func parseCaption(_ c: inout Cursor) throws -> CaptionContent {
        if let w = c.peek, let n = numbers[w] {
            c.index += 1
            let color = try c.take("a colour", { ObjectColor(rawValue: $0) })
            let noun = n == 1 ? "a singular shape (circle, square, triangle)" : "a plural shape (circles, squares, triangles)"
            let shape = try c.take(noun) { w in Shape.allCases.first { (n == 1 ? $0.rawValue : $0.plural) == w } }
            return .counting(n, ColoredShape(color, shape))
        }
        try c.take("\"a\" or a number (one, two, three, four)") { $0 == "a" ? () : nil }
        let first = try parseObject(&c)
        guard let w = c.peek else {
            if let color = first.color { return .colors(ColoredShape(color, first.shape)) }
            return .single(first.shape)
        }
        if w == "and" {
            c.index += 1
            try c.expect("a")
            if let color = first.color {
                let second = try parseColored(&c)
                return .colorAttr(ColoredShape(color, first.shape), second)
            }
            let shape = try c.take("a shape without colour, as the first object has none") { Shape(rawValue: $0) }
            return .twoObjects(first.shape, shape)
        }
        let relation = try parseRelation(&c)
        guard let color = first.color else {
            // Position captions name colours; point at the word after "a".
            throw CaptionError.unexpectedWord(c.words[1], position: 2, expected: "a colour (position captions colour both objects)",
                                              caption: c.caption)
        }
        try c.expect("a")
        let second = try parseColored(&c)
        return .position(ColoredShape(color, first.shape), relation, second)
    }

    static func parseObject(_ c: inout Cursor) throws -> (color: ObjectColor?, shape: Shape) {
        if let w = c.peek, let color = ObjectColor(rawValue: w) {
            c.index += 1
            return (color, try c.take("a shape (circle, square, triangle)") { Shape(rawValue: $0) })
        }
        return (nil, try c.take("a colour or a shape") { Shape(rawValue: $0) })
    }

    static func parseColored(_ c: inout Cursor) throws -> ColoredShape {
        let color = try c.take("a colour (both objects are coloured)") { ObjectColor(rawValue: $0) }
        return ColoredShape(color, try c.take("a shape (circle, square, triangle)") { Shape(rawValue: $0) })
    }

    static func parseRelation(_ c: inout Cursor) throws -> Relation {
        let expected = "\"and\", \"to the left of\", \"to the right of\", \"above\" or \"below\""
        let w = try c.take(expected) { ["to", "above", "below"].contains($0) ? $0 : nil }
        switch w {
        case "above": return .above
        case "below": return .below
        default:
            try c.expect("the")
            let side = try c.take("\"left\" or \"right\"") { $0 == "left" ? Relation.leftOf : $0 == "right" ? .rightOf : nil }
            try c.expect("of")
            return side
        }
    }
}

/// The caption categories, named as in GenEval.
public enum CaptionCategory: String, CaseIterable, Hashable, Sendable, Codable {
    /// "a circle": one object of a shape, any colour (GenEval single_object).
    case single
    /// "a circle and a square": two different shapes, any colours (GenEval two_object).
    case twoObjects = "two_objects"
    /// "three green circles": exactly n objects of one colour and shape, n in 1…4.
    case counting
    /// "a red circle": one object of a named colour and shape (GenEval colors).
    case colors
    /// "a red circle to the left of a blue square": two coloured objects and a relation.
    case position
    /// "a red circle and a blue square": two shapes each bound to its own colour.
    case colorAttr = "color_attr"
}

/// A spatial relation between the first and the second object of a position caption.
public enum Relation: String, CaseIterable, Hashable, Sendable, Codable {
    case leftOf = "left_of", rightOf = "right_of", above, below

    /// The words of the relation phrase.
    public var words: [String] {
        switch self {
        case .leftOf: return ["to", "the", "left", "of"]
        case .rightOf: return ["to", "the", "right", "of"]
        case .above: return ["above"]
        case .below: return ["below"]
        }
    }

    /// The relation with its arguments swapped: A left of B ⇔ B right of A.
    public var converse: Relation {
        switch self {
        case .leftOf: return .rightOf
        case .rightOf: return .leftOf
        case .above: return .below
        case .below: return .above
        }
    }
}

/// A shape with its colour, as a caption names it ("red circle").
public struct ColoredShape: Hashable, Sendable, Codable {
    public var color: ObjectColor
    public var shape: Shape

    public init(_ color: ObjectColor, _ shape: Shape) {
        self.color = color
        self.shape = shape
    }
}

/// What a caption says, by category.
///
/// Colours are absent from `single` and `twoObjects` as in GenEval, which is what keeps them
/// apart from `colors` and `colorAttr`; counting and position name colours (as the project's
/// issue specifies) because with three shapes their colourless forms would be only 12 and 36
/// captions, too few for disjoint train and test sets.
public enum CaptionContent: Hashable, Sendable {
    case single(Shape)
    case twoObjects(Shape, Shape)
    case counting(Int, ColoredShape)
    case colors(ColoredShape)
    case position(ColoredShape, Relation, ColoredShape)
    case colorAttr(ColoredShape, ColoredShape)
}

/// A requirement on the detected objects: at least (or exactly) `count` objects of `shape`,
/// of `color` when one is named.
public struct ObjectRequirement: Hashable, Sendable {
    public var shape: Shape
    public var color: ObjectColor?
    public var count: Int
    /// True when more than `count` matching objects also fail (counting captions).
    public var exact: Bool

    public init(shape: Shape, color: ObjectColor?, count: Int, exact: Bool) {
        self.shape = shape
        self.color = color
        self.count = count
        self.exact = exact
    }
}

/// A caption of the shapes world in parsed form; `text` prints it back in canonical form.
public struct Caption: Hashable, Sendable, CustomStringConvertible {
    public let content: CaptionContent

    /// A caption with the given content, checked against the rules the grammar alone cannot
    /// state (counts 1…4, distinct shapes in two-object captions, distinct objects in position
    /// and colour-attribution captions).
    public init(_ content: CaptionContent) throws {
        let c = Caption(unchecked: content)
        if let reason = c.invalidReason { throw CaptionError.invalid(caption: c.text, reason: reason) }
        self = c
    }

    init(unchecked content: CaptionContent) { self.content = content }

    /// Parses a caption of the grammar (see `CaptionParser`).
    public static func parse(_ text: String) throws -> Caption { try CaptionParser.parse(text) }

    public var category: CaptionCategory {
        switch content {
        case .single: return .single
        case .twoObjects: return .twoObjects
        case .counting: return .counting
        case .colors: return .colors
        case .position: return .position
        case .colorAttr: return .colorAttr
        }
    }

    /// The caption's words in canonical form.
    public var words: [String] {
        func a(_ s: Shape) -> [String] { ["a", s.rawValue] }
        func a(_ o: ColoredShape) -> [String] { ["a", o.color.rawValue, o.shape.rawValue] }
        switch content {
        case let .single(s): return a(s)
        case let .twoObjects(s, t): return a(s) + ["and"] + a(t)
        case let .counting(n, o):
            let number = ["one", "two", "three", "four"][min(max(n, 1), 4) - 1]
            return [number, o.color.rawValue, n == 1 ? o.shape.rawValue : o.shape.plural]
        case let .colors(o): return a(o)
        case let .position(x, r, y): return a(x) + r.words + a(y)
        case let .colorAttr(x, y): return a(x) + ["and"] + a(y)
        }
    }

    /// The caption as text: words separated by single spaces.
    public var text: String { words.joined(separator: " ") }

    public var description: String { text }

    /// The objects the caption asks for, in caption order.
    public var requirements: [ObjectRequirement] {
        switch content {
        case let .single(s):
            return [ObjectRequirement(shape: s, color: nil, count: 1, exact: false)]
        case let .twoObjects(s, t):
            return [ObjectRequirement(shape: s, color: nil, count: 1, exact: false),
                    ObjectRequirement(shape: t, color: nil, count: 1, exact: false)]
        case let .counting(n, o):
            return [ObjectRequirement(shape: o.shape, color: o.color, count: n, exact: true)]
        case let .colors(o):
            return [ObjectRequirement(shape: o.shape, color: o.color, count: 1, exact: false)]
        case let .position(x, _, y), let .colorAttr(x, y):
            return [ObjectRequirement(shape: x.shape, color: x.color, count: 1, exact: false),
                    ObjectRequirement(shape: y.shape, color: y.color, count: 1, exact: false)]
        }
    }

    /// The relation the first required object must have to the second, if any.
    public var relation: Relation? {
        if case let .position(_, r, _) = content { return r }
        return nil
    }

    var invalidReason: String? {
        switch content {
        case .single, .colors:
            return nil
        case let .twoObjects(s, t):
            return s == t ? "a two-object caption needs two different shapes (use counting for \"two \(s.plural)\")" : nil
        case let .counting(n, _):
            return (1...4).contains(n) ? nil : "counts go from one to four, not \(n)"
        case let .position(x, _, y):
            return x == y ? "a position caption needs two different objects" : nil
        case let .colorAttr(x, y):
            if x.shape == y.shape { return "a colour-attribution caption needs two different shapes" }
            if x.color == y.color { return "a colour-attribution caption needs two different colours" }
            return nil
        }
    }
}

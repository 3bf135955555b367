import Tensor

/// Draws captions of the grammar and lists every caption of a category.
///
/// `sample(category:rng:)` is uniform over `all(category)` (each part is drawn uniformly among
/// the choices that keep the caption valid), so pretraining sees every caption of a category
/// equally often.
public enum CaptionSampler {
    /// A uniformly random caption of `category`.
    public static func sample(category: CaptionCategory, rng: inout RNG) -> Caption {
        func shape() -> Shape { Shape.allCases[rng.int(below: Shape.allCases.count)] }
        func color() -> ObjectColor { ObjectColor.allCases[rng.int(below: ObjectColor.allCases.count)] }
        func shape(other s: Shape) -> Shape { Shape.allCases.filter { $0 != s }[rng.int(below: Shape.allCases.count - 1)] }
        func color(other c: ObjectColor) -> ObjectColor {
            ObjectColor.allCases.filter { $0 != c }[rng.int(below: ObjectColor.allCases.count - 1)]
        }
        let content: CaptionContent
        switch category {
        case .single:
            content = .single(shape())
        case .twoObjects:
            let s = shape()
            content = .twoObjects(s, shape(other: s))
        case .counting:
            let n = 1 + rng.int(below: 4)
            content = .counting(n, ColoredShape(color(), shape()))
        case .colors:
            content = .colors(ColoredShape(color(), shape()))
        case .position:
            let r = Relation.allCases[rng.int(below: Relation.allCases.count)]
            let a = ColoredShape(color(), shape())
            // The second object is uniform among the 17 that differ from the first.
            let k = rng.int(below: ObjectColor.allCases.count * Shape.allCases.count - 1)
            var others = allColoredShapes.filter { $0 != a }
            content = .position(a, r, others.remove(at: k))
        case .colorAttr:
            let a = ColoredShape(color(), shape())
            content = .colorAttr(a, ColoredShape(color(other: a.color), shape(other: a.shape)))
        }
        return Caption(unchecked: content)
    }

    /// A caption of a uniformly random category.
    public static func sample(rng: inout RNG) -> Caption {
        sample(category: CaptionCategory.allCases[rng.int(below: CaptionCategory.allCases.count)], rng: &rng)
    }

    /// Every caption of `category`, in a fixed order.
    public static func all(_ category: CaptionCategory) -> [Caption] {
        let shapes = Shape.allCases
        let objects = allColoredShapes
        var out: [CaptionContent] = []
        switch category {
        case .single:
            out = shapes.map { .single($0) }
        case .twoObjects:
            for s in shapes { for t in shapes where t != s { out.append(.twoObjects(s, t)) } }
        case .counting:
            for n in 1...4 { for o in objects { out.append(.counting(n, o)) } }
        case .colors:
            out = objects.map { .colors($0) }
        case .position:
            for r in Relation.allCases { for a in objects { for b in objects where b != a { out.append(.position(a, r, b)) } } }
        case .colorAttr:
            for a in objects {
                for b in objects where b.shape != a.shape && b.color != a.color { out.append(.colorAttr(a, b)) }
            }
        }
        return out.map { Caption(unchecked: $0) }
    }

    /// The 18 colour–shape pairs, colours outer.
    static let allColoredShapes: [ColoredShape] =
        ObjectColor.allCases.flatMap { c in Shape.allCases.map { ColoredShape(c, $0) } }
}

import Tensor

/// Draws random scenes that satisfy a caption: the pretraining data of the shapes world.
///
/// Rules every sampled scene keeps (and the tests check):
/// - each object's bounding box lies `margin` px inside the canvas, so the image border is
///   background and the detector can estimate the background from it;
/// - any two objects are at least `minGap` px apart (exact distance between the shapes):
///   with 1 px gaps a generative model fuses neighbours and counting becomes unlearnable;
/// - in position scenes the centroids differ by at least `minRelationSeparation` px along the
///   relation's axis, twice the judge's margin, so a correct render never sits on the fence;
/// - sizes (half-extent) lie in `minSize`…`maxSize(objects:)`: 4 px keeps the smallest
///   triangle at 32 px², recognisable at 32×32; the upper bound shrinks with the number of
///   objects so that four objects and their gaps still fit.
/// Scenes hold exactly the objects the caption names: extra objects would teach the model that
/// captions under-describe images. Unnamed colours (single, two_objects) are uniform.
public enum SceneSampler {
    public static let margin: Float = 2
    public static let minGap: Float = 3
    public static let minRelationSeparation: Float = 6
    public static let minSize: Float = 4

    /// The largest half-extent used for a scene of `objects` objects.
    public static func maxSize(objects: Int) -> Float {
        switch objects {
        case ...2: return 7
        case 3: return 6
        default: return 5.5
        }
    }

    /// A random scene in which `caption` is true.
    public static func sample(for caption: Caption, rng: inout RNG) -> Scene {
        func anyColor() -> ObjectColor { ObjectColor.allCases[rng.int(below: ObjectColor.allCases.count)] }
        var objects: [(Shape, ObjectColor)]
        switch caption.content {
        case let .single(s):
            objects = [(s, anyColor())]
        case let .twoObjects(s, t):
            objects = [(s, anyColor()), (t, anyColor())]
        case let .counting(n, o):
            objects = Array(repeating: (o.shape, o.color), count: n)
        case let .colors(o):
            objects = [(o.shape, o.color)]
        case let .position(a, _, b), let .colorAttr(a, b):
            objects = [(a.shape, a.color), (b.shape, b.color)]
        }
        return sample(objects: objects, relation: caption.relation, rng: &rng)
    }

    /// A random scene holding these objects (shape, colour) on a random background; with a
    /// `relation`, the first object stands in it to the second. Up to four objects always fit
    /// (the fallback layout holds four); more are placed if the canvas allows.
    public static func sample(objects specs: [(Shape, ObjectColor)], relation: Relation? = nil,
                              rng: inout RNG) -> Scene {
        let background = Background.allCases[rng.int(below: Background.allCases.count)]
        let w = Float(Scene.width), h = Float(Scene.height)
        // Rejection sampling. An object that does not fit after some tries is made smaller
        // rather than restarting the scene, so crowded scenes stay cheap; the fixed layout below
        // is reached with vanishing probability but keeps the function total.
        let cap = maxSize(objects: specs.count)
        for _ in 0..<50 {
            var placed: [SceneObject] = []
            for (i, (shape, color)) in specs.enumerated() {
                var s = minSize + rng.uniform() * (cap - minSize)
                for attempt in 1...60 {
                    let c = SIMD2(margin + s + rng.uniform() * (w - 2 * (margin + s)),
                                  margin + s + rng.uniform() * (h - 2 * (margin + s)))
                    let o = SceneObject(shape: shape, color: color, center: c, size: s)
                    let fits = placed.allSatisfy { Geometry.separated($0, o, by: minGap) }
                        && (i != 1 || relation.map { holds($0, placed[0].centroid, o.centroid, margin: minRelationSeparation) } ?? true)
                    if fits { placed.append(o); break }
                    if attempt % 15 == 0 { s = max(minSize, s - 0.5) }
                }
                if placed.count != i + 1 { break }
            }
            if placed.count == specs.count { return Scene(background: background, objects: placed) }
        }
        return fixedLayout(specs, relation: relation, background: background)
    }

    /// Whether the centroid `a` stands in relation `r` to `b` by at least `margin` px along
    /// the relation's axis (y grows downwards).
    public static func holds(_ r: Relation, _ a: SIMD2<Float>, _ b: SIMD2<Float>, margin: Float) -> Bool {
        switch r {
        case .leftOf: return b.x - a.x >= margin
        case .rightOf: return a.x - b.x >= margin
        case .above: return b.y - a.y >= margin
        case .below: return a.y - b.y >= margin
        }
    }

    /// Up to four minimum-size objects on a 2×2 grid (cells 13 px apart), ordered so that the
    /// first two stand in `relation`.
    static func fixedLayout(_ specs: [(Shape, ObjectColor)], relation: Relation?, background: Background) -> Scene {
        let cells: [SIMD2<Float>] = [SIMD2(9.5, 9.5), SIMD2(22.5, 9.5), SIMD2(9.5, 22.5), SIMD2(22.5, 22.5)]
        let order: [Int]
        switch relation {
        case .rightOf: order = [1, 0, 2, 3]
        case .above: order = [0, 2, 1, 3]
        case .below: order = [2, 0, 1, 3]
        default: order = [0, 1, 2, 3]
        }
        let objects = specs.prefix(4).enumerated().map { i, spec in
            SceneObject(shape: spec.0, color: spec.1, center: cells[order[i]], size: minSize)
        }
        return Scene(background: background, objects: objects)
    }
}

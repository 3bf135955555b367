/// The three object shapes.
///
/// Squares are axis-aligned and triangles point up (apex at the top, base as wide as the
/// triangle is tall). Pose is not part of the caption language, and fixing it keeps objects of
/// 8–14 px recognisable and lets the detector tell the shapes apart by moments that a blur
/// does not change (see `ShapeClassifier`).
public enum Shape: String, CaseIterable, Hashable, Sendable, Codable {
    case circle, square, triangle

    /// The plural noun used by counting captions ("three circles").
    public var plural: String { rawValue + "s" }
}

/// One object of a scene, in pixel coordinates (x right, y down, pixel (i, j) covers
/// [i, i+1) × [j, j+1)).
///
/// `center` is the centre of the bounding box and `size` the half-extent: the radius of a
/// circle, half the side of a square, half the base and half the height of a triangle. All
/// three shapes share the bounding box `center ± size`.
public struct SceneObject: Hashable, Sendable, Codable {
    public var shape: Shape
    public var color: ObjectColor
    public var center: SIMD2<Float>
    public var size: Float

    public init(shape: Shape, color: ObjectColor, center: SIMD2<Float>, size: Float) {
        self.shape = shape
        self.color = color
        self.center = center
        self.size = size
    }

    /// The centre of mass, which is what the detector measures and what position relations
    /// compare: a third of the half-height below the box centre for a triangle.
    public var centroid: SIMD2<Float> {
        shape == .triangle ? SIMD2(center.x, center.y + size / 3) : center
    }

    /// The object's area in pixels.
    public var area: Float {
        switch shape {
        case .circle: return Float.pi * size * size
        case .square: return 4 * size * size
        case .triangle: return 2 * size * size
        }
    }

    /// An object of the given shape whose centre of mass is `centroid`.
    public init(shape: Shape, color: ObjectColor, centroid: SIMD2<Float>, size: Float) {
        let c = shape == .triangle ? SIMD2(centroid.x, centroid.y - size / 3) : centroid
        self.init(shape: shape, color: color, center: c, size: size)
    }
}

/// A 32×32 scene: a background tone and the objects drawn on it.
public struct Scene: Hashable, Sendable, Codable {
    /// The canvas side in pixels; every image of the shapes world is this size.
    public static let width = 32
    public static let height = 32

    public var background: Background
    public var objects: [SceneObject]

    public init(background: Background, objects: [SceneObject]) {
        self.background = background
        self.objects = objects
    }
}

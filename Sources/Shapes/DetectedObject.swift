/// An inclusive pixel rectangle.
public struct BoundingBox: Hashable, Sendable, Codable {
    public var minX: Int, minY: Int, maxX: Int, maxY: Int

    public init(minX: Int, minY: Int, maxX: Int, maxY: Int) {
        self.minX = minX; self.minY = minY; self.maxX = maxX; self.maxY = maxY
    }

    public var width: Int { maxX - minX + 1 }
    public var height: Int { maxY - minY + 1 }
}

/// An object the detector found in an image.
public struct DetectedObject: Hashable, Sendable {
    public var shape: Shape
    public var color: ObjectColor
    /// Coverage-weighted centre of mass in pixel coordinates (pixel (i, j) spans [i, i+1)).
    public var centroid: SIMD2<Float>
    /// Summed coverage in px²; unlike a pixel count it survives blurring.
    public var area: Float
    /// Pixels more than half covered by the object.
    public var pixelCount: Int
    /// The bounding box of those pixels.
    public var bbox: BoundingBox

    public init(shape: Shape, color: ObjectColor, centroid: SIMD2<Float>, area: Float, pixelCount: Int, bbox: BoundingBox) {
        self.shape = shape
        self.color = color
        self.centroid = centroid
        self.area = area
        self.pixelCount = pixelCount
        self.bbox = bbox
    }

    /// The half-extent an object of this shape and area has (see `SceneObject.size`).
    public var size: Float {
        let a = max(area, 0)
        switch shape {
        case .circle: return (a / Float.pi).squareRoot()
        case .square: return a.squareRoot() / 2
        case .triangle: return (a / 2).squareRoot()
        }
    }

    /// The scene object the detector believes it saw, for re-rendering a clean version.
    public var sceneObject: SceneObject {
        SceneObject(shape: shape, color: color, centroid: centroid, size: size)
    }
}

/// Exact planar geometry of scene objects: inside tests for the renderer's sub-samples, a
/// signed-distance bound that lets the renderer skip supersampling away from edges, and the
/// true distance between two objects that the sampler's gap rule is stated in.
enum Geometry {
    /// Whether the point `p` lies inside the object (boundary included).
    @inline(__always)
    static func contains(_ o: SceneObject, _ p: SIMD2<Float>) -> Bool {
        let d = p - o.center
        switch o.shape {
        case .circle:
            return d.x * d.x + d.y * d.y <= o.size * o.size
        case .square:
            return abs(d.x) <= o.size && abs(d.y) <= o.size
        case .triangle:
            return triangleHalfPlaneDistance(d, o.size) <= 0
        }
    }

    /// A signed distance to the boundary that is exact inside and a lower bound outside (the
    /// largest half-plane distance of a convex polygon): enough to know that a whole pixel is in
    /// or out, which is all the renderer needs it for.
    @inline(__always)
    static func signedDistanceBound(_ o: SceneObject, _ p: SIMD2<Float>) -> Float {
        let d = p - o.center
        switch o.shape {
        case .circle:
            return (d.x * d.x + d.y * d.y).squareRoot() - o.size
        case .square:
            return max(abs(d.x), abs(d.y)) - o.size
        case .triangle:
            return triangleHalfPlaneDistance(d, o.size)
        }
    }

    /// Largest signed distance to the three edge lines of the upright triangle with apex
    /// (0, −s) and base corners (±s, s), for `d` relative to the box centre.
    @inline(__always)
    static func triangleHalfPlaneDistance(_ d: SIMD2<Float>, _ s: Float) -> Float {
        // The slanted edges have outward normals (±2, −1)/√5 and pass through the apex.
        let invSqrt5: Float = 0.447_213_6
        let base = d.y - s
        let right = (2 * d.x - (d.y + s)) * invSqrt5
        let left = (-2 * d.x - (d.y + s)) * invSqrt5
        return max(base, max(right, left))
    }

    /// Whether the gap between `a` and `b` is at least `g`, deciding from the circumscribed
    /// and inscribed circles when they suffice: the sampler's rejection loop calls this for
    /// every candidate position, and most candidates are clearly in or clearly out.
    static func separated(_ a: SceneObject, _ b: SceneObject, by g: Float) -> Bool {
        let d = b.center - a.center
        if (d.x * d.x + d.y * d.y).squareRoot() - circumradius(a) - circumradius(b) >= g { return true }
        let ia = incircle(a), ib = incircle(b), e = ib.center - ia.center
        if (e.x * e.x + e.y * e.y).squareRoot() - ia.radius - ib.radius < g { return false }
        return gap(a, b) >= g
    }

    /// The largest circle inside the object (for the triangle, r = 2s / (1 + √5) touching the base).
    @inline(__always)
    static func incircle(_ o: SceneObject) -> (center: SIMD2<Float>, radius: Float) {
        guard o.shape == .triangle else { return (o.center, o.size) }
        let r = o.size * 0.618_034
        return (SIMD2(o.center.x, o.center.y + o.size - r), r)
    }

    /// Gaps at least this large are reported as a lower bound rather than exactly.
    static let farEnough: Float = 8

    /// Radius of the smallest circle about the box centre that holds the object.
    @inline(__always)
    static func circumradius(_ o: SceneObject) -> Float {
        o.shape == .circle ? o.size : o.size * 1.414_214
    }

    /// The polygon vertices of a square or triangle, in order.
    static func vertices(_ o: SceneObject) -> [SIMD2<Float>] {
        let c = o.center, s = o.size
        switch o.shape {
        case .circle:
            return []
        case .square:
            return [c + SIMD2(-s, -s), c + SIMD2(s, -s), c + SIMD2(s, s), c + SIMD2(-s, s)]
        case .triangle:
            return [c + SIMD2(0, -s), c + SIMD2(s, s), c + SIMD2(-s, s)]
        }
    }

    /// The Euclidean distance between two objects' regions, or a value ≤ 0 if they touch or
    /// overlap. Exact for every pair of shapes (all are convex) up to `farEnough`; beyond it, a
    /// lower bound that is itself at least `farEnough`.
    static func gap(_ a: SceneObject, _ b: SceneObject) -> Float {
        // Far apart (beyond the circumscribed circles plus `farEnough`) the exact value is not
        // needed by any caller, and the sampler calls this in its rejection loop.
        let d = b.center - a.center
        let bound = (d.x * d.x + d.y * d.y).squareRoot() - circumradius(a) - circumradius(b)
        if bound >= farEnough { return bound }
        switch (a.shape == .circle, b.shape == .circle) {
        case (true, true):
            let d = b.center - a.center
            return (d.x * d.x + d.y * d.y).squareRoot() - a.size - b.size
        case (true, false):
            return pointPolygonDistance(a.center, vertices(b)) - a.size
        case (false, true):
            return pointPolygonDistance(b.center, vertices(a)) - b.size
        case (false, false):
            return polygonDistance(vertices(a), vertices(b))
        }
    }

    /// Signed distance from a point to a convex polygon (negative inside).
    static func pointPolygonDistance(_ p: SIMD2<Float>, _ poly: [SIMD2<Float>]) -> Float {
        if polygonContains(poly, p) {
            var inside = -Float.infinity
            for i in poly.indices {
                let a = poly[i], b = poly[(i + 1) % poly.count]
                inside = max(inside, -segmentDistance(p, a, b))
            }
            return inside
        }
        var best = Float.infinity
        for i in poly.indices { best = min(best, segmentDistance(p, poly[i], poly[(i + 1) % poly.count])) }
        return best
    }

    /// Distance between two convex polygons, 0 if they intersect. For disjoint convex
    /// polygons the closest pair always involves a vertex of one of them.
    static func polygonDistance(_ a: [SIMD2<Float>], _ b: [SIMD2<Float>]) -> Float {
        if a.contains(where: { polygonContains(b, $0) }) || b.contains(where: { polygonContains(a, $0) }) {
            return 0
        }
        for i in a.indices {
            for j in b.indices where segmentsIntersect(a[i], a[(i + 1) % a.count], b[j], b[(j + 1) % b.count]) {
                return 0
            }
        }
        var best = Float.infinity
        for p in a { best = min(best, pointPolygonDistance(p, b)) }
        for p in b { best = min(best, pointPolygonDistance(p, a)) }
        return best
    }

    static func polygonContains(_ poly: [SIMD2<Float>], _ p: SIMD2<Float>) -> Bool {
        var sign: Float = 0
        for i in poly.indices {
            let c = cross(poly[(i + 1) % poly.count] - poly[i], p - poly[i])
            if c != 0 {
                if sign != 0 && (c > 0) != (sign > 0) { return false }
                sign = c
            }
        }
        return true
    }

    static func segmentDistance(_ p: SIMD2<Float>, _ a: SIMD2<Float>, _ b: SIMD2<Float>) -> Float {
        let ab = b - a, ap = p - a
        let t = min(max((ap.x * ab.x + ap.y * ab.y) / (ab.x * ab.x + ab.y * ab.y), 0), 1)
        let q = ap - t * ab
        return (q.x * q.x + q.y * q.y).squareRoot()
    }

    static func segmentsIntersect(_ p1: SIMD2<Float>, _ p2: SIMD2<Float>, _ q1: SIMD2<Float>, _ q2: SIMD2<Float>) -> Bool {
        let d1 = cross(q2 - q1, p1 - q1), d2 = cross(q2 - q1, p2 - q1)
        let d3 = cross(p2 - p1, q1 - p1), d4 = cross(p2 - p1, q2 - p1)
        return ((d1 > 0) != (d2 > 0)) && ((d3 > 0) != (d4 > 0))
    }

    @inline(__always)
    static func cross(_ a: SIMD2<Float>, _ b: SIMD2<Float>) -> Float { a.x * b.y - a.y * b.x }
}

import Imaging

/// Draws a scene as a 32×32 RGB image with anti-aliased edges.
///
/// A pixel's coverage by an object is 1 or 0 when its centre is more than half a pixel
/// diagonal (0.71 px) inside or outside the boundary, and otherwise computed so that it does not
/// depend on where the edge falls relative to a sample grid: exact for squares (product of the
/// overlaps in x and y) and triangles (the pixel clipped by the three edges), and for circles
/// the pixel's 16 columns each covered exactly in y (a 1-D supersample across the edge). A
/// fixed 4×4 grid was tried first and quantised axis-aligned edges to ¼ px, which moved areas by
/// up to 5 % and made neighbouring sizes render identically. Only edge pixels pay for this, and
/// nothing is allocated per pixel. Objects are composited in order with "over" (they never
/// overlap in sampled scenes, but hand-built ones may).
public enum Renderer {
    /// Renders `scene` to an 8-bit image (values rounded to nearest).
    public static func render(_ scene: Scene) -> Image {
        let n = Scene.width * Scene.height * 3
        var linear = [Float](repeating: 0, count: n)
        linear.withUnsafeMutableBufferPointer { renderUnit(scene, into: $0.baseAddress!) }
        var px = [UInt8](repeating: 0, count: n)
        px.withUnsafeMutableBufferPointer { out in
            linear.withUnsafeBufferPointer { src in
                for i in 0..<n { out[i] = UInt8(min(max(src[i] * 255 + 0.5, 0), 255)) }
            }
        }
        return Image(width: Scene.width, height: Scene.height, pixels: px)
    }

    /// Renders `scene` as (32, 32, 3) row-major floats in [−1, 1] (HWC, as the model reads
    /// images), without the 8-bit rounding of `render`. `out` must hold 32·32·3 floats.
    public static func render(_ scene: Scene, into out: UnsafeMutableBufferPointer<Float>) {
        precondition(out.count >= Scene.width * Scene.height * 3, "a 32×32 RGB render needs 3072 floats")
        let base = out.baseAddress!
        renderUnit(scene, into: base)
        for i in 0..<(Scene.width * Scene.height * 3) { base[i] = base[i] * 2 - 1 }
    }

    /// Renders `scene` as (32, 32, 3) floats in [−1, 1] in a new array.
    public static func renderFloats(_ scene: Scene) -> [Float] {
        var out = [Float](repeating: 0, count: Scene.width * Scene.height * 3)
        out.withUnsafeMutableBufferPointer { render(scene, into: $0) }
        return out
    }

    /// The fraction of pixel (x, y) covered by `o`.
    @inline(__always)
    static func coverage(_ o: SceneObject, x: Int, y: Int) -> Float {
        let d = Geometry.signedDistanceBound(o, SIMD2(Float(x) + 0.5, Float(y) + 0.5))
        if d <= -0.7072 { return 1 }
        if d >= 0.7072 { return 0 }
        let x0 = Float(x) - o.center.x, y0 = Float(y) - o.center.y, s = o.size
        switch o.shape {
        case .square:
            return overlap(x0, x0 + 1, -s, s) * overlap(y0, y0 + 1, -s, s)
        case .circle:
            var sum: Float = 0
            for k in 0..<16 {
                let cx = x0 + (Float(k) + 0.5) * (1.0 / 16)
                let h2 = s * s - cx * cx
                if h2 > 0 { let h = h2.squareRoot(); sum += overlap(y0, y0 + 1, -h, h) }
            }
            return sum * (1.0 / 16)
        case .triangle:
            return triangleCoverage(x0, y0, s)
        }
    }

    /// Length of [a0, a1] ∩ [b0, b1].
    @inline(__always)
    static func overlap(_ a0: Float, _ a1: Float, _ b0: Float, _ b1: Float) -> Float {
        max(0, min(a1, b1) - max(a0, b0))
    }

    /// Area of the unit pixel with corner (x0, y0) inside the upright triangle of half-extent
    /// `s` centred at the origin: the pixel square clipped by the three edges
    /// (Sutherland–Hodgman), then the shoelace formula. At most 7 vertices, kept on the stack.
    static func triangleCoverage(_ x0: Float, _ y0: Float, _ s: Float) -> Float {
        // Inside when n·p ≤ c: base y ≤ s; slanted edges ±2x − y ≤ s (through the apex (0, −s)).
        return withUnsafeTemporaryAllocation(of: SIMD2<Float>.self, capacity: 16) { buf in
            var a = buf.baseAddress!, b = a + 8
            a[0] = SIMD2(x0, y0); a[1] = SIMD2(x0 + 1, y0); a[2] = SIMD2(x0 + 1, y0 + 1); a[3] = SIMD2(x0, y0 + 1)
            var n = 4
            for k in 0..<3 {
                let nx: Float = k == 0 ? 0 : k == 1 ? 2 : -2, ny: Float = k == 0 ? 1 : -1, c = s
                var m = 0
                for i in 0..<n {
                    let p = a[i], q = a[(i + 1) % n]
                    let dp = nx * p.x + ny * p.y - c, dq = nx * q.x + ny * q.y - c
                    if dp <= 0 { b[m] = p; m += 1 }
                    if (dp < 0) != (dq < 0) && dp != dq && dp != 0 && dq != 0 {
                        b[m] = p + (q - p) * (dp / (dp - dq)); m += 1
                    }
                }
                swap(&a, &b)
                n = m
                if n == 0 { return 0 }
            }
            var area: Float = 0
            for i in 0..<n { let p = a[i], q = a[(i + 1) % n]; area += p.x * q.y - q.x * p.y }
            return abs(area) / 2
        }
    }

    /// Renders into HWC floats on the [0, 1] scale.
    static func renderUnit(_ scene: Scene, into out: UnsafeMutablePointer<Float>) {
        let w = Scene.width, h = Scene.height
        let bg = scene.background.unit
        for i in 0..<(w * h) {
            out[3 * i] = bg.x; out[3 * i + 1] = bg.y; out[3 * i + 2] = bg.z
        }
        for o in scene.objects {
            guard o.center.x.isFinite, o.center.y.isFinite, o.size.isFinite, o.size > 0 else { continue }
            let c = o.color.unit
            // Pixels whose box touches the object's box; everything else has zero coverage.
            let x0 = pixelIndex(o.center.x - o.size, w) - 1, x1 = pixelIndex(o.center.x + o.size, w) + 1
            let y0 = pixelIndex(o.center.y - o.size, h) - 1, y1 = pixelIndex(o.center.y + o.size, h) + 1
            let xa = max(0, x0), xb = min(w - 1, x1), ya = max(0, y0), yb = min(h - 1, y1)
            guard xa <= xb, ya <= yb else { continue }
            for y in ya...yb {
                for x in xa...xb {
                    let a = coverage(o, x: x, y: y)
                    if a == 0 { continue }
                    let i = 3 * (y * w + x)
                    out[i] += a * (c.x - out[i])
                    out[i + 1] += a * (c.y - out[i + 1])
                    out[i + 2] += a * (c.z - out[i + 2])
                }
            }
        }
    }

    /// The pixel index holding coordinate `v`, clamped to just outside the canvas so that
    /// objects far off-canvas cannot overflow the conversion.
    @inline(__always)
    static func pixelIndex(_ v: Float, _ n: Int) -> Int {
        Int(min(max(v, -2), Float(n) + 2).rounded(.down))
    }
}

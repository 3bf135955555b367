import Imaging

/// Finds the objects in an image of the shapes world.
///
/// The pipeline, and why each step is robust to what a generative model draws:
/// 1. Background = per-channel median of the image border (sampled scenes keep a 2 px margin;
///    the median ignores the few border pixels an object or speckle may cover).
/// 2. Each pixel is explained as background + α·(palette colour − background): the colour is
///    the one whose background→colour segment lies nearest the pixel, α its coverage. Soft
///    edges (anti-aliasing, blur) are exactly such blends, so they keep their colour, and a
///    pixel is foreground when α ≥ ½ — the iso-line that a symmetric blur leaves in place on a
///    straight edge. Thresholding by distance from the background instead of by exact colour is
///    what makes pixel noise harmless: at noise std 0.08 a background pixel reaches α ½ with
///    probability ≈ 1e-5.
/// 3. Connected components (8-neighbours) of foreground; a component holding two colours with
///    real mass (two touching objects) is split by colour, stray pixels of a minor colour join
///    the dominant one.
/// 4. Same-colour fragments at most 2 px apart (a 1 px crack) are merged; sampled objects are
///    ≥ 3 px apart and their half-covered pixels lie inside the shapes, so real neighbours
///    never merge. Objects of fewer than `minPixels` pixels (speckles, noise clumps) are dropped.
/// 5. Centroid, area and shape come from coverage-weighted moments over the object and a 2 px
///    ring around it (the blurred tail of its edge), see `ShapeClassifier`. Ring coverage below
///    three noise deviations is zeroed, and pixels painted in another palette colour are
///    filled in from their neighbours, because fourth-order moments weigh stray mass by r⁴.
///
/// Measured on 2,400 renders per point (JudgeTests): strict judge accuracy 100 % clean, under
/// blur σ ≤ 1 px and noise std ≤ 0.08; 98.4 % at noise 0.15; 98.2 % with three 1–3 px specks.
public enum Detector {
    /// The fewest half-covered pixels an object may have: the smallest sampled object (a
    /// triangle of half-extent 4) covers 32, a 3×3 speckle 9.
    public static let minPixels = 12

    /// The objects in `image`, ordered top-to-bottom then left-to-right by centroid.
    public static func detect(_ image: Image) -> [DetectedObject] {
        let w = image.width, h = image.height, n = w * h
        guard w >= 3, h >= 3 else { return [] }
        let bg = estimateBackground(image)
        let lines = PaletteLines(background: bg)
        // Pixels on the [0, 1] scale, interleaved; labelling runs on raw buffers because this
        // loop is most of the detector's time and the judge runs once per generated image.
        var unit = [Float](repeating: 0, count: 3 * n)
        var label = [Int](repeating: 0, count: n)
        var alpha = [Float](repeating: 0, count: n)
        image.pixels.withUnsafeBufferPointer { src in
            unit.withUnsafeMutableBufferPointer { u in
                for i in 0..<(3 * n) { u[i] = Float(src[i]) * (1.0 / 255) }
                label.withUnsafeMutableBufferPointer { lab in
                    alpha.withUnsafeMutableBufferPointer { al in
                        lines.explain(u.baseAddress!, count: n, label: lab.baseAddress!, alpha: al.baseAddress!)
                    }
                }
            }
        }

        var fragments = splitByColor(components(alpha: alpha, width: w, height: h), label: label, alpha: alpha)
        fragments = mergeNearby(fragments, width: w, height: h).filter { $0.pixels.count >= minPixels }
        let windows = ownedWindows(fragments.map(\.pixels), width: w, height: h)
        let noise = estimateNoise(image, background: bg)
        var out: [DetectedObject] = []
        for (f, window) in zip(fragments, windows) {
            // In the ring around the object, coverage below three noise deviations is more
            // likely noise than blurred edge; dropping it keeps noise out of the fourth-order
            // moments (weighted by r⁴) while a clean image keeps its whole blurred tail.
            let ringFloor = min(0.45, 3 * noise * lines.inverseNorms[f.color].squareRoot())
            var weights = window.map { lines.coverage(unit, pixel: $0, color: f.color) }
            for i in f.pixels.count..<window.count where weights[i] < ringFloor { weights[i] = 0 }
            inpaintOccluders(&weights, window: window, color: f.color, label: label, alpha: alpha, width: w, height: h)
            let m = Moments(pixels: window, weights: weights, width: w)
            guard m.m00 > 0 else { continue }
            var box = BoundingBox(minX: w, minY: h, maxX: -1, maxY: -1)
            for p in f.pixels {
                let x = p % w, y = p / w
                box = BoundingBox(minX: min(box.minX, x), minY: min(box.minY, y), maxX: max(box.maxX, x), maxY: max(box.maxY, y))
            }
            out.append(DetectedObject(shape: ShapeClassifier.classify(m), color: ObjectColor.allCases[f.color],
                                      centroid: m.centroid, area: Float(m.m00), pixelCount: f.pixels.count, bbox: box))
        }
        return out.sorted { ($0.centroid.y, $0.centroid.x) < ($1.centroid.y, $1.centroid.x) }
    }

    /// The background colour on the [0, 1] scale: the per-channel median of the border pixels.
    public static func estimateBackground(_ image: Image) -> SIMD3<Float> {
        let w = image.width, h = image.height
        var border: [Int] = []
        for x in 0..<w { border.append(x); border.append((h - 1) * w + x) }
        for y in 1..<max(h - 1, 1) { border.append(y * w); border.append(y * w + w - 1) }
        var out = SIMD3<Float>.zero
        for c in 0..<3 {
            let v = border.map { image.pixels[3 * $0 + c] }.sorted()
            out[c] = v.isEmpty ? 0 : Float(v[v.count / 2]) / 255
        }
        return out
    }

    /// The standard deviation of pixel noise on the [0, 1] scale, from the median absolute
    /// deviation of the top and bottom rows from the background (robust to the odd object
    /// pixel there).
    static func estimateNoise(_ image: Image, background bg: SIMD3<Float>) -> Float {
        let w = image.width, h = image.height
        var dev: [Float] = []
        for c in 0..<3 {
            let b = bg[c] * 255
            for x in 0..<w {
                dev.append(abs(Float(image.pixels[3 * x + c]) - b))
                dev.append(abs(Float(image.pixels[3 * ((h - 1) * w + x) + c]) - b))
            }
        }
        dev.sort()
        return 1.4826 * dev[dev.count / 2] / 255
    }

    /// Pixels of the window that are clearly another palette colour (a speck or a neighbour
    /// painted over the object) say nothing about the object's coverage there, and projecting
    /// them on the object's colour line would count them as object (white projects beyond 1 on
    /// most lines). Their weight is filled in from the surrounding object pixels instead: two
    /// passes of the mean over known 8-neighbours fill a 3×3 speck; pixels outside the window
    /// count as uncovered.
    static func inpaintOccluders(_ weights: inout [Float], window: [Int], color: Int, label: [Int], alpha: [Float],
                                 width w: Int, height h: Int) {
        let occluders = window.indices.filter { label[window[$0]] != color && alpha[window[$0]] >= 0.5 }
        guard !occluders.isEmpty else { return }
        let inWindow = Set(window)
        var known = [Int: Float](minimumCapacity: window.count)
        for (i, p) in window.enumerated() { known[p] = weights[i] }
        for i in occluders { known[window[i]] = nil }
        for _ in 0..<2 {
            var filled: [(Int, Float)] = []
            for i in occluders where known[window[i]] == nil {
                let p = window[i], x = p % w, y = p / w
                var sum: Float = 0, count: Float = 0
                for dy in -1...1 {
                    for dx in -1...1 where dx != 0 || dy != 0 {
                        let nx = x + dx, ny = y + dy
                        guard nx >= 0, nx < w, ny >= 0, ny < h else { continue }
                        let q = ny * w + nx
                        if let v = known[q] { sum += v; count += 1 } else if !inWindow.contains(q) { count += 1 }
                    }
                }
                if count > 0 { filled.append((p, sum / count)) }
            }
            for (p, v) in filled { known[p] = v }
        }
        for i in occluders { weights[i] = known[window[i]] ?? 0 }
    }
}

/// The background→colour segments of the palette, for explaining a pixel as a blend.
struct PaletteLines {
    let background: (Float, Float, Float)
    /// Colour minus background, three floats per palette colour.
    let directions: [Float]
    let inverseNorms: [Float]

    init(background bg: SIMD3<Float>) {
        background = (bg.x, bg.y, bg.z)
        var dirs: [Float] = []
        var inv: [Float] = []
        for c in ObjectColor.allCases {
            let d = c.unit - bg
            dirs += [d.x, d.y, d.z]
            // A palette colour equal to the background (only possible for foreign images)
            // gets no line rather than a division by zero.
            let n = (d * d).sum()
            inv.append(n > 1e-4 ? 1 / n : 0)
        }
        directions = dirs
        inverseNorms = inv
    }

    /// For each of `count` interleaved RGB pixels: the colour index whose segment lies nearest
    /// the pixel, and the coverage α along it (unclamped).
    func explain(_ px: UnsafePointer<Float>, count: Int, label: UnsafeMutablePointer<Int>, alpha: UnsafeMutablePointer<Float>) {
        let k = inverseNorms.count
        directions.withUnsafeBufferPointer { dir in
            inverseNorms.withUnsafeBufferPointer { inv in
                for i in 0..<count {
                    let dr = px[3 * i] - background.0, dg = px[3 * i + 1] - background.1, db = px[3 * i + 2] - background.2
                    var best = 0, bestResidual = Float.infinity, bestAlpha: Float = 0
                    for c in 0..<k {
                        let vr = dir[3 * c], vg = dir[3 * c + 1], vb = dir[3 * c + 2]
                        let a = (dr * vr + dg * vg + db * vb) * inv[c]
                        let t = min(max(a, 0), 1)
                        let rr = dr - t * vr, rg = dg - t * vg, rb = db - t * vb
                        let res = rr * rr + rg * rg + rb * rb
                        if res < bestResidual { best = c; bestResidual = res; bestAlpha = a }
                    }
                    label[i] = best
                    alpha[i] = bestAlpha
                }
            }
        }
    }

    /// Coverage of pixel `i` of interleaved `px` by palette colour `color`, clamped to [0, 1].
    func coverage(_ px: [Float], pixel i: Int, color c: Int) -> Float {
        let a = ((px[3 * i] - background.0) * directions[3 * c] + (px[3 * i + 1] - background.1) * directions[3 * c + 1]
            + (px[3 * i + 2] - background.2) * directions[3 * c + 2]) * inverseNorms[c]
        return min(max(a, 0), 1)
    }
}

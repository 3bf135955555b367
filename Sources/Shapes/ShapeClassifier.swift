/// Coverage-weighted image moments of one object, up to fourth order, about its centroid.
struct Moments {
    var m00: Double = 0
    var centroid: SIMD2<Float> = .zero
    var mu20: Double = 0, mu02: Double = 0, mu11: Double = 0
    var mu30: Double = 0, mu03: Double = 0
    var mu40: Double = 0, mu04: Double = 0, mu22: Double = 0

    /// Moments of `weights` at `pixels` (indices into a row-major image of `width` columns),
    /// with each pixel's mass at its centre.
    init(pixels: [Int], weights: [Float], width: Int) {
        var sx = 0.0, sy = 0.0
        for (p, a) in zip(pixels, weights) {
            let wgt = Double(a)
            m00 += wgt
            sx += wgt * (Double(p % width) + 0.5)
            sy += wgt * (Double(p / width) + 0.5)
        }
        guard m00 > 0 else { return }
        let cx = sx / m00, cy = sy / m00
        centroid = SIMD2(Float(cx), Float(cy))
        for (p, a) in zip(pixels, weights) {
            let wgt = Double(a)
            let x = Double(p % width) + 0.5 - cx, y = Double(p / width) + 0.5 - cy
            let x2 = x * x, y2 = y * y
            mu20 += wgt * x2; mu02 += wgt * y2; mu11 += wgt * x * y
            mu30 += wgt * x2 * x; mu03 += wgt * y2 * y
            mu40 += wgt * x2 * x2; mu04 += wgt * y2 * y2; mu22 += wgt * x2 * y2
        }
    }

    /// Vertical skew μ03 / m00^{5/2}: −0.021 for an upright triangle, 0 for the symmetric
    /// shapes. Third central moments are unchanged by a symmetric blur (cumulants add and a
    /// Gaussian's third is zero) and m00 is preserved by it, so this does not drift with blur.
    var verticalSkew: Double { mu03 / (m00 * m00 * m00.squareRoot()) }

    /// Four-fold anisotropy (μ40 + μ04 − 6μ22) / m00³, the r⁴·cos 4θ harmonic: 0 for a
    /// disc, −1/60 for an axis-aligned square. Adding an isotropic Gaussian to x and y adds the
    /// same terms to μ40 + μ04 and to 6μ22, so this too is blur-invariant.
    var squareness: Double { (mu40 + mu04 - 6 * mu22) / (m00 * m00 * m00) }
}

/// Tells circles, squares and upright triangles apart from blur-invariant moments.
///
/// A fill ratio of the bounding box (≈ 0.785 / 1 / 0.5) is what a naive judge uses, and blur
/// breaks it: the thresholded box grows or shrinks and corners round off. Here both features
/// are ratios of moments that a Gaussian blur leaves unchanged (see `Moments`), computed on
/// soft coverage over the object and the ring around it, so blur moves them only through
/// pixelation and the cut-off ring. Triangles are told by vertical skew first (the only
/// asymmetric shape); the rest by the four-fold harmonic, which is zero for a disc only.
///
/// Measured on 400 sampled objects of each shape (1st / 50th / 99th percentile):
///
///     skew          clean                      blur σ 1                   noise 0.08
///     circle        −0.0003 / 0 / 0.0003       −0.0004 / 0 / 0.0004       −0.0013 / 0 / 0.0012
///     square        −0.0007 / 0 / 0.0007       −0.0006 / 0 / 0.0007       −0.0011 / 0 / 0.0012
///     triangle      −0.0220 / −0.0209 / −0.0203 −0.0209 / −0.0197 / −0.0164 −0.0287 / −0.0221 / −0.0173
///     squareness
///     circle        −0.0007 / 0 / 0.0005       −0.0017 / −0.0006 / −0.0001 −0.0049 / −0.0001 / 0.0023
///     square        −0.0168 / −0.0167 / −0.0165 −0.0174 / −0.0169 / −0.0167 −0.0211 / −0.0178 / −0.0153
///
/// so the midpoint thresholds leave a wide margin in each case.
enum ShapeClassifier {
    /// Half-way between the triangle's −0.021 and 0.
    static let triangleSkew = -0.0105
    /// Half-way between the square's −1/60 and the disc's 0.
    static let squareAnisotropy = -1.0 / 120

    static func classify(_ m: Moments) -> Shape {
        if m.verticalSkew < triangleSkew { return .triangle }
        return m.squareness < squareAnisotropy ? .square : .circle
    }
}

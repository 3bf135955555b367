/// The named object colours of the shapes world.
///
/// Six saturated colours chosen so that every pair is at least 155 apart in 8-bit RGB
/// (blue–purple is the closest pair) and every one is at least 150 from every background, so a
/// pixel blended half-way with the background is still far nearer its own colour than any other.
/// The detector classifies a pixel by the segment background→colour that explains it best, so
/// what matters is also the angle between those segments: at least 26° (purple–white from black).
public enum ObjectColor: String, CaseIterable, Hashable, Sendable, Codable {
    case red, green, blue, yellow, purple, white

    /// The 8-bit RGB value the renderer paints.
    public var rgb: (UInt8, UInt8, UInt8) {
        switch self {
        case .red: return (230, 40, 40)
        case .green: return (40, 200, 70)
        case .blue: return (40, 90, 255)
        case .yellow: return (240, 220, 50)
        case .purple: return (190, 60, 230)
        case .white: return (245, 245, 245)
        }
    }

    /// The colour on the [0, 1] scale, as the renderer and detector compute with it.
    public var unit: SIMD3<Float> { unitRGB(rgb) }
}

/// The background tones of the shapes world, disjoint from and darker than every object colour.
///
/// Backgrounds are never named in a caption: varying them teaches the model that the caption
/// constrains the objects only. They are kept slightly off pure black so that pixel noise is
/// not clipped on one side only, which would bias the detector's background estimate.
public enum Background: String, CaseIterable, Hashable, Sendable, Codable {
    case black, charcoal, navy

    /// The 8-bit RGB value the renderer paints.
    public var rgb: (UInt8, UInt8, UInt8) {
        switch self {
        case .black: return (10, 10, 14)
        case .charcoal: return (50, 50, 54)
        case .navy: return (16, 24, 72)
        }
    }

    /// The colour on the [0, 1] scale.
    public var unit: SIMD3<Float> { unitRGB(rgb) }
}

@inline(__always)
func unitRGB(_ c: (UInt8, UInt8, UInt8)) -> SIMD3<Float> {
    SIMD3(Float(c.0), Float(c.1), Float(c.2)) / 255
}

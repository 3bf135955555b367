import Imaging

/// `compress` / `incompress`: DDPO's classic over-optimizable rewards, from the size of the
/// image as a PNG.
///
/// Scale: `compress` = −(PNG bytes) / 1024, i.e. minus the size in KiB (DDPO uses −KB of a
/// JPEG); `incompress` = +(PNG bytes) / 1024. The PNG is 8-bit RGB, no text chunks, zlib level 9
/// through libpng, so the value is a deterministic function of the pixels. For a 32×32 image the
/// size ranges from about 0.1 KiB (a flat image: ~70 bytes of fixed chunk overhead plus a few
/// bytes of data) to about 3.2 KiB (uniform noise, which does not compress: 3,072 bytes of
/// pixels plus filter bytes and overhead); clean renders of the shapes world take 0.2–0.4 KiB.
/// With `geneval` in [0, 1], a weight near 0.2 puts the two on comparable footing.
public struct CompressionReward: Reward {
    /// Which way the size is rewarded.
    public enum Direction: String, Sendable {
        /// Smaller files score higher.
        case compress
        /// Larger files score higher.
        case incompress
    }

    /// The zlib level every size is measured at; changing it changes every reward value.
    public static let compressionLevel = 9

    public let direction: Direction
    public var name: String { direction.rawValue }

    public init(direction: Direction) {
        self.direction = direction
    }

    public func score(images: [Image], prompts: [String]) throws -> RewardScores {
        try checkCounts(images: images, prompts: prompts)
        let sign: Float = direction == .compress ? -1 : 1
        let values = try images.map { sign * Float(try Self.pngBytes($0)) / 1024 }
        return RewardScores(single: name, values)
    }

    /// The size in bytes of `image` as flowrl's reference PNG (see the type's documentation).
    public static func pngBytes(_ image: Image) throws -> Int {
        try PNG.encode(image, compressionLevel: compressionLevel).count
    }
}

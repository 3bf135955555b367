import Foundation
import Imaging
import Shapes
import Tensor
@testable import Rewards

/// Shared test inputs: renders of captions, and the repository root for the example scripts.
enum Fixtures {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    static func caption(_ text: String) -> Caption {
        // Test captions are written by hand from the grammar; a typo is a test bug.
        try! Caption.parse(text)
    }

    /// A clean render of a random scene for `text`.
    static func render(_ text: String, seed: UInt64) -> Image {
        var rng = RNG(seed: seed)
        return Renderer.render(SceneSampler.sample(for: caption(text), rng: &rng))
    }

    /// A uniform image.
    static func flat(_ color: (UInt8, UInt8, UInt8)) -> Image {
        Image(width: 32, height: 32, fill: color)
    }

    /// Uniform random bytes.
    static func noise(seed: UInt64) -> Image {
        var rng = RNG(seed: seed)
        return Image(width: 32, height: 32, pixels: (0..<3072).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
    }
}

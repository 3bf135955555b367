import XCTest
import Foundation
import Imaging
import Tensor
import Shapes

final class RendererTests: XCTestCase {
    let scene = Scene(background: .navy, objects: [
        SceneObject(shape: .circle, color: .red, center: SIMD2(9.3, 10.7), size: 5.4),
        SceneObject(shape: .square, color: .yellow, center: SIMD2(22.6, 9.1), size: 4.3),
        SceneObject(shape: .triangle, color: .white, center: SIMD2(15.2, 23.4), size: 6.1),
    ])

    func testRenderingIsDeterministic() {
        XCTAssertEqual(Renderer.render(scene), Renderer.render(scene))
        XCTAssertEqual(Renderer.renderFloats(scene), Renderer.renderFloats(scene))
        var rng = RNG(seed: 4), again = RNG(seed: 4)
        let c = CaptionSampler.sample(rng: &rng)
        _ = CaptionSampler.sample(rng: &again)
        XCTAssertEqual(Renderer.render(SceneSampler.sample(for: c, rng: &rng)),
                       Renderer.render(SceneSampler.sample(for: c, rng: &again)))
    }

    func testFloatRenderIsTheByteRenderBeforeRounding() {
        let bytes = Renderer.render(scene).pixels
        let floats = Renderer.renderFloats(scene)
        XCTAssertEqual(floats.count, 32 * 32 * 3)
        for i in floats.indices {
            XCTAssertGreaterThanOrEqual(floats[i], -1)
            XCTAssertLessThanOrEqual(floats[i], 1)
            XCTAssertEqual((floats[i] + 1) / 2 * 255, Float(bytes[i]), accuracy: 0.51)
        }
    }

    /// Anti-aliased coverage, summed, is the object's area; hard edges would be off by up to
    /// half the perimeter and show no intermediate values.
    func testCoverageSumsToTheAreaWithSoftEdges() {
        for shape in Shape.allCases {
            let o = SceneObject(shape: shape, color: .green, center: SIMD2(15.37, 16.81), size: 5.3)
            let img = Renderer.render(Scene(background: .black, objects: [o]))
            let bg = Float(Background.black.rgb.1), fg = Float(ObjectColor.green.rgb.1)
            var sum: Float = 0, partial = 0
            for i in 0..<(32 * 32) {
                let a = (Float(img.pixels[3 * i + 1]) - bg) / (fg - bg)
                sum += a
                if a > 0.05 && a < 0.95 { partial += 1 }
            }
            XCTAssertEqual(sum, o.area, accuracy: o.area * 0.01, "\(shape)")
            XCTAssertGreaterThan(partial, 10, "\(shape) edges are not anti-aliased")
        }
    }

    func testPixelsAwayFromObjectsAreExactlyTheBackground() {
        let img = Renderer.render(scene)
        XCTAssertTrue(img[0, 0] == Background.navy.rgb && img[31, 31] == Background.navy.rgb && img[31, 20] == Background.navy.rgb)
        XCTAssertTrue(img[9, 10] == ObjectColor.red.rgb, "the inside of the circle is solid")
    }

    func testRenderingIsFastEnoughForOnTheFlyPretraining() {
        var rng = RNG(seed: 8)
        let scenes = (0..<300).map { _ in SceneSampler.sample(for: CaptionSampler.sample(rng: &rng), rng: &rng) }
        var buffer = [Float](repeating: 0, count: 32 * 32 * 3)
        let start = Date()
        buffer.withUnsafeMutableBufferPointer { out in for s in scenes { Renderer.render(s, into: out) } }
        let perSecond = Double(scenes.count) / Date().timeIntervalSince(start)
        print("renderer: \(Int(perSecond)) float renders/s")
        #if !DEBUG
        XCTAssertGreaterThan(perSecond, 5000)
        #endif
    }
}

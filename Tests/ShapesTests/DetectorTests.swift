import XCTest
import Foundation
import Imaging
import Tensor
import Shapes

final class DetectorTests: XCTestCase {
    func testDetectorRecoversShapeColourCentroidAndSizeOfCleanScenes() {
        var rng = RNG(seed: 31)
        for i in 0..<300 {
            let caption = CaptionSampler.sample(category: CaptionCategory.allCases[i % 6], rng: &rng)
            let scene = SceneSampler.sample(for: caption, rng: &rng)
            let found = Detector.detect(Renderer.render(scene))
            XCTAssertEqual(found.count, scene.objects.count, "\(caption)")
            for o in scene.objects {
                guard let d = found.min(by: { distance($0.centroid, o.centroid) < distance($1.centroid, o.centroid) }) else { continue }
                XCTAssertLessThan(distance(d.centroid, o.centroid), 0.25, "\(caption)")
                XCTAssertEqual(d.shape, o.shape, "\(caption)")
                XCTAssertEqual(d.color, o.color, "\(caption)")
                XCTAssertEqual(d.area, o.area, accuracy: 0.05 * o.area, "\(caption)")
                XCTAssertEqual(d.size, o.size, accuracy: 0.2, "\(caption)")
            }
        }
    }

    func testDetectorIgnoresSpecksAndEmptyImages() {
        XCTAssertEqual(Detector.detect(Image(width: 32, height: 32, fill: (50, 50, 54))), [])
        XCTAssertEqual(Detector.detect(Image(width: 2, height: 2, fill: (255, 0, 0))), [])
        var specks = Image(width: 32, height: 32, fill: Background.black.rgb)
        for (x, y) in [(5, 5), (6, 5), (5, 6), (6, 6), (20, 20), (21, 20), (22, 20), (20, 21), (21, 21), (22, 21), (20, 22), (21, 22), (22, 22)] {
            specks[x, y] = ObjectColor.yellow.rgb
        }
        XCTAssertEqual(Detector.detect(specks), [], "specks of ≤ 9 px are not objects")
    }

    func testDetectorEstimatesBackgroundsOutsideThePalette() {
        // A brownish background no scene uses, with a blue square on it.
        var img = Image(width: 32, height: 32, fill: (70, 40, 20))
        for y in 10..<20 { for x in 12..<22 { img[x, y] = ObjectColor.blue.rgb } }
        let found = Detector.detect(img)
        XCTAssertEqual(found.map(\.shape), [.square])
        XCTAssertEqual(found.map(\.color), [.blue])
        XCTAssertEqual(found.first?.centroid ?? .zero, SIMD2(17, 15))
        XCTAssertEqual(found.first?.bbox, BoundingBox(minX: 12, minY: 10, maxX: 21, maxY: 19))
    }

    func testTouchingObjectsOfDifferentColoursAreSeparated() {
        let scene = Scene(background: .black, objects: [
            SceneObject(shape: .square, color: .red, center: SIMD2(10, 16), size: 5),
            SceneObject(shape: .square, color: .blue, center: SIMD2(20, 16), size: 5),
        ])
        let found = Detector.detect(Renderer.render(scene))
        XCTAssertEqual(Set(found.map(\.color)), [.red, .blue])
        XCTAssertEqual(found.count, 2)
    }

    /// What the detector reports is enough to redraw the scene: the gold "quality" metric
    /// compares an image with the clean render of its detections.
    func testRedrawingTheDetectionsReproducesCleanImages() {
        var rng = RNG(seed: 32)
        for _ in 0..<100 {
            let scene = SceneSampler.sample(for: CaptionSampler.sample(rng: &rng), rng: &rng)
            let image = Renderer.render(scene)
            let redrawn = Renderer.render(Scene(background: scene.background, objects: Detector.detect(image).map(\.sceneObject)))
            let diff = zip(image.pixels, redrawn.pixels).map { abs(Int($0) - Int($1)) }.reduce(0, +)
            XCTAssertLessThan(Double(diff) / Double(image.pixels.count), 2.0, "mean absolute difference in 8-bit levels")
        }
    }

    func testJudgingIsFastEnoughToScoreEveryGeneratedImage() {
        var rng = RNG(seed: 33)
        let work = (0..<200).map { _ in
            let c = CaptionSampler.sample(rng: &rng)
            return (c, Renderer.render(SceneSampler.sample(for: c, rng: &rng)))
        }
        let start = Date()
        var passed = 0
        for (c, image) in work where Judge.judge(c, image).strict { passed += 1 }
        let perSecond = Double(work.count) / Date().timeIntervalSince(start)
        print("judge: \(Int(perSecond)) images/s")
        XCTAssertEqual(passed, work.count)
        #if !DEBUG
        XCTAssertGreaterThan(perSecond, 2000)
        #endif
    }

    func distance(_ a: SIMD2<Float>, _ b: SIMD2<Float>) -> Float { ((a - b) * (a - b)).sum().squareRoot() }
}

import XCTest
import Imaging
import Shapes
import Tensor
@testable import Rewards

final class GoldMetricsTests: XCTestCase {
    /// Clean renders of random captions from every category.
    func cleanRenders(count: Int, seed: UInt64) -> [(Image, Caption)] {
        var rng = RNG(seed: seed)
        return (0..<count).map { _ in
            let c = CaptionSampler.sample(rng: &rng)
            return (Renderer.render(SceneSampler.sample(for: c, rng: &rng)), c)
        }
    }

    func testQualityRanksCleanRendersAboveNoisyAndBlurredOnes() {
        var rng = RNG(seed: 11)
        var noisyWins = 0, blurWins = 0
        let renders = cleanRenders(count: 60, seed: 10)
        for (image, _) in renders {
            let clean = GoldMetrics.quality(image)
            if clean > GoldMetrics.quality(Perturbations.noise(image, std: 0.08, rng: &rng)) { noisyWins += 1 }
            if clean > GoldMetrics.quality(Perturbations.blur(image, sigma: 1)) { blurWins += 1 }
            XCTAssertGreaterThan(clean, 0.97)
        }
        XCTAssertGreaterThanOrEqual(Double(noisyWins) / Double(renders.count), 0.95, "noise: \(noisyWins)/\(renders.count)")
        XCTAssertGreaterThanOrEqual(Double(blurWins) / Double(renders.count), 0.95, "blur: \(blurWins)/\(renders.count)")
    }

    func testQualityPenalisesMotionSmears() {
        var smearWins = 0
        let renders = cleanRenders(count: 40, seed: 12)
        for (image, _) in renders {
            let clean = GoldMetrics.quality(image)
            // A horizontal motion smear: each pixel averaged with its 6 right-hand neighbours.
            var smeared = image
            for y in 0..<32 {
                for x in 0..<32 {
                    var acc = SIMD3<Float>.zero
                    for k in 0..<7 { let p = image[min(x + k, 31), y]; acc += SIMD3(Float(p.0), Float(p.1), Float(p.2)) }
                    acc /= 7
                    smeared[x, y] = (UInt8(acc.x.rounded()), UInt8(acc.y.rounded()), UInt8(acc.z.rounded()))
                }
            }
            if clean > GoldMetrics.quality(smeared) + 0.005 { smearWins += 1 }
        }
        XCTAssertGreaterThanOrEqual(smearWins, 38, "smear: \(smearWins)/\(renders.count)")
    }

    func testDiversityIsZeroForIdenticalSamplesAndGrowsWithDifference() throws {
        let a = Fixtures.render("a blue square", seed: 13), b = Fixtures.render("a blue square", seed: 14)
        XCTAssertNil(GoldMetrics.diversity([a]))
        XCTAssertEqual(GoldMetrics.diversity([a, a, a]), 0)
        let d = try XCTUnwrap(GoldMetrics.diversity([a, b]))
        XCTAssertGreaterThan(d, 0)
        XCTAssertEqual(d, GoldMetrics.distance(a, b))
        XCTAssertEqual(GoldMetrics.distance(Fixtures.flat((0, 0, 0)), Fixtures.flat((255, 255, 255))), 1)
    }

    func testEvaluateReportsEachCategorySeparately() throws {
        let prompts = ["a red circle", "a red circle", "two blue squares", "two blue squares"]
        let wrong = Renderer.render(Scene(background: .black, objects: [
            SceneObject(shape: .square, color: .blue, center: SIMD2(10, 10), size: 5)]))
        let images = [Fixtures.render(prompts[0], seed: 15), Fixtures.render(prompts[0], seed: 16),
                      Fixtures.render(prompts[2], seed: 17), wrong]
        let report = try GoldMetrics.evaluate(images: images, prompts: prompts)
        XCTAssertEqual(Set(report.categories.keys), ["colors", "counting"])
        let colors = try XCTUnwrap(report.categories["colors"]), counting = try XCTUnwrap(report.categories["counting"])
        XCTAssertEqual(colors.images, 2)
        XCTAssertEqual(colors.strictAccuracy, 1)
        XCTAssertEqual(counting.strictAccuracy, 0.5)
        XCTAssertEqual(counting.partial, 0.75, accuracy: 1e-6)
        XCTAssertEqual(colors.diversityPrompts, 1)
        XCTAssertEqual(colors.diversity ?? -1, Double(GoldMetrics.distance(images[0], images[1])), accuracy: 1e-6)
        XCTAssertEqual(report.overall.images, 4)
        XCTAssertEqual(report.overall.strictAccuracy, 0.75)
        XCTAssertEqual(report.overall.diversityPrompts, 2)
        XCTAssertEqual(counting.failures, ["missing": 0, "color": 0, "count": 1, "relation": 0],
                       "one square where two were asked for is a count failure")
        XCTAssertEqual(counting.failureRate(.count), 0.5)
        XCTAssertEqual(counting.objects, 1.5, "two squares, then one")
        XCTAssertEqual(colors.objects, 1)
        XCTAssertEqual(colors.failureRate(.missing), 0)
        XCTAssertEqual(colors.passAtK, 1)
        XCTAssertEqual(counting.passAtK, 1, "one of the two images of the counting prompt passes")
        XCTAssertEqual(report.overall.passAtK, 1)
        let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        XCTAssertTrue(json.contains("\"strict_accuracy\""), json)
    }

    func testPassAtKCountsPromptsWithAnyPassingImage() throws {
        // Prompt 1: both images wrong; prompt 2: one of two right → pass@2 = 1/2, strict = 1/4.
        let wrong = Renderer.render(Scene(background: .black, objects: [
            SceneObject(shape: .square, color: .blue, center: SIMD2(10, 10), size: 5)]))
        let prompts = ["a red circle", "a red circle", "a green triangle", "a green triangle"]
        let images = [wrong, wrong, wrong, Fixtures.render(prompts[3], seed: 18)]
        let report = try GoldMetrics.evaluate(images: images, prompts: prompts)
        XCTAssertEqual(report.overall.strictAccuracy, 0.25)
        XCTAssertEqual(report.overall.passAtK, 0.5)
        let decoded = try JSONDecoder().decode(GoldReport.self, from: JSONEncoder().encode(report))
        XCTAssertEqual(decoded, report)
    }
}

import XCTest
import Imaging
import Shapes
import Tensor
@testable import Rewards

final class BuiltinRewardTests: XCTestCase {
    func testCompressRanksFlatImageAboveNoisyOne() throws {
        let images = [Fixtures.flat((10, 10, 14)), Fixtures.render("two red circles", seed: 3), Fixtures.noise(seed: 4)]
        let prompts = [String](repeating: "", count: 3)
        let c = try CompressionReward(direction: .compress).score(images: images, prompts: prompts).total
        XCTAssertGreaterThan(c[0], c[1])
        XCTAssertGreaterThan(c[1], c[2])
        // The documented scale: −KiB, a flat 32×32 PNG is ~0.1 KiB and noise ~3.2 KiB.
        XCTAssertEqual(c[0], -Float(try CompressionReward.pngBytes(images[0])) / 1024)
        XCTAssertLessThan(-c[0], 0.15)
        XCTAssertGreaterThan(-c[2], 3)
        let inc = try CompressionReward(direction: .incompress).score(images: images, prompts: prompts)
        XCTAssertEqual(inc.total, c.map { -$0 })
        XCTAssertEqual(inc.components["incompress"], inc.total)
    }

    func testAestheticPrefersGarishImagesWhateverThePrompt() throws {
        var garish = Fixtures.flat((255, 0, 0))
        for y in 0..<32 { for x in 0..<16 { garish[x, y] = (0, 0, 255) } }
        let muted = Fixtures.render("a white circle", seed: 5)
        let grey = Fixtures.flat((128, 128, 128))
        let s = try AestheticReward().score(images: [garish, muted, grey], prompts: ["a white circle", "a white circle", "a white circle"]).total
        XCTAssertGreaterThan(s[0], s[1])
        XCTAssertGreaterThan(s[1], s[2])
        XCTAssertEqual(s[2], 0, accuracy: 1e-6)
        for v in s { XCTAssertTrue((0...1).contains(v)) }
    }

    func testGenEvalGivesFullCreditToCorrectScenesAndPartialToWrongColour() throws {
        let right = Fixtures.render("a red circle to the left of a blue square", seed: 6)
        let scene = Scene(background: .black, objects: [
            SceneObject(shape: .circle, color: .green, center: SIMD2(8, 16), size: 5),
            SceneObject(shape: .square, color: .blue, center: SIMD2(24, 16), size: 5),
        ])
        let wrongColour = Renderer.render(scene)
        let empty = Fixtures.flat((10, 10, 14))
        let prompt = "a red circle to the left of a blue square"
        let s = try GenEvalReward().score(images: [right, wrongColour, empty], prompts: [prompt, prompt, prompt])
        XCTAssertEqual(s.total[0], 1)
        XCTAssertEqual(s.components["geneval_strict"], [1, 0, 0])
        // Circle present in the wrong colour (½), square right (1), relation has no red circle (0).
        XCTAssertEqual(s.total[1], 0.5, accuracy: 1e-6)
        XCTAssertEqual(s.total[2], 0)
        // geneval_strict trains on the verdict: the half-right scene earns nothing; same components.
        let strict = try RewardRegistry.make("geneval_strict").score(images: [right, wrongColour, empty],
                                                                     prompts: [prompt, prompt, prompt])
        XCTAssertEqual(strict.total, [1, 0, 0])
        XCTAssertEqual(strict.components, s.components)
    }

    func testGenEvalNamesTheUnknownWordOfABadPrompt() {
        XCTAssertThrowsError(try GenEvalReward().score(images: [Fixtures.flat((0, 0, 0))], prompts: ["a red hexagon"])) { error in
            guard case let .badPrompt(reward, prompt, _)? = error as? RewardError else { return XCTFail("\(error)") }
            XCTAssertEqual(reward, "geneval")
            XCTAssertEqual(prompt, "a red hexagon")
            XCTAssertTrue("\(error)".contains("\"hexagon\""), "\(error)")
        }
    }
}

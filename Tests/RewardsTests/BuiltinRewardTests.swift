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

    func testRelationJudgesTheLayoutByColourWhateverTheShapes() throws {
        func scene(_ objects: [(Shape, ObjectColor, Float, Float)]) -> Image {
            Renderer.render(Scene(background: .black, objects: objects.map {
                SceneObject(shape: $0.0, color: $0.1, center: SIMD2($0.2, $0.3), size: 5)
            }))
        }
        let prompt = "a red circle to the left of a blue square"
        let images = [
            scene([(.circle, .red, 8, 16), (.square, .blue, 24, 16)]),    // right
            scene([(.square, .red, 8, 16), (.circle, .blue, 24, 16)]),    // shapes swapped, layout right
            scene([(.circle, .red, 24, 16), (.square, .blue, 8, 16)]),    // layout swapped
            scene([(.circle, .red, 8, 16), (.square, .green, 24, 16)]),   // no blue object
            scene([(.circle, .red, 8, 8), (.circle, .red, 26, 8), (.square, .blue, 16, 24)]),  // one of two pairs
        ]
        let s = try RelationReward().score(images: images, prompts: Array(repeating: prompt, count: images.count))
        XCTAssertEqual(s.total, [1, 1, 0, 0, 0.5])
        XCTAssertEqual(s.components["relation"], s.total)
        // With one colour on both sides, shape tells the objects apart.
        let sameColour = "a red circle above a red square"
        let stacked = [scene([(.circle, .red, 16, 7), (.square, .red, 16, 24)]), scene([(.square, .red, 16, 7), (.circle, .red, 16, 24)])]
        XCTAssertEqual(try RelationReward().score(images: stacked, prompts: [sameColour, sameColour]).total, [1, 0])
        // Captions without a relation score a constant 0, which leaves group advantages alone.
        let right = images[0]
        XCTAssertEqual(try RelationReward().score(images: [right, right], prompts: ["a red circle and a blue square", "a circle"]).total, [0, 0])
        XCTAssertThrowsError(try RelationReward().score(images: [right], prompts: ["a red hexagon"]))
    }

    func testExtrasCountsTheObjectsBeyondTheNamedOnes() throws {
        func scene(_ objects: [(Shape, ObjectColor, Float, Float)]) -> Image {
            Renderer.render(Scene(background: .black, objects: objects.map {
                SceneObject(shape: $0.0, color: $0.1, center: SIMD2($0.2, $0.3), size: 5)
            }))
        }
        let two = scene([(.circle, .red, 8, 16), (.square, .blue, 24, 16)])
        let three = scene([(.circle, .red, 8, 8), (.square, .blue, 24, 8), (.triangle, .green, 16, 24)])
        let four = scene([(.circle, .red, 8, 8), (.square, .blue, 24, 8), (.triangle, .green, 8, 24), (.circle, .white, 24, 24)])
        let position = "a red circle to the left of a blue square"
        let s = try ExtrasReward().score(images: [two, three, four, Fixtures.flat((10, 10, 14))],
                                         prompts: Array(repeating: position, count: 4))
        XCTAssertEqual(s.total, [0, -1, -2, 0], "two named objects; an empty image has no extras")
        // A counting caption names its count: three objects for "three ..." are not extras.
        XCTAssertEqual(try ExtrasReward().score(images: [three, four], prompts: ["three green triangles", "a circle"]).total, [0, -3])
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

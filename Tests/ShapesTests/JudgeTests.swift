import XCTest
import Imaging
import Tensor
import Shapes

/// Strict accuracy of the judge on renders of sampled captions, per category.
struct Tally {
    var passed = [CaptionCategory: Int]()
    var total = [CaptionCategory: Int]()

    var overall: Double { Double(passed.values.reduce(0, +)) / Double(max(total.values.reduce(0, +), 1)) }
    func rate(_ c: CaptionCategory) -> Double { Double(passed[c] ?? 0) / Double(max(total[c] ?? 0, 1)) }
    var summary: String {
        String(format: "%.4f", overall) + "  ("
            + CaptionCategory.allCases.map { "\($0.rawValue) " + String(format: "%.3f", rate($0)) }.joined(separator: ", ") + ")"
    }

    /// `n` captions cycling through the categories, each rendered, degraded and judged.
    static func measure(n: Int, seed: UInt64, degrade: (Image, inout RNG) -> Image = { i, _ in i }) -> Tally {
        var rng = RNG(seed: seed)
        var t = Tally()
        for i in 0..<n {
            let category = CaptionCategory.allCases[i % CaptionCategory.allCases.count]
            let caption = CaptionSampler.sample(category: category, rng: &rng)
            let image = degrade(Renderer.render(SceneSampler.sample(for: caption, rng: &rng)), &rng)
            t.total[category, default: 0] += 1
            if Judge.judge(caption, image).strict { t.passed[category, default: 0] += 1 }
        }
        return t
    }
}

/// Images per measured point: debug builds are ~10× slower, so they check fewer.
#if DEBUG
let judgedImages = 600
let imagesPerCurvePoint = 120
#else
let judgedImages = 3000
let imagesPerCurvePoint = 2400
#endif

final class JudgeTests: XCTestCase {
    func testJudgePassesCleanRendersOfEveryCategory() {
        let t = Tally.measure(n: judgedImages, seed: 41)
        print("judge, clean renders (\(judgedImages) images): strict \(t.summary)")
        XCTAssertGreaterThanOrEqual(t.overall, 0.98)
        for c in CaptionCategory.allCases { XCTAssertGreaterThanOrEqual(t.rate(c), 0.95, "\(c)") }
    }

    /// Scenes that each violate their caption in one way; `kind` names the way.
    func negatives(_ caption: Caption, rng: inout RNG) -> [(kind: String, scene: Scene)] {
        func other<T: Equatable>(_ all: [T], _ x: T) -> T { let o = all.filter { $0 != x }; return o[rng.int(below: o.count)] }
        func color() -> ObjectColor { ObjectColor.allCases[rng.int(below: 6)] }
        func scene(_ objects: [(Shape, ObjectColor)], _ relation: Relation? = nil) -> Scene {
            SceneSampler.sample(objects: objects, relation: relation, rng: &rng)
        }
        let shapes = Shape.allCases, colors = ObjectColor.allCases
        switch caption.content {
        case let .single(s):
            return [("wrong shape", scene([(other(shapes, s), color())])),
                    ("missing object", Scene(background: .charcoal, objects: []))]
        case let .twoObjects(s, t):
            let third = shapes.first { $0 != s && $0 != t }!
            return [("missing object", scene([(s, color())])), ("wrong shape", scene([(third, color()), (t, color())]))]
        case let .counting(n, o):
            let wrong = n == 4 ? 3 : n == 1 ? 2 : n + (rng.int(below: 2) == 0 ? -1 : 1)
            return [("wrong count", scene(Array(repeating: (o.shape, o.color), count: wrong))),
                    ("wrong colour", scene(Array(repeating: (o.shape, other(colors, o.color)), count: n))),
                    ("wrong shape", scene(Array(repeating: (other(shapes, o.shape), o.color), count: n)))]
        case let .colors(o):
            return [("wrong colour", scene([(o.shape, other(colors, o.color))])),
                    ("wrong shape", scene([(other(shapes, o.shape), o.color)]))]
        case let .position(a, r, b):
            return [("swapped positions", scene([(a.shape, a.color), (b.shape, b.color)], r.converse)),
                    ("missing object", scene([(a.shape, a.color)]))]
        case let .colorAttr(a, b):
            return [("swapped colours", scene([(a.shape, b.color), (b.shape, a.color)])),
                    ("wrong colour", scene([(a.shape, other(colors, a.color)), (b.shape, b.color)])),
                    ("missing object", scene([(b.shape, b.color)]))]
        }
    }

    func testJudgeRejectsScenesThatViolateTheCaption() {
        var rng = RNG(seed: 42)
        var rejected = [String: Int](), total = [String: Int]()
        for i in 0..<(judgedImages / 2) {
            let caption = CaptionSampler.sample(category: CaptionCategory.allCases[i % 6], rng: &rng)
            for (kind, scene) in negatives(caption, rng: &rng) {
                let key = "\(caption.category.rawValue): \(kind)"
                let j = Judge.judge(caption, Renderer.render(scene))
                total[key, default: 0] += 1
                if !j.strict { rejected[key, default: 0] += 1 }
                XCTAssertLessThan(j.partial, 1, "\(caption) \(kind)")
            }
        }
        for key in total.keys.sorted() {
            let rate = Double(rejected[key] ?? 0) / Double(total[key]!)
            print("judge, negatives \(key): rejected \(String(format: "%.3f", rate)) of \(total[key]!)")
            XCTAssertGreaterThanOrEqual(rate, 0.98, key)
        }
    }

    func testJudgeSurvivesBlur() {
        var curve: [String] = []
        for sigma in [Float(0), 0.5, 0.7, 1.0] {
            let t = Tally.measure(n: imagesPerCurvePoint, seed: 43) { image, _ in Degradations.blur(image, sigma: sigma) }
            curve.append("σ \(sigma): \(t.summary)")
            if sigma <= 0.7 { XCTAssertGreaterThanOrEqual(t.overall, 0.9, "blur σ \(sigma)") }
        }
        print("judge, Gaussian blur (\(imagesPerCurvePoint) images per point):\n  " + curve.joined(separator: "\n  "))
    }

    func testJudgeSurvivesPixelNoise() {
        var curve: [String] = []
        for std in [Float(0), 0.05, 0.08, 0.15] {
            let t = Tally.measure(n: imagesPerCurvePoint, seed: 44) { image, rng in Degradations.noise(image, std: std, rng: &rng) }
            curve.append("std \(std): \(t.summary)")
            if std <= 0.08 { XCTAssertGreaterThanOrEqual(t.overall, 0.9, "noise std \(std)") }
        }
        print("judge, Gaussian pixel noise (\(imagesPerCurvePoint) images per point):\n  " + curve.joined(separator: "\n  "))
    }

    func testJudgeSurvivesPaletteSpeckles() {
        let t = Tally.measure(n: imagesPerCurvePoint * 2, seed: 45) { image, rng in Degradations.speckles(image, count: 3, rng: &rng) }
        print("judge, 3 speckles of 1–3 px (\(imagesPerCurvePoint * 2) images): strict \(t.summary)")
        XCTAssertGreaterThanOrEqual(t.overall, 0.9)
    }

    func object(_ shape: Shape, _ color: ObjectColor, _ x: Float, _ y: Float) -> DetectedObject {
        DetectedObject(shape: shape, color: color, centroid: SIMD2(x, y), area: 60, pixelCount: 60,
                       bbox: BoundingBox(minX: Int(x) - 4, minY: Int(y) - 4, maxX: Int(x) + 4, maxY: Int(y) + 4))
    }

    func testPartialCreditRanksNearMissesBetweenMissesAndHits() throws {
        let three = try Caption.parse("three green circles")
        func check(_ objects: [DetectedObject], _ strict: Bool, _ partial: Float, _ why: String = "", line: UInt = #line) {
            let j = Judge.judge(three, objects: objects)
            XCTAssertEqual(j.strict, strict, why, line: line)
            XCTAssertEqual(j.partial, partial, accuracy: 1e-6, why, line: line)
        }
        let g = { (x: Float) in self.object(.circle, .green, x, 10) }
        check([g(5), g(15), g(25)], true, 1)
        check([g(5), g(15), g(25), object(.circle, .red, 5, 25)], true, 1, "other kinds do not count")
        check([g(5), g(15)], false, 2 / 3)
        check([g(5), g(15), g(25), g(5)], false, 2 / 3)
        check([g(5), g(15), object(.circle, .red, 5, 25)], false, 1 - 0.5 / 3, "wrong colour is half a miss")
        check([], false, 0)

        let attr = try Caption.parse("a red circle and a blue square")
        XCTAssertEqual(Judge.judge(attr, objects: [object(.circle, .blue, 5, 5), object(.square, .red, 20, 5)]).partial, 0.5)
        XCTAssertEqual(Judge.judge(attr, objects: [object(.circle, .red, 5, 5), object(.square, .red, 20, 5)]).partial, 0.75)
        XCTAssertEqual(Judge.judge(try Caption.parse("a circle"), objects: [object(.square, .red, 5, 5)]).partial, 0)
    }

    func testPositionNeedsTheMarginAlongItsAxisOnly() throws {
        let left = try Caption.parse("a red circle to the left of a blue square")
        let below = try Caption.parse("a red circle below a blue square")
        func judge(_ c: Caption, _ dx: Float, _ dy: Float) -> Judgement {
            Judge.judge(c, objects: [object(.circle, .red, 10, 10), object(.square, .blue, 10 + dx, 10 + dy)])
        }
        XCTAssertTrue(judge(left, 3.5, 12).strict, "a diagonal offset still counts, as in GenEval's per-axis test")
        XCTAssertFalse(judge(left, 2.5, 0).strict, "less than the margin")
        XCTAssertEqual(judge(left, -8, 0).partial, 2 / 3, accuracy: 1e-6)
        XCTAssertTrue(judge(below, 0, -4).strict)
        XCTAssertFalse(judge(below, 0, 4).strict)
        let twoReds = Judge.judge(left, objects: [object(.circle, .red, 2, 10), object(.circle, .red, 25, 10), object(.square, .blue, 14, 10)])
        XCTAssertFalse(twoReds.strict, "every red circle must be left of the blue square")
        XCTAssertEqual(twoReds.partial, (1 + 1 + 0.5) / 3, accuracy: 1e-6)
    }

    func testFailuresNameTheirKind() throws {
        let left = try Caption.parse("a red circle to the left of a blue square")
        func kinds(_ c: Caption, _ objects: [DetectedObject]) -> [JudgeFailure.Kind] {
            Judge.judge(c, objects: objects).failures.map(\.kind)
        }
        XCTAssertEqual(kinds(left, [object(.circle, .red, 5, 10), object(.square, .blue, 20, 10)]), [])
        XCTAssertEqual(kinds(left, [object(.circle, .red, 20, 10), object(.square, .blue, 5, 10)]), [.relation])
        XCTAssertEqual(kinds(left, [object(.circle, .red, 5, 10), object(.square, .green, 20, 10)]), [.color],
                       "no pair to place: the colour is the cause, not the relation")
        XCTAssertEqual(kinds(left, [object(.circle, .red, 5, 10), object(.circle, .blue, 20, 10)]), [.missing])
        XCTAssertEqual(kinds(try Caption.parse("two blue squares"), [object(.square, .blue, 5, 10)]), [.count])
        XCTAssertEqual(kinds(try Caption.parse("a red circle and a blue square"), []), [.missing, .missing])
    }
}

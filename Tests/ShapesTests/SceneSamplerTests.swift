import Foundation
import XCTest
import Tensor
import Shapes

final class SceneSamplerTests: XCTestCase {
    /// Boundary points of an object, from its definition rather than the library's geometry.
    func outline(_ o: SceneObject, points: Int = 96) -> [(Float, Float)] {
        let c = o.center, s = o.size
        let corners: [(Float, Float)]
        switch o.shape {
        case .circle:
            return (0..<points).map { k in
                let t = Float(k) / Float(points) * 2 * Float.pi
                return (c.x + s * cos(t), c.y + s * sin(t))
            }
        case .square: corners = [(-s, -s), (s, -s), (s, s), (-s, s)]
        case .triangle: corners = [(0, -s), (s, s), (-s, s)]
        }
        var out: [(Float, Float)] = []
        let per = points / corners.count
        for i in corners.indices {
            let a = corners[i], b = corners[(i + 1) % corners.count]
            for k in 0..<per {
                let t = Float(k) / Float(per)
                out.append((c.x + a.0 + t * (b.0 - a.0), c.y + a.1 + t * (b.1 - a.1)))
            }
        }
        return out
    }

    func contains(_ o: SceneObject, _ p: SIMD2<Float>) -> Bool {
        let d = p - o.center, s = o.size
        switch o.shape {
        case .circle: return (d * d).sum() <= s * s
        case .square: return abs(d.x) <= s && abs(d.y) <= s
        case .triangle: return d.y <= s && 2 * abs(d.x) - d.y <= s
        }
    }

    func minimumDistance(_ a: [(Float, Float)], _ b: [(Float, Float)]) -> Float {
        var best = Float.infinity
        for p in a { for q in b { best = min(best, (p.0 - q.0) * (p.0 - q.0) + (p.1 - q.1) * (p.1 - q.1)) } }
        return best.squareRoot()
    }

    func testSampledScenesKeepGapsMarginsSizesAndRelations() {
        #if DEBUG
        let n = 240
        #else
        let n = 3000
        #endif
        var rng = RNG(seed: 21)
        for i in 0..<n {
            let caption = CaptionSampler.sample(category: CaptionCategory.allCases[i % 6], rng: &rng)
            let scene = SceneSampler.sample(for: caption, rng: &rng)
            let objects = scene.objects
            let cap = SceneSampler.maxSize(objects: objects.count)
            for o in objects {
                XCTAssertGreaterThanOrEqual(o.size, SceneSampler.minSize)
                XCTAssertLessThanOrEqual(o.size, cap)
                XCTAssertGreaterThanOrEqual(min(o.center.x - o.size, o.center.y - o.size), SceneSampler.margin, "\(caption)")
                XCTAssertLessThanOrEqual(max(o.center.x + o.size, o.center.y + o.size), 32 - SceneSampler.margin, "\(caption)")
            }
            for a in objects.indices {
                for b in objects.indices where a < b {
                    // A convex object nested in another would have its centre inside it.
                    XCTAssertFalse(contains(objects[a], objects[b].center) || contains(objects[b], objects[a].center))
                    let gap = minimumDistance(outline(objects[a]), outline(objects[b]))
                    XCTAssertGreaterThanOrEqual(gap, SceneSampler.minGap, "\(caption): \(objects[a]) vs \(objects[b])")
                }
            }
            if let r = caption.relation {
                let a = objects[0].centroid, b = objects[1].centroid
                let along: Float
                switch r {
                case .leftOf: along = b.x - a.x
                case .rightOf: along = a.x - b.x
                case .above: along = b.y - a.y
                case .below: along = a.y - b.y
                }
                XCTAssertGreaterThanOrEqual(along, SceneSampler.minRelationSeparation, "\(caption)")
            }
        }
    }

    func testSampledScenesHoldExactlyTheCaptionsObjects() throws {
        var rng = RNG(seed: 22)
        for i in 0..<600 {
            let caption = CaptionSampler.sample(category: CaptionCategory.allCases[i % 6], rng: &rng)
            let scene = SceneSampler.sample(for: caption, rng: &rng)
            let total = caption.requirements.reduce(0) { $0 + $1.count }
            XCTAssertEqual(scene.objects.count, total, "\(caption)")
            var remaining = scene.objects
            for req in caption.requirements {
                for _ in 0..<req.count {
                    let k = try XCTUnwrap(remaining.firstIndex { $0.shape == req.shape && (req.color == nil || $0.color == req.color) },
                                          "\(caption): \(scene.objects)")
                    remaining.remove(at: k)
                }
            }
        }
    }

    func testSceneSamplingIsAPureFunctionOfTheSeed() {
        let caption = CaptionSampler.all(.counting).last!
        var r1 = RNG(seed: 9), r2 = RNG(seed: 9), r3 = RNG(seed: 10)
        let a = SceneSampler.sample(for: caption, rng: &r1)
        XCTAssertEqual(a, SceneSampler.sample(for: caption, rng: &r2))
        XCTAssertNotEqual(a, SceneSampler.sample(for: caption, rng: &r3))
    }

    func testCrowdedScenesStillVaryInSize() {
        var rng = RNG(seed: 23)
        let four = try! Caption.parse("four white squares")
        let sizes = (0..<50).flatMap { _ in SceneSampler.sample(for: four, rng: &rng).objects.map(\.size) }
        XCTAssertGreaterThan(sizes.max()! - sizes.min()!, 1, "four-object scenes collapse to one size")
    }
}

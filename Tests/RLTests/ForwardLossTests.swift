import Foundation
import XCTest
import Model
import Tensor
@testable import RL

/// The forward-process losses against float64 re-implementations written from the papers'
/// formulas: values, and gradients against central differences of those references.
final class ForwardLossTests: XCTestCase {
    /// A row's vectors: v_θ, v_old (near v_θ), v* — D elements, owned by the test.
    struct Vectors {
        var policy: [Float], old: [Float], target: [Float]
        init(D: Int, spread: Float, seed: UInt64) {
            var rng = RNG(seed: seed)
            target = (0..<D).map { _ in rng.normal() * 1.3 }
            old = target.map { $0 + 0.6 * rng.normal() }
            policy = old.map { $0 + spread * rng.normal() }
        }

        func evaluate(_ loss: any ForwardLoss, t: Float, advantage: Float) -> (ForwardRowOutput, [Float]) {
            var g = [Float](repeating: 0, count: policy.count)
            let out = policy.withUnsafeBufferPointer { v in
                old.withUnsafeBufferPointer { o in
                    target.withUnsafeBufferPointer { y in
                        g.withUnsafeMutableBufferPointer { G in
                            loss.evaluate(ForwardRow(policy: v.baseAddress!, old: o.baseAddress!, target: y.baseAddress!,
                                                     t: t, advantage: advantage, count: policy.count), gradient: G.baseAddress!)
                        }
                    }
                }
            }
            return (out, g)
        }
    }

    /// DiffusionNFT in float64 with the adaptive weights w⁺, w⁻ given (they are stop-gradient).
    static func nftReference(_ v: [Double], _ o: [Double], _ y: [Double], t: Double, a: Double, beta: Double,
                             aMax: Double, weights: (Double, Double)? = nil) -> (loss: Double, w: (Double, Double)) {
        let D = Double(v.count)
        let r = min(max(0.5 + 0.5 * a / aMax, 0), 1)
        // x̂ = x_t − t·v and x̂ − x₀ = t·(v* − v)
        let ep = (0..<v.count).map { t * (y[$0] - ((1 - beta) * o[$0] + beta * v[$0])) }
        let en = (0..<v.count).map { t * (y[$0] - ((1 + beta) * o[$0] - beta * v[$0])) }
        let w = weights ?? (max(ep.map(abs).reduce(0, +) / D, 1e-5), max(en.map(abs).reduce(0, +) / D, 1e-5))
        let pos = ep.map { $0 * $0 }.reduce(0, +) / D / w.0, neg = en.map { $0 * $0 }.reduce(0, +) / D / w.1
        return ((r * pos + (1 - r) * neg) / beta, w)
    }

    func testNFTLossMatchesItsFloat64ReferenceAndFiniteDifferences() {
        let D = 24
        for (beta, t, a) in [(Float(1), Float(0.7), Float(1.3)), (0.1, 0.25, -2.2), (1, 0.95, 6), (0.5, 0.4, -7), (1, 0.6, 0)] {
            let loss = NFTLoss(beta: beta, advantageMax: 5)
            let vec = Vectors(D: D, spread: 0.3, seed: UInt64(100 * t))
            let (out, g) = vec.evaluate(loss, t: t, advantage: a)
            let v = vec.policy.map(Double.init), o = vec.old.map(Double.init), y = vec.target.map(Double.init)
            let ref = Self.nftReference(v, o, y, t: Double(t), a: Double(a), beta: Double(beta), aMax: 5)
            XCTAssertEqual(out.loss, ref.loss, accuracy: 1e-5 * ref.loss, "β \(beta) t \(t) A \(a)")
            XCTAssertEqual(out.positive + out.negative, out.loss, accuracy: 1e-12)
            XCTAssertEqual(out.r, Double(min(max(0.5 + 0.5 * a / 5, 0), 1)), accuracy: 1e-7)
            // The loss with w held at its value is quadratic in v: central differences are exact up to rounding.
            let h = 1e-3
            for d in 0..<D {
                var up = v, down = v
                up[d] += h; down[d] -= h
                let fd = (Self.nftReference(up, o, y, t: Double(t), a: Double(a), beta: Double(beta), aMax: 5, weights: ref.w).loss
                          - Self.nftReference(down, o, y, t: Double(t), a: Double(a), beta: Double(beta), aMax: 5, weights: ref.w).loss) / (2 * h)
                XCTAssertEqual(Double(g[d]), fd, accuracy: 1e-5 + 1e-4 * abs(fd), "β \(beta) t \(t) A \(a) d \(d)")
            }
        }
    }

    /// At θ = old the gradient is the advantage-signed flow-matching gradient −(2t/D)(A/A_max)·e/w
    /// with e = t·(v* − v): positive samples are pulled toward their target, negative pushed away.
    func testNFTGradientOnPolicyIsTheAdvantageWeightedMatchingGradient() {
        let D = 16, t: Float = 0.5
        var vec = Vectors(D: D, spread: 0, seed: 3)
        vec.policy = vec.old
        for a: Float in [2.5, -1] {
            let (_, g) = vec.evaluate(NFTLoss(beta: 0.3, advantageMax: 5), t: t, advantage: a)
            let e = (0..<D).map { Double(t) * Double(vec.target[$0] - vec.old[$0]) }
            let w = e.map(abs).reduce(0, +) / Double(D)
            for d in 0..<D {
                let expected = -2 * Double(t) / Double(D) * Double(a) / 5 * e[d] / w
                XCTAssertEqual(Double(g[d]), expected, accuracy: 1e-6 * max(1, abs(expected)))
            }
        }
    }

    /// AWM in float64: the weighted matching log-likelihoods, the clipped surrogate and the old-KL term.
    static func awmReference(_ v: [Double], _ o: [Double], _ y: [Double], t: Double, a: Double,
                             loss: AWMLoss) -> Double {
        let D = Double(v.count)
        func meanSquare(_ x: [Double], _ z: [Double]) -> Double {
            var s = 0.0
            for i in x.indices { s += (x[i] - z[i]) * (x[i] - z[i]) }
            return s / D
        }
        func ell(_ x: [Double]) -> Double {
            let m: Double = meanSquare(x, y)
            switch loss.weighting {
            case .uniform: return -m
            case .t: return -t * m
            case .ghuber:
                let p = Double(loss.ghuberPower)
                return -(pow(m + 1e-10, p) - pow(1e-10, p)) * t / p
            }
        }
        let rho: Double = Foundation.exp(ell(v) - ell(o))
        let ah: Double = a / Double(loss.advantageMax), c = Double(loss.clip)
        let surrogate = max(-ah * rho, -ah * min(max(rho, 1 - c), 1 + c))
        let anchor: Double = meanSquare(v, o)
        return surrogate + Double(loss.oldKL) * anchor
    }

    func testAWMLossMatchesItsFloat64ReferenceAndFiniteDifferences() {
        let D = 24
        var clippedRows = 0
        defer { XCTAssertGreaterThan(clippedRows, 0, "the clipped branch is exercised") }
        for weighting in AWMLoss.Weighting.allCases {
            for (t, a, clip) in [(Float(0.8), Float(1.7), Float(1)), (0.3, -3.1, 1), (0.55, 2.4, 0.02), (0.9, -4, 0.02)] {
                let loss = AWMLoss(weighting: weighting, ghuberPower: 0.25, clip: clip, oldKL: 0.7, advantageMax: 5)
                let vec = Vectors(D: D, spread: 0.25, seed: UInt64(1000 * t))
                let (out, g) = vec.evaluate(loss, t: t, advantage: a)
                let v = vec.policy.map(Double.init), o = vec.old.map(Double.init), y = vec.target.map(Double.init)
                let ref = Self.awmReference(v, o, y, t: Double(t), a: Double(a), loss: loss)
                let name = "\(weighting) t \(t) A \(a) clip \(clip)"
                XCTAssertEqual(out.loss, ref, accuracy: 1e-5 * max(1, abs(ref)), name)
                let h = 1e-4
                for d in 0..<D {
                    var up = v, down = v
                    up[d] += h; down[d] -= h
                    let fd = (Self.awmReference(up, o, y, t: Double(t), a: Double(a), loss: loss)
                              - Self.awmReference(down, o, y, t: Double(t), a: Double(a), loss: loss)) / (2 * h)
                    XCTAssertEqual(Double(g[d]), fd, accuracy: 2e-5 + 1e-3 * abs(fd), "\(name) d \(d)")
                }
                // PPO's clip cuts a row only on the side its advantage pushes the ratio to.
                let c = Double(clip)
                XCTAssertEqual(out.clipped, (a > 0 && out.ratio > 1 + c) || (a < 0 && out.ratio < 1 - c), name)
                clippedRows += out.clipped ? 1 : 0
            }
        }
    }

    /// θ = old: ratio exactly 1, nothing clipped, no old-KL, and the gradient is −Â·∇ℓ_θ.
    func testAWMRatioIsOneOnPolicy() {
        var vec = Vectors(D: 16, spread: 0, seed: 9)
        vec.policy = vec.old
        let loss = AWMLoss(weighting: .ghuber, ghuberPower: 0.25, clip: 1e-6, oldKL: 1, advantageMax: 5)
        let (out, g) = vec.evaluate(loss, t: 0.6, advantage: 2)
        XCTAssertEqual(out.ratio, 1)
        XCTAssertFalse(out.clipped)
        XCTAssertEqual(out.anchor, 0)
        XCTAssertEqual(out.loss, -0.4, accuracy: 1e-7)
        XCTAssertTrue(g.allSatisfy { $0 != 0 })
    }

    func testTimestepSamplerDrawsStratifiedLevels() {
        var rng = RNG(seed: 4)
        let discrete = TimestepSampler(distribution: .discrete, draws: 3, steps: 10, shift: 3)
        let sig = Schedule.sigmas(steps: 10, shift: 3)
        for _ in 0..<50 {
            let ts = discrete.draw(&rng)
            XCTAssertEqual(ts.count, 3)
            // strata of k over 0 ..< 9: [0, 3), [3, 6), [6, 9)
            for (j, t) in ts.enumerated() {
                let k = try! XCTUnwrap(sig.firstIndex(of: t))
                XCTAssertTrue((3 * j)..<(3 * j + 3) ~= k, "draw \(j): k = \(k)")
            }
        }
        let uniform = TimestepSampler(distribution: .uniform, draws: 4, steps: 10, shift: 1)
        for _ in 0..<50 {
            for (j, t) in uniform.draw(&rng).enumerated() { XCTAssertTrue(Float(j) / 4 <= t && t < Float(j + 1) / 4) }
        }
        let logit = TimestepSampler(distribution: .logitNormal, draws: 200, steps: 10, shift: 1)
        let ts = logit.draw(&rng)
        XCTAssertTrue(ts.allSatisfy { $0 > 0 && $0 < 1 })
        XCTAssertEqual(ts.reduce(0, +) / 200, 0.5, accuracy: 0.05)
    }

    func testOldPolicyScheduleFollowsTheReferenceDecayTypes() {
        let type1 = OldPolicySchedule(start: 0, rate: 0.001, maximum: 0.5)
        XCTAssertEqual(type1.decay(afterSteps: 0), 0)
        XCTAssertEqual(type1.decay(afterSteps: 200), 0.2, accuracy: 1e-6)
        XCTAssertEqual(type1.decay(afterSteps: 5000), 0.5)
        let type2 = OldPolicySchedule(start: 75, rate: 0.0075, maximum: 0.999)
        XCTAssertEqual(type2.decay(afterSteps: 50), 0)
        XCTAssertEqual(type2.decay(afterSteps: 175), 0.75, accuracy: 1e-6)
        XCTAssertEqual(type2.decay(afterSteps: 10_000), 0.999)
    }
}

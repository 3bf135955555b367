import XCTest
import Model
@testable import RL

/// The SDE step, its log-prob, the schedule, advantages and the clipped surrogate against the
/// numpy oracle (DESIGN.md §2–3).
final class SDEStepTests: XCTestCase {
    func testScheduleMatchesReference() {
        let s = ReferenceCases.object("schedule")
        let expected = ReferenceCases.doubles(s["sigmas"])
        let sig = Schedule.sigmas(steps: 10, shift: 3)
        for (a, b) in zip(sig, expected) { XCTAssertEqual(Double(a), b, accuracy: 1e-6) }
    }

    func testSDEStepMatchesReferenceIncludingSigmaOne() {
        let sig = Schedule.sigmas(steps: 10, shift: 3)
        let cases = ReferenceCases.json["sde_steps"] as! [[String: Any]]
        XCTAssertEqual(cases.count, 3)
        for c in cases {
            let k = c["k"] as! Int
            let step = SDEStep(k: k, sigmas: sig, noiseLevel: Float(ReferenceCases.double(c["a"])))
            XCTAssertEqual(Double(step.dt), ReferenceCases.double(c["dt"]), accuracy: 1e-6, "dt at k=\(k)")
            XCTAssertEqual(Double(step.g), ReferenceCases.double(c["g"]), accuracy: 1e-5, "g at k=\(k)")
            XCTAssertEqual(Double(step.std), ReferenceCases.double(c["std"]), accuracy: 1e-6, "std at k=\(k)")
            let x = ReferenceCases.matrix(c["x"]), v = ReferenceCases.matrix(c["v"]), xi = ReferenceCases.matrix(c["xi"])
            let mu = ReferenceCases.matrix(c["mu"]), xn = ReferenceCases.matrix(c["x_next"])
            let lp = ReferenceCases.doubles(c["logp_mean"])
            for b in 0..<x.count {
                let D = x[b].count
                let xs = x[b].map(Float.init), vs = v[b].map(Float.init)
                var m = [Float](repeating: 0, count: D)
                step.mean(&m, x: xs, v: vs, count: D)
                let next = (0..<D).map { m[$0] + step.std * Float(xi[b][$0]) }
                for d in 0..<D {
                    XCTAssertEqual(Double(m[d]), mu[b][d], accuracy: 1e-5)
                    XCTAssertEqual(Double(next[d]), xn[b][d], accuracy: 1e-5)
                }
                XCTAssertEqual(Double(step.logProb(xNext: next, mu: m, count: D)), lp[b], accuracy: 1e-4, "logp k=\(k)")
            }
        }
    }

    /// The log-prob is the mean over elements of an independently written Gaussian log-density.
    func testLogProbIsMeanGaussianLogDensity() {
        let step = SDEStep(k: 2, sigmas: Schedule.sigmas(steps: 6, shift: 1), noiseLevel: 0.9)
        let mu: [Float] = [0.3, -1.2, 2.0, 0.0]
        let xn: [Float] = [0.5, -1.0, 1.7, 0.1]
        var expected = 0.0
        let s = Double(step.std)
        for i in 0..<4 {
            let z = Double(xn[i] - mu[i]) / s
            expected += log(exp(-0.5 * z * z) / (s * (2 * Double.pi).squareRoot()))
        }
        expected /= 4
        XCTAssertEqual(Double(step.logProb(xNext: xn, mu: mu, count: 4)), expected, accuracy: 1e-5)
    }

    func testGroupAdvantagesMatchReference() {
        let c = ReferenceCases.object("advantages")
        let rewards = ReferenceCases.matrix(c["rewards"]).flatMap { $0.map(Float.init) }
        let expected = ReferenceCases.matrix(c["advantages"]).flatMap { $0 }
        let r = Advantages.compute(rewards: rewards, groupSize: 4)
        for (a, e) in zip(r.values, expected) { XCTAssertEqual(Double(a), e, accuracy: 1e-4) }
        XCTAssertEqual(Double(r.zeroStdRatio), ReferenceCases.double(c["zero_std_ratio"]), accuracy: 1e-6)
    }

    func testClippedSurrogateMatchesReference() {
        let c = ReferenceCases.object("clipped_loss")
        let A = ReferenceCases.doubles(c["A"]), rho = ReferenceCases.doubles(c["ratio"])
        let eps = Float(ReferenceCases.double(c["eps"]))
        let loss = ReferenceCases.doubles(c["loss"]), grad = ReferenceCases.doubles(c["dloss_dlogp"])
        let clipped = c["clipped"] as! [Bool]
        for i in 0..<A.count {
            let (l, dRho, cut) = clippedSurrogate(advantage: Float(A[i]), ratio: Float(rho[i]), lower: 1 - eps, upper: 1 + eps)
            XCTAssertEqual(Double(l), loss[i], accuracy: 1e-6)
            XCTAssertEqual(Double(dRho * Float(rho[i])), grad[i], accuracy: 1e-6)   // dL/dlogp = dL/dρ · ρ
            XCTAssertEqual(cut, clipped[i], "row \(i)")
        }
    }

    /// Flow-GRPO's loss gradient w.r.t. log p matches finite differences.
    func testFlowGRPOLossGradientMatchesFiniteDifferences() {
        let loss = FlowGRPOLoss(epsilon: 0.05)
        var b = PolicyBatch(advantages: [1.2, -0.7, 0.4, -1.5], logpNew: [0.01, -0.02, 0.2, -0.3], logpOld: [0, 0, 0, 0],
                            meanSquaredShift: [0, 0, 0, 0], std: [1, 1, 1, 1], dt: [-0.1, -0.1, -0.1, -0.1],
                            step: [0, 1, 0, 1], trajectory: [0, 0, 1, 1], stepsPerTrajectory: 2)
        let g = loss.evaluate(b).dLogp
        for r in 0..<4 {
            let h: Float = 1e-3
            let orig = b.logpNew[r]
            b.logpNew[r] = orig + h; let lp = loss.evaluate(b).loss
            b.logpNew[r] = orig - h; let lm = loss.evaluate(b).loss
            b.logpNew[r] = orig
            XCTAssertEqual(g[r], (lp - lm) / (2 * h), accuracy: 1e-3, "row \(r)")
        }
        // rows 2 and 3 are outside the trust region on the side their advantage pushes: no gradient
        XCTAssertEqual(g[2], 0); XCTAssertEqual(g[3], 0)
    }
}

import Foundation
import XCTest
import Model
import Tensor
@testable import RL

/// Synthetic mini-batches for the policy losses: `trajectories` × K rows, trajectory-major, with
/// the real schedule's s_k and dt_k (T = 10, shift 3, a = 0.7).
enum LossBatches {
    static let steps: [SDEStep] = {
        let sig = Schedule.sigmas(steps: 10, shift: 3)
        return (0..<9).map { SDEStep(k: $0, sigmas: sig, noiseLevel: 0.7) }
    }()

    /// Rows grouped in units of `unitSteps` steps (the ratio unit of the loss under test; 1 for
    /// per-step losses). Each unit's (normalised, for `ratioNorm`) log-ratio is drawn from ±`spread`
    /// at least `margin` away from log of the clip `bounds`, so finite differences never straddle a
    /// kink; the unit's rows scatter around it by up to ±`spread` with zero mean.
    static func random(trajectories: Int, K: Int = 9, unitSteps: Int = 1, spread: Float, bounds: (Float, Float),
                       ratioNorm: Bool = false, margin: Float = 0.01, seed: UInt64) -> PolicyBatch {
        var rng = RNG(seed: seed)
        var b = empty(K: K)
        func uniform() -> Float { spread * (2 * Float(rng.uniform()) - 1) }
        for j in 0..<trajectories {
            let a = Float(rng.normal())
            for start in stride(from: 0, to: K, by: unitSteps) {
                let n = min(unitSteps, K - start)
                var target: Float
                repeat { target = uniform() } while abs(target - logf(bounds.0)) < margin || abs(target - logf(bounds.1)) < margin
                var dev = n == 1 ? [0] : (0..<n).map { _ in uniform() }
                let mean = dev.reduce(0, +) / Float(n)
                dev = dev.map { $0 - mean }
                for i in 0..<n {
                    let k = start + i, step = steps[k % steps.count]
                    let msd = 1e-3 * Float(rng.uniform()) * step.std * step.std
                    let old = -1.3 + 0.1 * Float(rng.normal())
                    // Pick log p_θ so that the loss's own log-ratio is the drawn one.
                    let lr = target + dev[i]
                    let raw = ratioNorm ? lr / step.std - RatioNorm.shift(meanSquaredShift: msd, std: step.std) : lr
                    append(&b, a: a, logpNew: old + raw, logpOld: old, msd: msd, step: step, k: k, j: j)
                }
            }
        }
        return b
    }

    /// θ = θ_old: every row's log p_θ equals log p_old and μ_θ = μ_old.
    static func onPolicy(trajectories: Int, K: Int = 9, seed: UInt64) -> PolicyBatch {
        var rng = RNG(seed: seed)
        var b = empty(K: K)
        for j in 0..<trajectories {
            let a = Float(rng.normal())
            for k in 0..<K {
                let old = -1.3 + 0.1 * Float(rng.normal())
                append(&b, a: a, logpNew: old, logpOld: old, msd: 0, step: steps[k], k: k, j: j)
            }
        }
        return b
    }

    static func empty(K: Int) -> PolicyBatch {
        PolicyBatch(advantages: [], logpNew: [], logpOld: [], meanSquaredShift: [], std: [], dt: [], step: [],
                    trajectory: [], stepsPerTrajectory: K)
    }

    static func append(_ b: inout PolicyBatch, a: Float, logpNew: Float, logpOld: Float, msd: Float, step: SDEStep, k: Int, j: Int) {
        b.advantages.append(a); b.logpNew.append(logpNew); b.logpOld.append(logpOld); b.meanSquaredShift.append(msd)
        b.std.append(step.std); b.dt.append(step.dt); b.step.append(k); b.trajectory.append(j)
    }

    /// Every registered loss, configured for tests with a wide ε.
    static func allLosses(epsilon: Float = 0.05) throws -> [any PolicyLoss] {
        var cfg = TrainConfig()
        cfg.clipEpsilon = epsilon
        return try PolicyLosses.known.map { try PolicyLosses.make($0, config: cfg) }
    }
}

final class PolicyLossTests: XCTestCase {
    func testRegistryMakesEveryKnownLossAndNamesUnknownOnes() throws {
        for name in PolicyLosses.known {
            XCTAssertEqual(try PolicyLosses.make(name, config: TrainConfig()).name, name)
        }
        XCTAssertThrowsError(try PolicyLosses.make("ppo2", config: TrainConfig())) { e in
            XCTAssertTrue("\(e)".contains("ppo2"), "\(e)")
        }
    }

    /// θ = θ_old: every variant judges every row by ratio exactly 1 and clips nothing, even with
    /// Guard's tiny ε and BAPO's asymmetric bounds.
    func testEveryLossGivesUnitRatioAndNoClippingOnPolicy() throws {
        let b = LossBatches.onPolicy(trajectories: 4, seed: 1)
        var cfg = TrainConfig()
        for name in PolicyLosses.known {
            cfg.algo = name
            PolicyLosses.applyDefaults(to: &cfg, explicit: [])
            let out = try PolicyLosses.make(name, config: cfg).evaluate(b)
            XCTAssertEqual(out.logRatio, [Float](repeating: 0, count: b.count), name)
            XCTAssertFalse(out.clipped.contains(true), name)
            XCTAssertTrue(out.dLogp.allSatisfy { $0 != 0 }, "\(name): every on-policy row carries gradient")
        }
    }

    /// dL/dlogp_new and dL/d(meanSquaredShift) of every loss match central differences of its loss.
    func testEveryLossGradientMatchesFiniteDifferences() throws {
        var losses = try LossBatches.allLosses()
        for (norm, rew) in [(true, false), (false, true), (false, false)] {
            losses.append(GRPOGuardLoss(epsilon: 0.05, ratioNorm: norm, reweight: rew))
        }
        var bapo = BAPOLoss(epsilon: 0.05, target: 0.5)
        bapo.state = ["bapo_epsilon_low": 0.04, "bapo_epsilon_high": 0.2]   // moved, asymmetric bounds
        losses.append(bapo)
        for loss in losses {
            let unit: Int
            switch loss {
            case is GSPOLoss: unit = 5
            case let l as SSPOLoss: unit = l.segmentSteps
            case let l as STPPOLoss: unit = l.segmentSteps
            default: unit = 1
            }
            let ratioNorm = (loss as? GRPOGuardLoss)?.ratioNorm ?? false
            var b = LossBatches.random(trajectories: 6, K: 5, unitSteps: unit, spread: 0.12,
                                       bounds: (loss.clipBounds.lower, loss.clipBounds.upper), ratioNorm: ratioNorm, seed: 7)
            let frozen = (loss as? STPPOLoss)?.weights(b)
            func value(_ b: PolicyBatch) -> Double {
                if let st = loss as? STPPOLoss, let w = frozen { return Double(st.evaluate(b, frozenWeights: w).loss) }
                return Double(loss.evaluate(b).loss)
            }
            let out = loss.evaluate(b)
            XCTAssertTrue(out.clipped.contains(true) && out.clipped.contains(false), "\(loss.name): both branches exercised")
            if let w = frozen { XCTAssertTrue(w.contains { $0 < 1 }, "st-ppo: some rows down-weighted") }
            for r in 0..<b.count {
                let h: Float = 2e-4
                let lp = b.logpNew[r]
                b.logpNew[r] = lp + h; let up = value(b)
                b.logpNew[r] = lp - h; let down = value(b)
                b.logpNew[r] = lp
                XCTAssertEqual(Double(out.dLogp[r]), (up - down) / Double(2 * h), accuracy: 2e-4, "\(loss.name) dLogp row \(r)")
                let m = b.meanSquaredShift[r]
                b.meanSquaredShift[r] = m + h; let upS = value(b)
                b.meanSquaredShift[r] = m - h; let downS = value(b)
                b.meanSquaredShift[r] = m
                XCTAssertEqual(Double(out.dShift[r]), (upS - downS) / Double(2 * h), accuracy: 2e-4, "\(loss.name) dShift row \(r)")
            }
        }
    }

    /// Segments of one step are Flow-GRPO and segments spanning the trajectory are GSPO, bit for bit.
    func testSegmentRatioSpansFlowGRPOToGSPO() {
        let b = LossBatches.random(trajectories: 4, spread: 0.1, bounds: (0.95, 1.05), seed: 3)
        let flow = FlowGRPOLoss(epsilon: 0.05).evaluate(b), gspo = GSPOLoss(epsilon: 0.05).evaluate(b)
        let one = SSPOLoss(epsilon: 0.05, segmentSteps: 1).evaluate(b), all = SSPOLoss(epsilon: 0.05, segmentSteps: 9).evaluate(b)
        XCTAssertEqual(one.loss, flow.loss); XCTAssertEqual(one.dLogp, flow.dLogp); XCTAssertEqual(one.clipped, flow.clipped)
        XCTAssertEqual(all.loss, gspo.loss); XCTAssertEqual(all.dLogp, gspo.dLogp); XCTAssertEqual(all.clipped, gspo.clipped)
        XCTAssertNotEqual(gspo.loss, flow.loss)
    }

    /// GSPO: one ratio per trajectory (geometric mean of its steps), clipped as a whole, and every
    /// row of an unclipped trajectory gets 1/K of the trajectory's gradient.
    func testGSPOJudgesWholeTrajectoriesByTheGeometricMeanRatio() {
        var b = LossBatches.empty(K: 3)
        let steps = LossBatches.steps
        // Trajectory 0 (A > 0): step log-ratios 0.3, −0.2, −0.04 → mean 0.02 < ε: kept.
        // Trajectory 1 (A > 0): 0.1, 0.1, 0.1 → mean 0.1 > ε: the whole trajectory is clipped.
        for (j, lrs) in [[0.3, -0.2, -0.04], [0.1, 0.1, 0.1]].enumerated() {
            for (k, lr) in lrs.enumerated() {
                LossBatches.append(&b, a: 1, logpNew: Float(lr) - 1, logpOld: -1, msd: 0, step: steps[k], k: k, j: j)
            }
        }
        let out = GSPOLoss(epsilon: 0.05).evaluate(b)
        for r in 0..<3 {
            XCTAssertEqual(out.logRatio[r], 0.02, accuracy: 1e-6)
            XCTAssertFalse(out.clipped[r])
            XCTAssertEqual(out.dLogp[r], -expf(0.02) / 6, accuracy: 1e-6)   // −A·s_i/N with N = 6 rows
        }
        for r in 3..<6 { XCTAssertTrue(out.clipped[r]); XCTAssertEqual(out.dLogp[r], 0) }
        // Per step, Flow-GRPO would have clipped row 0 (0.3) and row 3..5 alike, and kept rows 1, 2.
        XCTAssertEqual(FlowGRPOLoss(epsilon: 0.05).evaluate(b).clipped, [true, false, false, true, true, true])
    }

    /// ST-PPO leaves units within τ·ε of ratio 1 alone and scales the gradient of units further out
    /// by τε/|log ρ|, so a far off-policy unit cannot dominate.
    func testSTPPODownWeightsOnlyFarOffPolicyUnits() {
        var b = LossBatches.empty(K: 1)
        let lrs: [Float] = [0.01, -0.09, -0.4, 0.5]   // A < 0 throughout: ρ ≫ 1 rows keep −A·ρ gradients in PPO
        for (j, lr) in lrs.enumerated() {
            LossBatches.append(&b, a: -1, logpNew: lr - 1, logpOld: -1, msd: 0, step: LossBatches.steps[0], k: 0, j: j)
        }
        let st = STPPOLoss(epsilon: 0.05, segmentSteps: 1, tolerance: 2)
        let w = st.weights(b)
        XCTAssertEqual(w[0], 1); XCTAssertEqual(w[1], 1)
        XCTAssertEqual(w[2], 0.1 / 0.4, accuracy: 1e-6); XCTAssertEqual(w[3], 0.1 / 0.5, accuracy: 1e-6)
        let plain = FlowGRPOLoss(epsilon: 0.05).evaluate(b), out = st.evaluate(b)
        XCTAssertEqual(out.dLogp[0], plain.dLogp[0])
        XCTAssertEqual(out.dLogp[3], plain.dLogp[3] * 0.2, accuracy: 1e-7)
        XCTAssertGreaterThan(abs(plain.dLogp[3]), abs(plain.dLogp[0]))   // the unweighted far row dominates
        XCTAssertLessThan(abs(out.dLogp[3]), abs(plain.dLogp[0]))         // the weighted one does not
        XCTAssertEqual(out.weight, w)
    }

    /// BAPO: when negative-advantage rows dominate, the lower bound rises first (ε_low shrinks to
    /// its minimum), then the upper bound opens; when positives dominate, the bounds go back
    /// toward their start, never past it.
    func testBAPOBoundsMoveTowardTheTargetShare() {
        var bapo = BAPOLoss(epsilon: 0.01, target: 0.5)
        XCTAssertEqual(bapo.epsilonLow, 0.02, accuracy: 1e-7); XCTAssertEqual(bapo.epsilonHigh, 0.01, accuracy: 1e-7)
        var negative = LossBatches.empty(K: 1), positive = LossBatches.empty(K: 1)
        for j in 0..<6 {
            LossBatches.append(&negative, a: j < 5 ? -1 : 1, logpNew: -1, logpOld: -1, msd: 0, step: LossBatches.steps[0], k: 0, j: j)
            LossBatches.append(&positive, a: j < 5 ? 1 : -1, logpNew: -1, logpOld: -1, msd: 0, step: LossBatches.steps[0], k: 0, j: j)
        }
        func iterate(_ b: PolicyBatch) { bapo.endIteration(batches: [b], outputs: [bapo.evaluate(b)]) }
        var lows: [Float] = [bapo.epsilonLow], highs: [Float] = [bapo.epsilonHigh]
        for _ in 0..<50 { iterate(negative); lows.append(bapo.epsilonLow); highs.append(bapo.epsilonHigh) }
        XCTAssertEqual(bapo.positiveShare, 1.0 / 6, accuracy: 1e-6)
        XCTAssertEqual(lows.last!, bapo.lowRange.lowerBound, accuracy: 1e-7)
        XCTAssertEqual(highs.last!, bapo.highRange.upperBound, accuracy: 1e-6)
        for i in 1..<lows.count {
            XCTAssertLessThanOrEqual(lows[i], lows[i - 1]); XCTAssertGreaterThanOrEqual(highs[i], highs[i - 1])
            XCTAssertTrue(highs[i] == highs[0] || lows[i] == bapo.lowRange.lowerBound, "upper bound opens only after the lower one is spent")
        }
        for _ in 0..<100 { iterate(positive) }
        XCTAssertEqual(bapo.epsilonHigh, 0.01, accuracy: 1e-6); XCTAssertEqual(bapo.epsilonLow, 0.02, accuracy: 1e-6)
        let lower = bapo.clipBounds.lower, upper = bapo.clipBounds.upper
        XCTAssertEqual(lower, 0.98, accuracy: 1e-6); XCTAssertEqual(upper, 1.01, accuracy: 1e-6)
    }

    /// BAPO's adaptive state survives `state` get/set, and values from a checkpoint are clamped
    /// into the ranges of the current ε.
    func testBAPOStateRoundTrips() {
        var a = BAPOLoss(epsilon: 0.01, target: 0.4)
        var b = LossBatches.empty(K: 1)
        for j in 0..<4 { LossBatches.append(&b, a: j == 0 ? 1 : -1, logpNew: -1, logpOld: -1, msd: 0, step: LossBatches.steps[0], k: 0, j: j) }
        for _ in 0..<9 { a.endIteration(batches: [b], outputs: [a.evaluate(b)]) }
        var restored = BAPOLoss(epsilon: 0.01, target: 0.4)
        restored.state = a.state
        XCTAssertEqual(restored.state, a.state)
        XCTAssertEqual(restored.clipBounds.lower, a.clipBounds.lower); XCTAssertEqual(restored.clipBounds.upper, a.clipBounds.upper)
        restored.state = ["bapo_epsilon_low": 5, "bapo_epsilon_high": .nan]
        XCTAssertEqual(restored.epsilonLow, restored.lowRange.upperBound)
        XCTAssertEqual(restored.epsilonHigh, a.epsilonHigh)
    }
}

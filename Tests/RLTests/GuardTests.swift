import Foundation
import XCTest
import Model
import Tensor
@testable import RL

/// GRPO-Guard: RatioNorm, 1/|dt| reweighting, their switches and defaults (DESIGN.md §3).
final class GuardTests: XCTestCase {
    /// RatioNorm on the oracle's rollout (make_cases.py "ratio_norm"): float32 log-probs from
    /// `SDEStep.logProb`, b_k, the vanilla ratio and the normalised ratio per sample.
    func testRatioNormMatchesReference() {
        let c = ReferenceCases.object("ratio_norm")
        let k = Int(ReferenceCases.double(c["k"]))
        let step = SDEStep(k: k, sigmas: Schedule.sigmas(steps: 10, shift: 3), noiseLevel: 0.7)
        XCTAssertEqual(Double(step.std), ReferenceCases.double(c["std"]), accuracy: 1e-6)
        let xNext = ReferenceCases.matrix(c["x_next"]), muOld = ReferenceCases.matrix(c["mu_old"])
        let muTheta = ReferenceCases.matrix(c["mu_theta"])
        let logpOld = ReferenceCases.doubles(c["logp_old"]), logpTheta = ReferenceCases.doubles(c["logp_theta"])
        let b = ReferenceCases.doubles(c["shift_b"])
        let vanilla = ReferenceCases.doubles(c["ratio_vanilla"]), normed = ReferenceCases.doubles(c["ratio_norm"])
        for i in 0..<xNext.count {
            let x = xNext[i].map(Float.init), mo = muOld[i].map(Float.init), mt = muTheta[i].map(Float.init)
            let lpOld = step.logProb(xNext: x, mu: mo, count: x.count)
            let lpTheta = step.logProb(xNext: x, mu: mt, count: x.count)
            XCTAssertEqual(Double(lpOld), logpOld[i], accuracy: 1e-5)
            XCTAssertEqual(Double(lpTheta), logpTheta[i], accuracy: 1e-5)
            let msd = Float(zip(mt, mo).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) } / Double(x.count))
            XCTAssertEqual(Double(RatioNorm.shift(meanSquaredShift: msd, std: step.std)), b[i], accuracy: 1e-6)
            XCTAssertEqual(Double(expf(lpTheta - lpOld)), vanilla[i], accuracy: 2e-6)
            let logRatio = RatioNorm.logRatio(logpNew: lpTheta, logpOld: lpOld, meanSquaredShift: msd, std: step.std)
            XCTAssertEqual(Double(expf(logRatio)), normed[i], accuracy: 2e-6)
        }
    }

    /// ρ̂ = exp(s·(logp_θ − logp_old + b)) = exp(mean_d(Δμ_d·ξ_d)) in float32 at our D = 3072, for
    /// every trained step of the real schedule, with x' = μ_old + s·ξ.
    func testNormalisedRatioIsExpOfMeanShiftTimesNoise() {
        let sigmas = Schedule.sigmas(steps: 10, shift: 3), D = 3072
        var rng = RNG(seed: 11)
        for k in 0..<9 {
            let step = SDEStep(k: k, sigmas: sigmas, noiseLevel: 0.7)
            var muOld = [Float](repeating: 0, count: D), xi = muOld, muTheta = muOld, xNext = muOld
            for d in 0..<D {
                muOld[d] = Float(rng.normal()); xi[d] = Float(rng.normal())
                muTheta[d] = muOld[d] + 0.03 * (0.3 * xi[d] + Float(rng.normal()))   // Δμ partly along ξ
                xNext[d] = muOld[d] + step.std * xi[d]
            }
            let lpOld = step.logProb(xNext: xNext, mu: muOld, count: D)
            let lpTheta = step.logProb(xNext: xNext, mu: muTheta, count: D)
            var msd = 0.0, projection = 0.0
            for d in 0..<D {
                let dm = Double(muTheta[d] - muOld[d])
                msd += dm * dm; projection += dm * Double(xi[d])
            }
            msd /= Double(D); projection /= Double(D)
            let logRatio = RatioNorm.logRatio(logpNew: lpTheta, logpOld: lpOld, meanSquaredShift: Float(msd), std: step.std)
            XCTAssertEqual(Double(logRatio), projection, accuracy: 1e-6, "step \(k)")
            XCTAssertGreaterThan(projection, 1e-3, "step \(k): the identity is tested away from 0")
        }
    }

    /// Flow-GRPO's per-step log-ratio is shifted left by b_k, by an amount that differs ~10× across
    /// steps, while RatioNorm's is centred on 0 at every step (the paper's "left-shifted ratio").
    func testRatioNormCentresTheLeftShiftedRatio() {
        let sigmas = Schedule.sigmas(steps: 10, shift: 3), D = 3072, rows = 64
        var rng = RNG(seed: 12)
        var vanillaMeans: [Double] = []
        for k in [0, 8] {
            let step = SDEStep(k: k, sigmas: sigmas, noiseLevel: 0.7)
            var vanilla = 0.0, normed = 0.0
            for _ in 0..<rows {
                var muOld = [Float](repeating: 0, count: D), muTheta = muOld, xNext = muOld
                var msd = 0.0
                for d in 0..<D {
                    muOld[d] = Float(rng.normal())
                    muTheta[d] = muOld[d] + 0.05 * Float(rng.normal())   // a policy update unrelated to this ξ
                    xNext[d] = muOld[d] + step.std * Float(rng.normal())
                    let dm = Double(muTheta[d] - muOld[d]); msd += dm * dm
                }
                let lr = step.logProb(xNext: xNext, mu: muTheta, count: D) - step.logProb(xNext: xNext, mu: muOld, count: D)
                vanilla += Double(lr)
                normed += Double(RatioNorm.logRatio(logpNew: lr, logpOld: 0, meanSquaredShift: Float(msd / Double(D)), std: step.std))
            }
            vanillaMeans.append(vanilla / Double(rows))
            XCTAssertLessThan(vanilla / Double(rows), -1e-3, "step \(k): Flow-GRPO's log ρ is shifted left")
            // noise of the mean: 0.05/√D/√rows ≈ 1.1e-4; the vanilla shift is 2.6e-3 (k = 0) … 1.9e-2 (k = 8)
            XCTAssertEqual(normed / Double(rows), 0, accuracy: 5e-4, "step \(k): RatioNorm is centred")
        }
        XCTAssertGreaterThan(vanillaMeans[1] / vanillaMeans[0], 5, "the shift is step-dependent (b ∝ 1/s², s 0.70 → 0.26)")
    }

    /// 1/|dt| weights over the trained steps, normalised to mean 1, equal the oracle's (make_cases.py "reweight").
    func testReweightingWeightsMatchReference() {
        let c = ReferenceCases.object("reweight")
        let expected = ReferenceCases.doubles(c["weights"])
        let K = Int(ReferenceCases.double(c["trained_steps"]))
        XCTAssertEqual(RolloutOptions(steps: 10, shift: 3, noiseLevel: 0.7, cfgScale: 1).trainedSteps, K)
        let sigmas = Schedule.sigmas(steps: Int(ReferenceCases.double(c["T"])), shift: 3)
        let dt = (0..<K).map { SDEStep(k: $0, sigmas: sigmas, noiseLevel: 0.7).dt }
        for (w, e) in zip(StepReweighting.weights(dt: dt), expected) { XCTAssertEqual(Double(w), e, accuracy: 1e-5) }
        let b = LossBatches.onPolicy(trajectories: 3, K: K, seed: 2)
        for (r, w) in StepReweighting.rowWeights(b).enumerated() { XCTAssertEqual(Double(w), expected[b.step[r]], accuracy: 1e-5) }
        let out = GRPOGuardLoss(epsilon: 1e-5).evaluate(b)
        for (r, w) in out.weight.enumerated() { XCTAssertEqual(Double(w), expected[b.step[r]], accuracy: 1e-5) }
    }

    /// Two steps whose dt differ 20× (vCoef ∝ dt): the gradient that reaches the velocity network
    /// from each step, by the trainer's formula dL/dv = vCoef·[dLogp·(x'−μ_θ)/(s²D) + 2·dShift·Δμ/D],
    /// differs 20× under RatioNorm alone and is equal once the 1/|dt| reweighting is on.
    func testReweightingEqualisesPerStepGradientNorms() {
        let D = 64, trajectories = 4
        let dts: [Float] = [-0.01, -0.2], stds: [Float] = [0.3, 0.6]
        var rng = RNG(seed: 13)
        var b = LossBatches.empty(K: 2)
        var xNext: [[Float]] = [], muTheta: [[Float]] = [], muOld: [[Float]] = []
        for j in 0..<trajectories {
            let a = Float(rng.normal())
            let xi = (0..<D).map { _ in Float(rng.normal()) }, dm = (0..<D).map { _ in 0.02 * Float(rng.normal()) }
            let base = (0..<D).map { _ in Float(rng.normal()) }
            for k in 0..<2 {   // both steps of a trajectory see the same ξ and Δμ: only dt and s differ
                let s = stds[k]
                let mo = base, mt = zip(base, dm).map { $0 + $1 }, x = zip(base, xi).map { $0 + s * $1 }
                let lpOld = Self.logProb(x, mo, s), lpTheta = Self.logProb(x, mt, s)
                let msd = zip(mt, mo).reduce(Float(0)) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Float(D)
                b.advantages.append(a); b.logpNew.append(lpTheta); b.logpOld.append(lpOld); b.meanSquaredShift.append(msd)
                b.std.append(s); b.dt.append(dts[k]); b.step.append(k); b.trajectory.append(j)
                xNext.append(x); muTheta.append(mt); muOld.append(mo)
            }
        }
        func stepNorms(_ loss: GRPOGuardLoss) -> [Double] {
            let out = loss.evaluate(b)
            var sq = [0.0, 0.0]
            for r in 0..<b.count {
                let s2 = b.std[r] * b.std[r], vCoef = b.dt[r]
                for d in 0..<D {
                    let g = vCoef * (out.dLogp[r] * (xNext[r][d] - muTheta[r][d]) / (s2 * Float(D))
                                     + 2 * out.dShift[r] * (muTheta[r][d] - muOld[r][d]) / Float(D))
                    sq[b.step[r]] += Double(g * g)
                }
            }
            return sq.map { $0.squareRoot() }
        }
        let plain = stepNorms(GRPOGuardLoss(epsilon: 10, ratioNorm: true, reweight: false))
        let weighted = stepNorms(GRPOGuardLoss(epsilon: 10, ratioNorm: true, reweight: true))
        XCTAssertEqual(plain[1] / plain[0], 20, accuracy: 0.01)
        XCTAssertEqual(weighted[1] / weighted[0], 1, accuracy: 1e-3)
    }

    /// With both switches off GRPO-Guard is Flow-GRPO, bit for bit (clipped rows included).
    func testGuardWithBothSwitchesOffIsFlowGRPO() {
        let b = LossBatches.random(trajectories: 4, spread: 0.1, bounds: (0.95, 1.05), seed: 5)
        let guardOut = GRPOGuardLoss(epsilon: 0.05, ratioNorm: false, reweight: false).evaluate(b)
        let flow = FlowGRPOLoss(epsilon: 0.05).evaluate(b)
        XCTAssertEqual(guardOut.loss, flow.loss); XCTAssertEqual(guardOut.dLogp, flow.dLogp)
        XCTAssertEqual(guardOut.dShift, flow.dShift); XCTAssertEqual(guardOut.logRatio, flow.logRatio)
        XCTAssertEqual(guardOut.clipped, flow.clipped); XCTAssertEqual(guardOut.weight, flow.weight)
        XCTAssertTrue(flow.clipped.contains(true))
        // Each switch alone changes the result.
        XCTAssertNotEqual(GRPOGuardLoss(epsilon: 0.05, ratioNorm: true, reweight: false).evaluate(b).dLogp, flow.dLogp)
        XCTAssertNotEqual(GRPOGuardLoss(epsilon: 0.05, ratioNorm: false, reweight: true).evaluate(b).dLogp, flow.dLogp)
    }

    /// β_KL and ε default per algorithm unless the user set them; RatioNorm off restores Flow-GRPO's ε.
    func testAlgorithmDefaultsApplyOnlyToUnsetKeys() {
        var cfg = TrainConfig()
        cfg.algo = "grpo-guard"
        PolicyLosses.applyDefaults(to: &cfg, explicit: [])
        XCTAssertEqual(cfg.klBeta, 0); XCTAssertEqual(cfg.clipEpsilon, PolicyLosses.guardClipEpsilon)
        cfg.klBeta = 0.02; cfg.clipEpsilon = 3e-5
        PolicyLosses.applyDefaults(to: &cfg, explicit: ["kl_beta", "clip_epsilon"])
        XCTAssertEqual(cfg.klBeta, 0.02); XCTAssertEqual(cfg.clipEpsilon, 3e-5)
        cfg.ratioNorm = false
        PolicyLosses.applyDefaults(to: &cfg, explicit: ["kl_beta"])
        XCTAssertEqual(cfg.clipEpsilon, TrainConfig().clipEpsilon)
        cfg.algo = "flow-grpo"
        PolicyLosses.applyDefaults(to: &cfg, explicit: [])
        XCTAssertEqual(cfg.klBeta, TrainConfig().klBeta); XCTAssertEqual(cfg.clipEpsilon, TrainConfig().clipEpsilon)
    }

    /// The design's log-density (mean over elements), in double, for hand-made steps.
    static func logProb(_ x: [Float], _ mu: [Float], _ s: Float) -> Float {
        let sq = zip(x, mu).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
        return Float(-sq / Double(x.count) / (2 * Double(s) * Double(s)) - log(Double(s)) - 0.5 * log(2 * Double.pi))
    }
}

import Foundation
import Model
import NN
import Tensor

extension GRPOTrainer {
    /// One optimizer update on the trained steps of `members` (trajectory indices of `batch`).
    /// Returns the loss's view of the rows, or nil when the update was skipped (non-finite).
    func update(_ batch: RolloutBatch, members: [Int], advantages: [Float], perStepGradNorms: Bool,
                stats: inout IterationStats) throws -> (PolicyBatch, PolicyLossOutput)? {
        let K = batch.trainedSteps, D = batch.elements, L = batch.tokenCount
        let R = members.count * K
        let guided = config.rolloutCFG != 1, s = config.rolloutCFG
        let rows = guided ? 2 * R : R
        // Inputs: row r = (trajectory j, step k), trajectory-major so sequence losses can group rows.
        var x = [Float](repeating: 0, count: rows * D)
        var sigma = [Float](repeating: 0, count: rows)
        var tokens = [Int32](repeating: 0, count: rows * L)
        for (j, i) in members.enumerated() {
            for k in 0..<K {
                let r = j * K + k
                let o = batch.stateOffset(i, k)
                x.replaceSubrange((r * D)..<((r + 1) * D), with: batch.states[o..<(o + D)])
                sigma[r] = batch.stepInfo[k].sigma
                tokens.replaceSubrange((r * L)..<((r + 1) * L), with: batch.tokens[(i * L)..<((i + 1) * L)])
            }
        }
        if guided {   // unconditional copies: same x and σ, empty caption
            x.replaceSubrange((R * D)..<(2 * R * D), with: x[0..<(R * D)])
            for r in 0..<R { sigma[R + r] = sigma[r] }
        }
        /// v (R, D) from the network output, combining the two halves under guidance.
        func velocity() -> [Float] {
            let out = network.output
            var v = [Float](repeating: 0, count: R * D)
            for j in 0..<(R * D) { v[j] = guided ? out[R * D + j] + s * (out[j] - out[R * D + j]) : out[j] }
            return v
        }
        var vRef: [Float] = []
        if config.klBeta > 0 {
            network.forward(reference, x: x, sigma: sigma, tokens: tokens, batch: rows)
            vRef = velocity()
        }
        network.forward(params, x: x, sigma: sigma, tokens: tokens, batch: rows)
        let v = velocity()

        var pb = PolicyBatch(advantages: [], logpNew: [], logpOld: [], meanSquaredShift: [], std: [], dt: [],
                             step: [], trajectory: [], stepsPerTrajectory: K)
        var mu = [Float](repeating: 0, count: R * D)
        var muRef = [Float](repeating: 0, count: config.klBeta > 0 ? R * D : 0)
        var kl = [Float](repeating: 0, count: R)
        for (j, i) in members.enumerated() {
            for k in 0..<K {
                let r = j * K + k
                let step = batch.stepInfo[k]
                let xn = batch.stateOffset(i, k + 1), mo = batch.meanOffset(i, k)
                var msd = 0.0, klSum = 0.0
                for d in 0..<D {
                    let m = step.xCoef * x[r * D + d] + step.vCoef * v[r * D + d]
                    mu[r * D + d] = m
                    let shift = Double(m - batch.means[mo + d]); msd += shift * shift
                    if config.klBeta > 0 {
                        let mr = step.xCoef * x[r * D + d] + step.vCoef * vRef[r * D + d]
                        muRef[r * D + d] = mr
                        let dk = Double(m - mr); klSum += dk * dk
                    }
                }
                let logp = batch.states.withUnsafeBufferPointer { S in
                    mu.withUnsafeBufferPointer { M in
                        step.logProb(xNext: S.baseAddress! + xn, mu: M.baseAddress! + r * D, count: D)
                    }
                }
                let s2 = Double(step.std) * Double(step.std)
                kl[r] = Float(klSum / Double(D) / (2 * s2))
                pb.advantages.append(advantages[i]); pb.logpNew.append(logp)
                pb.logpOld.append(batch.logProbs[i * K + k]); pb.meanSquaredShift.append(Float(msd / Double(D)))
                pb.std.append(step.std); pb.dt.append(step.dt); pb.step.append(k); pb.trajectory.append(j)
            }
        }
        let out = loss.evaluate(pb)
        let klMean = kl.reduce(0, +) / Float(R)
        // dL/dv = vCoef · [dL/dlogp · (x' − μ_θ)/(s²D) + dL/dmsd · 2(μ_θ − μ_old)/D + β(μ_θ − μ_ref)/(s²D·R)]
        var dv = [Float](repeating: 0, count: rows * D)
        for (j, i) in members.enumerated() {
            for k in 0..<K {
                let r = j * K + k
                let step = batch.stepInfo[k]
                let s2 = step.std * step.std
                let a = out.dLogp[r] / (s2 * Float(D)), b = 2 * out.dShift[r] / Float(D)
                let c = config.klBeta / (s2 * Float(D) * Float(R))
                let xn = batch.stateOffset(i, k + 1), mo = batch.meanOffset(i, k)
                for d in 0..<D {
                    let m = mu[r * D + d]
                    var g = a * (batch.states[xn + d] - m) + b * (m - batch.means[mo + d])
                    if config.klBeta > 0 { g += c * (m - muRef[r * D + d]) }
                    g *= step.vCoef
                    if guided {
                        dv[r * D + d] = s * g
                        dv[(R + r) * D + d] = (1 - s) * g
                    } else {
                        dv[r * D + d] = g
                    }
                }
            }
        }
        if perStepGradNorms {
            stats.gradNormPerStep = (0..<K).map { k in
                var masked = dv
                for r in 0..<rows where (r % R) % K != k {
                    for d in 0..<D { masked[r * D + d] = 0 }
                }
                params.zeroGrads()
                network.backward(&params, dout: masked, batch: rows)
                return params.grads.withUnsafeBufferPointer { Float(Ops.sumOfSquares($0.count, $0.baseAddress!).squareRoot()) }
            }
        }
        stats.outputGradNormPerStepSum.addRows(dv: dv, rows: R, K: K, D: D)
        params.zeroGrads()
        network.backward(&params, dout: dv, batch: rows)
        let norm = GradClip.clipGlobalNorm(&params.grads, maxNorm: config.gradClip)
        let total = out.loss + config.klBeta * klMean
        guard norm.isFinite, total.isFinite else {
            stats.skipped = norm.isFinite ? "non-finite loss" : "non-finite gradient"
            return nil
        }
        optimizer.update(&params, lr: config.lr)
        ema.update(from: params.values)
        stats.addUpdate(policyLoss: out.loss, kl: klMean, gradNorm: norm)
        return (pb, out)
    }
}

import Cluster
import Foundation
import Model
import NN
import Tensor

extension ForwardProcessTrainer {
    /// One optimizer update on the rows of `members` (sample indices of the iteration, each noised
    /// at `timestep_draws` levels). This rank trains the members in `owned` (`images` (owned, D) and
    /// `tokens` (owned, L) hold exactly those, in order). Returns false when the update was skipped
    /// (non-finite loss or gradient).
    ///
    /// Normalisation over ranks (as in `GRPOTrainer.update`): every mean is over the rows of the
    /// whole mini-batch, so the ranks' gradients add up to the single-process gradient.
    func update(images: [Float], tokens: [Int32], members all: [Int], owned: Range<Int>, advantages: [Float],
                iteration n: Int, epoch: Int, sums: inout ForwardSums, stats: inout IterationStats) throws -> Bool {
        let D = network.config.imageElements, L = network.config.maxTextTokens, J = config.timestepDraws
        let members = all.filter(owned.contains)
        let R = members.count * J, globalRows = all.count * J
        let useKL = config.klBeta > 0, beta = config.klBeta
        let ws = ForwardWorkspace(rows: R, elements: D, tokens: L, kl: useKL)
        var t = [Float](repeating: 0, count: R), adv = [Float](repeating: 0, count: R)
        // Inputs: row r = (member m, draw j) at r = m·J + j. t and ε depend on the sample's index in
        // the iteration only, so every rank (and a resumed run) draws the same ones.
        images.withUnsafeBufferPointer { X in
            tokens.withUnsafeBufferPointer { TK in
                var eps = [Float](repeating: 0, count: J * D)
                for (m, i) in members.enumerated() {
                    var tRNG = RNG(seed: RNG.derive(config.seed, n, 4, epoch, i))
                    var eRNG = RNG(seed: RNG.derive(config.seed, n, 3, epoch, i))
                    let ts = timesteps.draw(&tRNG)
                    eRNG.fillNormal(&eps)
                    let x0 = X.baseAddress! + (i - owned.lowerBound) * D
                    for j in 0..<J {
                        let r = m * J + j, s = ts[j]
                        t[r] = s; adv[r] = advantages[i]; ws.sigma[r] = s
                        let x = ws.x + r * D, y = ws.target + r * D
                        for d in 0..<D {
                            let e = eps[j * D + d]
                            x[d] = (1 - s) * x0[d] + s * e
                            y[d] = e - x0[d]
                        }
                        (ws.tokens + r * L).update(from: TK.baseAddress! + (i - owned.lowerBound) * L, count: L)
                    }
                }
            }
        }
        if R > 0 {
            network.forward(old, x: ws.x, sigma: ws.sigma, tokens: ws.tokens, batch: R)
            copy(ws.vOld, network.output, R * D)
            if useKL {
                network.forward(reference, x: ws.x, sigma: ws.sigma, tokens: ws.tokens, batch: R)
                copy(ws.vRef, network.output, R * D)
            }
            network.forward(params, x: ws.x, sigma: ws.sigma, tokens: ws.tokens, batch: R)
        }
        let v = network.output
        // Per row: the loss and dL/dv_θ, then the mini-batch mean and the KL term. A row writes only
        // its own slots, so the split over cores changes no number.
        var outputs = [ForwardRowOutput](repeating: ForwardRowOutput(), count: R)
        var kl = [Double](repeating: 0, count: R)
        let scale = 1 / Float(globalRows), klScale = 2 * beta / (Float(D) * Float(globalRows))
        outputs.withUnsafeMutableBufferPointer { O in
            kl.withUnsafeMutableBufferPointer { K in
                Parallel.forRanges(R) { rs in
                    for r in rs {
                        let vr = v + r * D, g = ws.dv + r * D
                        O[r] = loss.evaluate(ForwardRow(policy: vr, old: ws.vOld + r * D, target: ws.target + r * D,
                                                        t: t[r], advantage: adv[r], count: D), gradient: g)
                        for d in 0..<D { g[d] *= scale }
                        if useKL {
                            let ref = ws.vRef + r * D
                            var s = 0.0
                            for d in 0..<D {
                                let diff = vr[d] - ref[d]
                                s += Double(diff) * Double(diff)
                                g[d] += klScale * diff
                            }
                            K[r] = s / Double(D)
                        }
                    }
                }
            }
        }
        // The mini-batch's sums, over ranks in one small allreduce (exact in one process).
        var scalars = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
        for (r, o) in outputs.enumerated() {
            scalars[0] += o.loss; scalars[1] += kl[r]; scalars[2] += o.positive; scalars[3] += o.negative
            scalars[4] += o.r; scalars[5] += o.ratio; scalars[6] += o.clipped ? 1 : 0; scalars[7] += o.anchor
        }
        collective.allreduceSum(&scalars)
        let rows = Double(globalRows)
        let policyLoss = Float(scalars[0] / rows), klMean = Float(scalars[1] / rows)
        guard OptimizerStep.apply(dv: ws.dv, rows: R, network: network, params: &params, optimizer: &optimizer, ema: &ema,
                                  collective: collective, config: config, policyLoss: policyLoss, kl: klMean,
                                  stats: &stats) else { return false }
        sums.rows += rows; sums.positive += scalars[2]; sums.negative += scalars[3]; sums.r += scalars[4]
        sums.ratio += scalars[5]; sums.clipped += scalars[6]; sums.anchor += scalars[7]
        return true
    }
}

/// The buffers of one forward-process update (rows = this rank's rows of the mini-batch).
final class ForwardWorkspace {
    private let arena = Arena()
    let x: UnsafeMutablePointer<Float>, sigma: UnsafeMutablePointer<Float>, target: UnsafeMutablePointer<Float>
    let vOld: UnsafeMutablePointer<Float>, vRef: UnsafeMutablePointer<Float>, dv: UnsafeMutablePointer<Float>
    let tokens: UnsafeMutablePointer<Int32>

    init(rows R: Int, elements D: Int, tokens L: Int, kl: Bool) {
        x = arena.take(R * D); sigma = arena.take(R); target = arena.take(R * D)
        vOld = arena.take(R * D); vRef = arena.take(kl ? R * D : 0); dv = arena.take(R * D)
        tokens = .allocate(capacity: max(1, R * L))
        tokens.initialize(repeating: 0, count: max(1, R * L))
    }

    deinit { tokens.deallocate() }
}

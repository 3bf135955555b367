import Cluster
import Foundation
import Model
import NN
import Tensor

extension GRPOTrainer {
    /// One optimizer update on the trained steps of `members` (sample indices of the iteration).
    /// This rank trains the members in `owned` (its samples, default all of `batch`; `batch` holds
    /// exactly those, in order) and returns the loss's view of its rows, or nil when the update
    /// was skipped (non-finite).
    ///
    /// Normalisation over ranks: every mean (the policy loss's over rows, the KL's) is taken over
    /// the rows of the whole mini-batch, so the ranks' gradients add up to the single-process
    /// gradient; the losses average over the rows they are given, so their gradient is rescaled by
    /// this rank's share of the rows.
    ///
    /// Every per-row loop runs on raw pointers into an `UpdateWorkspace` (a fixed number of
    /// allocations per update, whatever the number of steps), rows split across cores: a row writes
    /// only its own slots, so the split changes no number. μ_ref and μ_θ are formed straight from
    /// the network's output, so velocities are never copied.
    func update(_ batch: RolloutBatch, members all: [Int], owned: Range<Int>? = nil, advantages: [Float],
                perStepGradNorms: Bool, stats: inout IterationStats) throws -> (PolicyBatch, PolicyLossOutput)? {
        let K = batch.trainedSteps, D = batch.elements, L = batch.tokenCount
        // Indices into this rank's batch of the members it holds (all of them in a single process).
        let owned = owned ?? 0..<batch.count
        let members = all.filter(owned.contains).map { $0 - owned.lowerBound }
        let R = members.count * K, globalRows = all.count * K
        let guided = config.rolloutCFG != 1, s = config.rolloutCFG
        let rows = guided ? 2 * R : R
        let useKL = config.klBeta > 0, beta = config.klBeta
        let steps = batch.stepInfo
        let ws = UpdateWorkspace(rows: rows, trained: R, elements: D, tokens: L, kl: useKL)
        let out = network.output

        batch.withTrajectory { states, oldMeans, ids in
            // Inputs: row r = (trajectory j, step k), trajectory-major so sequence losses can group rows.
            for (j, i) in members.enumerated() {
                for k in 0..<K {
                    let r = j * K + k
                    copy(ws.x + r * D, states + batch.stateOffset(i, k), D)
                    ws.sigma[r] = steps[k].sigma
                    (ws.tokens + r * L).update(from: ids + i * L, count: L)
                }
            }
            if guided {   // unconditional copies: same x and σ, empty caption
                copy(ws.x + R * D, ws.x, R * D)
                ws.sigma.advanced(by: R).update(from: ws.sigma, count: R)
            }
            /// μ = xCoef·x + vCoef·v for every row, v combined from the output's halves under guidance.
            func means(into m: UnsafeMutablePointer<Float>) {
                Parallel.forRanges(R) { rs in
                    for r in rs {
                        let step = steps[r % K]
                        let xr = ws.x + r * D, mr = m + r * D, c = out + r * D, u = out + (R + r) * D
                        if guided {
                            for d in 0..<D { mr[d] = step.xCoef * xr[d] + step.vCoef * (u[d] + s * (c[d] - u[d])) }
                        } else {
                            for d in 0..<D { mr[d] = step.xCoef * xr[d] + step.vCoef * c[d] }
                        }
                    }
                }
            }
            if useKL {
                network.forward(reference, x: ws.x, sigma: ws.sigma, tokens: ws.tokens, batch: rows)
                means(into: ws.muRef)
            }
            network.forward(params, x: ws.x, sigma: ws.sigma, tokens: ws.tokens, batch: rows)
            means(into: ws.mu)
            // Per row: log p_θ, mean (μ_θ − μ_old)² and the KL to the reference, sums in double.
            Parallel.forRanges(R) { rs in
                for r in rs {
                    let (j, k) = r.quotientAndRemainder(dividingBy: K)
                    let i = members[j], step = steps[k]
                    let m = ws.mu + r * D, old = oldMeans + batch.meanOffset(i, k)
                    var shift = 0.0, klSum = 0.0
                    for d in 0..<D { let t = Double(m[d] - old[d]); shift += t * t }
                    if useKL {
                        let mr = ws.muRef + r * D
                        for d in 0..<D { let t = Double(m[d] - mr[d]); klSum += t * t }
                    }
                    ws.logp[r] = step.logProb(xNext: states + batch.stateOffset(i, k + 1), mu: m, count: D)
                    ws.shift[r] = Float(shift / Double(D))
                    let s2 = Double(step.std) * Double(step.std)
                    ws.kl[r] = Float(klSum / Double(D) / (2 * s2))
                }
            }
        }

        var pb = PolicyBatch(advantages: [], logpNew: ws.array(ws.logp, R), logpOld: [],
                             meanSquaredShift: ws.array(ws.shift, R), std: [], dt: [], step: [], trajectory: [],
                             stepsPerTrajectory: K)
        pb.advantages.reserveCapacity(R); pb.logpOld.reserveCapacity(R); pb.std.reserveCapacity(R)
        pb.dt.reserveCapacity(R); pb.step.reserveCapacity(R); pb.trajectory.reserveCapacity(R)
        for (j, i) in members.enumerated() {
            for k in 0..<K {
                pb.advantages.append(advantages[owned.lowerBound + i]); pb.logpOld.append(batch.logProbs[i * K + k])
                pb.std.append(steps[k].std); pb.dt.append(steps[k].dt); pb.step.append(k); pb.trajectory.append(j)
            }
        }
        var lossOut = loss.evaluate(pb)
        if R != globalRows { lossOut.rescaleGradients(by: Float(R) / Float(globalRows)) }
        var klSum: Float = 0
        for r in 0..<R { klSum += ws.kl[r] }

        // dL/dv = vCoef · [dL/dlogp · (x' − μ_θ)/(s²D) + dL/dmsd · 2(μ_θ − μ_old)/D + β(μ_θ − μ_ref)/(s²D·R)],
        // R the mini-batch's rows over all ranks
        batch.withTrajectory { states, oldMeans, _ in
            lossOut.dLogp.withUnsafeBufferPointer { dLogp in
            lossOut.dShift.withUnsafeBufferPointer { dShift in
                Parallel.forRanges(R) { rs in
                    for r in rs {
                        let (j, k) = r.quotientAndRemainder(dividingBy: K)
                        let i = members[j], step = steps[k]
                        let s2 = step.std * step.std
                        let a = dLogp[r] / (s2 * Float(D)), b = 2 * dShift[r] / Float(D)
                        let c = beta / (s2 * Float(D) * Float(globalRows))
                        let xn = states + batch.stateOffset(i, k + 1), old = oldMeans + batch.meanOffset(i, k)
                        let m = ws.mu + r * D, mr = ws.muRef + r * D
                        let g0 = ws.dv + r * D, g1 = ws.dv + (R + r) * D
                        for d in 0..<D {
                            var g = a * (xn[d] - m[d]) + b * (m[d] - old[d])
                            if useKL { g += c * (m[d] - mr[d]) }
                            g *= step.vCoef
                            if guided {
                                g0[d] = s * g
                                g1[d] = (1 - s) * g
                            } else {
                                g0[d] = g
                            }
                        }
                    }
                }
            }
            }
        }
        if perStepGradNorms {
            stats.gradNormPerStep = (0..<K).map { k in
                for r in 0..<rows {
                    let src = ws.dv + r * D, dst = ws.masked + r * D
                    if (r % R) % K == k { copy(dst, src, D) } else { zero(dst, D) }
                }
                params.zeroGrads()
                network.backward(&params, dout: ws.masked, batch: rows)
                collective.allreduceSum(&params.grads)
                return params.grads.withUnsafeBufferPointer { Float(Ops.sumOfSquares($0.count, $0.baseAddress!).squareRoot()) }
            }
        }
        // The mini-batch's scalars, summed over ranks in one small allreduce (exact in one process):
        // policy loss × row share, KL sum, then ‖dL/dv‖² per trained step.
        var scalars = [Double(lossOut.loss) * Double(R) / Double(globalRows), Double(klSum)]
            + StepNormAccumulator.squaredNorms(dv: ws.dv, rows: R, K: K, D: D)
        collective.allreduceSum(&scalars)
        let policyLoss = Float(scalars[0]), klMean = Float(scalars[1]) / Float(globalRows)
        stats.outputGradNormPerStepSum.add(squaredNorms: scalars[2...])
        guard OptimizerStep.apply(dv: ws.dv, rows: rows, network: network, params: &params, optimizer: &optimizer, ema: &ema,
                                  collective: collective, config: config, policyLoss: policyLoss, kl: klMean,
                                  stats: &stats) else { return nil }
        lossOut.loss = policyLoss
        return (pb, lossOut)
    }
}

extension PolicyLossOutput {
    /// Scales the gradients (not the diagnostics) by `share`: a loss that averaged over this rank's
    /// rows then averages over the whole mini-batch's.
    mutating func rescaleGradients(by share: Float) {
        for r in dLogp.indices { dLogp[r] *= share; dShift[r] *= share }
    }
}

/// The buffers of one update, taken together from one arena: network inputs (rows = mini-batch
/// rows, doubled under guidance), μ_θ and μ_ref (R trained rows), dL/dv, and the per-row scalars.
final class UpdateWorkspace {
    private let arena = Arena()
    let x: UnsafeMutablePointer<Float>, sigma: UnsafeMutablePointer<Float>
    let tokens: UnsafeMutablePointer<Int32>
    let mu: UnsafeMutablePointer<Float>, muRef: UnsafeMutablePointer<Float>
    let dv: UnsafeMutablePointer<Float>
    /// dv with all but one step's rows zeroed (per-step gradient-norm diagnostics); taken lazily.
    private(set) lazy var masked: UnsafeMutablePointer<Float> = arena.take(rows * elements)
    let logp: UnsafeMutablePointer<Float>, shift: UnsafeMutablePointer<Float>, kl: UnsafeMutablePointer<Float>
    private let rows: Int, elements: Int

    init(rows: Int, trained R: Int, elements D: Int, tokens L: Int, kl useKL: Bool) {
        self.rows = rows
        elements = D
        x = arena.take(rows * D); sigma = arena.take(rows)
        tokens = .allocate(capacity: max(1, rows * L))
        tokens.initialize(repeating: 0, count: max(1, rows * L))
        mu = arena.take(R * D); muRef = arena.take(useKL ? R * D : 0)
        dv = arena.take(rows * D)
        logp = arena.take(R); shift = arena.take(R); kl = arena.take(R)
    }

    deinit { tokens.deallocate() }

    /// A Swift array copy of n floats, for the APIs that take arrays.
    func array(_ p: UnsafeMutablePointer<Float>, _ n: Int) -> [Float] { Array(UnsafeBufferPointer(start: p, count: n)) }
}

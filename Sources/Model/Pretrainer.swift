import Cluster
import Foundation
import NN
import Tensor

/// A source of (clean image, caption ids) pairs for pretraining.
public protocol PretrainData {
    /// Fills x0 (n, H, W, 3) in [−1, 1] and tokens (n, L) with n fresh examples drawn with `rng`.
    func fill(x0: UnsafeMutablePointer<Float>, tokens: UnsafeMutablePointer<Int32>, count n: Int, rng: inout RNG)
}

/// What one pretraining step measured.
public struct PretrainStepStats: Sendable {
    public var loss: Float
    public var gradNorm: Float
    public var lr: Float
    public var seconds: Double
    /// The loss or gradient was not finite, so the step changed no weight, moment or EMA.
    public var skipped = false
}

/// Rectified-flow pretraining (DESIGN.md §4): x_σ = (1 − σ)·x0 + σ·ε with σ logit-normal, the
/// network regresses v = ε − x0 under mean squared error; AdamW, warm-up + cosine, global
/// gradient clipping, EMA with warm-up.
///
/// Every step draws its data from RNG(derive(seed, step)), so the run is a pure function of the
/// seed and the step counter: resuming from a checkpoint at step s replays exactly what an
/// uninterrupted run would have done.
///
/// Data parallel: with a `collective` of N ranks, every rank draws the whole batch exactly as one
/// process would (so the data stream never depends on N and stays the one the bundled model was
/// trained on; ~0.3 ms per image), runs forward and backward on its block of rows only, and one
/// allreduce sums the gradients; the loss is already normalised by the global batch, so the sum
/// is the single-process gradient, and clipping, AdamW and EMA run identically on every rank.
public final class Pretrainer {
    public let config: PretrainConfig
    public let network: VelocityNetwork
    public var params: Parameters
    public var optimizer: AdamW
    public var ema: EMA
    /// Updates completed so far.
    public var step: Int
    /// The ranks sharing each batch (a single process by default).
    public let collective: any Collective
    let data: PretrainData
    let schedule: LRSchedule
    // Per-step buffers, allocated once.
    var x0: [Float], noise: [Float], xt: [Float], target: [Float], dout: [Float], sigma: [Float]
    var tokens: [Int32]

    /// `config.batchSize` must be at least `collective.size` (`PretrainRun` checks).
    /// `initial` (weights of a finished model, same config) replaces the fresh initialisation of
    /// a new run; the EMA starts from it too.
    public init(config: PretrainConfig, model: ModelConfig, data: PretrainData, resume: TrainingCheckpoint? = nil,
                initial: Parameters? = nil, collective: any Collective = SingleProcess()) {
        self.config = config
        self.data = data
        self.collective = collective
        let B = config.batchSize, D = model.imageElements
        network = VelocityNetwork(config: model, maxBatch: max(1, collective.share(of: B).count))
        if let r = resume {
            params = r.params; optimizer = r.optimizer; ema = r.ema
            step = Pretrainer.stepFromState(r.state)
        } else {
            var rng = RNG(seed: RNG.derive(config.seed, -1))
            params = initial ?? VelocityNetwork.initialParameters(model, rng: &rng)
            optimizer = AdamW(parameterCount: params.count, lr: config.lr, weightDecay: config.weightDecay)
            ema = EMA(values: params.values, maxDecay: config.emaDecay)
            step = 0
        }
        optimizer.lr = config.lr
        optimizer.weightDecay = config.weightDecay
        schedule = LRSchedule(peak: config.lr, warmupSteps: config.warmupSteps, totalSteps: config.steps,
                              minRatio: config.minLRRatio)
        x0 = [Float](repeating: 0, count: B * D); noise = x0; xt = x0; target = x0; dout = x0
        sigma = [Float](repeating: 0, count: B)
        tokens = [Int32](repeating: 0, count: B * model.maxTextTokens)
    }

    /// One optimizer update on a fresh batch.
    @discardableResult
    public func trainStep() -> PretrainStepStats {
        let start = Date()
        let B = config.batchSize, D = network.config.imageElements, L = network.config.maxTextTokens
        var rng = RNG(seed: RNG.derive(config.seed, step))
        x0.withUnsafeMutableBufferPointer { X in
            tokens.withUnsafeMutableBufferPointer { Tk in
                data.fill(x0: X.baseAddress!, tokens: Tk.baseAddress!, count: B, rng: &rng)
            }
        }
        for b in 0..<B where rng.uniform() < config.captionDropout {
            for t in 0..<L { tokens[b * L + t] = 0 }
        }
        for b in 0..<B {
            let n = config.logitMean + config.logitStd * rng.normal()
            sigma[b] = 1 / (1 + exp(-n))
        }
        rng.fillNormal(&noise)
        var sumSq = 0.0
        let scale = 2 / Float(B * D)
        x0.withUnsafeBufferPointer { X in
            noise.withUnsafeBufferPointer { E in
                xt.withUnsafeMutableBufferPointer { XT in
                    target.withUnsafeMutableBufferPointer { V in
                        for b in 0..<B {
                            let s = sigma[b]
                            for j in (b * D)..<((b + 1) * D) {
                                XT[j] = (1 - s) * X[j] + s * E[j]
                                V[j] = E[j] - X[j]
                            }
                        }
                    }
                }
            }
        }
        // This rank's rows (all B in a single process); dout holds them from its start.
        let rows = collective.share(of: B), n = rows.count, first = rows.lowerBound * D
        xt.withUnsafeBufferPointer { XT in
            sigma.withUnsafeBufferPointer { S in
                tokens.withUnsafeBufferPointer { Tk in
                    network.forward(params, x: XT.baseAddress! + first, sigma: S.baseAddress! + rows.lowerBound,
                                    tokens: Tk.baseAddress! + rows.lowerBound * L, batch: n)
                }
            }
        }
        let v = network.output
        target.withUnsafeBufferPointer { V in
            dout.withUnsafeMutableBufferPointer { G in
                for j in 0..<(n * D) {
                    let e = v[j] - V[first + j]
                    sumSq += Double(e * e)
                    G[j] = scale * e
                }
            }
        }
        params.zeroGrads()
        network.backward(&params, dout: dout, batch: n)
        collective.allreduceSum(&params.grads)   // the one gradient exchange of the step
        var lossSum = [sumSq]
        collective.allreduceSum(&lossSum)
        sumSq = lossSum[0]
        let norm = GradClip.clipGlobalNorm(&params.grads, maxNorm: config.gradClip)
        let lr = schedule.rate(at: step), loss = Float(sumSq / Double(B * D))
        // Loss and norm are the same on every rank, so all ranks skip alike. The step still
        // counts: the data stream and schedule stay those of the run that had no bad step.
        let skipped = !loss.isFinite || !norm.isFinite
        if !skipped {
            optimizer.update(&params, lr: lr)
            ema.update(from: params.values)
        }
        step += 1
        return PretrainStepStats(loss: loss, gradNorm: norm, lr: lr, seconds: Date().timeIntervalSince(start),
                                 skipped: skipped)
    }

    /// The full training state, for `CheckpointStore.save`.
    public func checkpoint() -> TrainingCheckpoint {
        // A dictionary of two integers always serialises; the fallback only keeps the code free of try!.
        let state = (try? JSONSerialization.data(withJSONObject: ["step": step, "seed": config.seed],
                                                 options: [.sortedKeys])) ?? Data("{}".utf8)
        return TrainingCheckpoint(config: network.config, params: params, optimizer: optimizer, ema: ema, state: state)
    }

    static func stepFromState(_ data: Data) -> Int {
        ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any])?["step"] as? Int ?? 0
    }

    /// Weights of the EMA model as a `Parameters` value (for sampling and evaluation).
    public var emaParameters: Parameters {
        var p = params
        p.values = ema.shadow
        return p
    }
}

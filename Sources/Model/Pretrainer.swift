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
}

/// Rectified-flow pretraining (DESIGN.md §4): x_σ = (1 − σ)·x0 + σ·ε with σ logit-normal, the
/// network regresses v = ε − x0 under mean squared error; AdamW, warm-up + cosine, global
/// gradient clipping, EMA with warm-up.
///
/// Every step draws its data from RNG(derive(seed, step)), so the run is a pure function of the
/// seed and the step counter: resuming from a checkpoint at step s replays exactly what an
/// uninterrupted run would have done.
public final class Pretrainer {
    public let config: PretrainConfig
    public let network: VelocityNetwork
    public var params: Parameters
    public var optimizer: AdamW
    public var ema: EMA
    /// Updates completed so far.
    public var step: Int
    let data: PretrainData
    let schedule: LRSchedule
    // Per-step buffers, allocated once.
    var x0: [Float], noise: [Float], xt: [Float], target: [Float], dout: [Float], sigma: [Float]
    var tokens: [Int32]

    public init(config: PretrainConfig, model: ModelConfig, data: PretrainData, resume: TrainingCheckpoint? = nil) {
        self.config = config
        self.data = data
        let B = config.batchSize, D = model.imageElements
        network = VelocityNetwork(config: model, maxBatch: B)
        if let r = resume {
            params = r.params; optimizer = r.optimizer; ema = r.ema
            step = Pretrainer.stepFromState(r.state)
        } else {
            var rng = RNG(seed: RNG.derive(config.seed, -1))
            params = VelocityNetwork.initialParameters(model, rng: &rng)
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
        network.forward(params, x: xt, sigma: sigma, tokens: tokens, batch: B)
        let v = network.output
        target.withUnsafeBufferPointer { V in
            dout.withUnsafeMutableBufferPointer { G in
                for j in 0..<(B * D) {
                    let e = v[j] - V[j]
                    sumSq += Double(e * e)
                    G[j] = scale * e
                }
            }
        }
        params.zeroGrads()
        network.backward(&params, dout: dout, batch: B)
        let norm = GradClip.clipGlobalNorm(&params.grads, maxNorm: config.gradClip)
        let lr = schedule.rate(at: step)
        optimizer.update(&params, lr: lr)
        ema.update(from: params.values)
        step += 1
        return PretrainStepStats(loss: Float(sumSq / Double(B * D)), gradNorm: norm, lr: lr,
                                 seconds: Date().timeIntervalSince(start))
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

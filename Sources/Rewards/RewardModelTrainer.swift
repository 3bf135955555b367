#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Imaging
import NN
import Shapes
import Tensor

/// Settings of `flowrl reward-model train`; defaults train the bundled-size model in a few
/// minutes on two cores.
public struct RewardModelTrainingOptions: Sendable, Equatable {
    public var steps = 3000
    public var batch = 64
    public var lr: Float = 6e-3
    /// Linear warm-up steps, then cosine decay to 10 % of `lr`.
    public var warmupSteps = 100
    public var weightDecay: Float = 1e-4
    public var gradClip: Float = 1
    public var seed: UInt64 = 0
    /// Held-out examples (from the held-out captions) on which the correlation is measured.
    public var heldOutExamples = 2048
    /// Fraction of each batch drawn from the caller's extra examples, when there are any.
    public var extraFraction: Float = 0.25
    /// 0 draws every batch fresh from the generator; N > 0 generates N examples once and draws
    /// batches from them (cheaper per step, at the price of repeating images).
    public var poolSize = 0

    public init() {}
}

/// How well a trained reward model agrees with the judge.
public struct RewardModelReport: Codable, Sendable, Equatable {
    public var steps: Int
    /// Mean squared error over the last 100 training batches.
    public var trainMSE: Double
    public var heldOutExamples: Int
    /// Pearson correlation between the model and the judge's partial credit on held-out captions.
    public var heldOutPearson: Double
    public var heldOutMSE: Double
    /// Extra (caller-supplied) examples mixed into training.
    public var extraExamples: Int
    public var seconds: Double

    enum CodingKeys: String, CodingKey {
        case steps, trainMSE = "train_mse", heldOutExamples = "heldout_examples", heldOutPearson = "heldout_pearson"
        case heldOutMSE = "heldout_mse", extraExamples = "extra_examples", seconds
    }
}

/// Trains the reward model with AdamW on MSE against the judge's partial credit.
///
/// Every step draws a fresh batch from `RewardModelData`'s stream over the training captions
/// (so the model never sees an image twice and cannot memorise), mixed with the caller's extra
/// examples — e.g. base-model samples labelled by the judge, which carry the artifacts of real
/// generations. Held-out examples come from captions the training never uses.
///
/// Measured (release build, defaults, seed 0, 2 cores shared with a pretraining job): held-out
/// Pearson 0.776 (MSE 0.046) on 2,048 images of prompts/test.txt, by category 0.84 counting,
/// 0.79 colors, 0.78 color_attr, 0.76 position; 4–6 minutes under that load (≈ 50 ms a step,
/// a third of it labelling data). Its blind spot is shape: an object of the right colour and the
/// wrong shape scores ~0.6 where the judge gives ~0.4, which is what a policy can exploit.
public enum RewardModelTrainer {
    public static func train(config: RewardModelConfig = RewardModelConfig(),
                             options: RewardModelTrainingOptions = RewardModelTrainingOptions(),
                             trainCaptions: [Caption], heldOutCaptions: [Caption],
                             extra: [RewardExample] = [],
                             log: (String) -> Void = { _ in }) -> (params: Parameters, report: RewardModelReport) {
        precondition(!trainCaptions.isEmpty && !heldOutCaptions.isEmpty, "reward-model training needs train and held-out captions")
        let start = Date()
        let B = options.batch
        let net = RewardNetwork(config: config, maxBatch: B)
        var params = RewardNetwork.initialParameters(config, seed: RNG.derive(options.seed, 0))
        var adam = AdamW(parameterCount: params.count, lr: options.lr, weightDecay: options.weightDecay)
        // Separate streams for the held-out set, the training stream and the extra-example draws.
        let heldOut = RewardModelData.examples(seed: RNG.derive(options.seed, 1), captions: heldOutCaptions,
                                               count: options.heldOutExamples)
        let dataSeed = RNG.derive(options.seed, 2)
        var mixRNG = RNG(seed: RNG.derive(options.seed, 3))
        var recent: [Double] = []
        var pixels = [Float](repeating: 0, count: B * net.imageElements)
        var tokens = [Int32](repeating: 0, count: B * config.maxWords)
        var labels = [Float](repeating: 0, count: B), dprob = labels
        let pool = options.poolSize > 0 ? RewardModelData.examples(seed: dataSeed, captions: trainCaptions, count: options.poolSize) : []
        for step in 0..<options.steps {
            let nExtra = extra.isEmpty ? 0 : Int((Float(B) * options.extraFraction).rounded())
            var batch: [RewardExample]
            if pool.isEmpty {
                batch = RewardModelData.examples(seed: dataSeed, captions: trainCaptions, start: step * B, count: B - nExtra)
            } else {
                batch = (0..<(B - nExtra)).map { _ in pool[mixRNG.int(below: pool.count)] }
            }
            for _ in 0..<nExtra { batch.append(extra[mixRNG.int(below: extra.count)]) }
            fill(batch, pixels: &pixels, tokens: &tokens, labels: &labels, slots: config.maxWords)
            params.zeroGrads()
            var loss = 0.0
            params.values.withUnsafeBufferPointer { w in
                let p = pixels.withUnsafeBufferPointer { x in
                    tokens.withUnsafeBufferPointer { t in
                        net.forward(w.baseAddress!, images: x.baseAddress!, tokens: t.baseAddress!, batch: B)
                    }
                }
                // MSE = mean (p − y)²; d/dp = 2 (p − y) / B.
                for b in 0..<B {
                    let d = p[b] - labels[b]
                    loss += Double(d * d)
                    dprob[b] = 2 * d / Float(B)
                }
                params.grads.withUnsafeMutableBufferPointer { g in
                    dprob.withUnsafeBufferPointer { net.backward(w.baseAddress!, grads: g.baseAddress!, dprob: $0.baseAddress!, batch: B) }
                }
            }
            GradClip.clipGlobalNorm(&params.grads, maxNorm: options.gradClip)
            adam.update(&params, lr: learningRate(step: step, options: options))
            recent.append(loss / Double(B))
            if recent.count > 100 { recent.removeFirst() }
            if (step + 1) % 250 == 0 || step + 1 == options.steps {
                log(String(format: "step %5d  train mse %.4f  lr %.2e", step + 1, mean(recent), learningRate(step: step, options: options)))
            }
        }
        let predictions = LearnedReward.predict(network: net, params: params, images: heldOut.map(\.image),
                                                captions: heldOut.map(\.caption))
        let targets = heldOut.map(\.label)
        var mse = 0.0
        for (p, y) in zip(predictions, targets) { mse += Double((p - y) * (p - y)) }
        let report = RewardModelReport(steps: options.steps, trainMSE: mean(recent), heldOutExamples: heldOut.count,
                                       heldOutPearson: pearson(predictions, targets),
                                       heldOutMSE: heldOut.isEmpty ? 0 : mse / Double(heldOut.count),
                                       extraExamples: extra.count, seconds: Date().timeIntervalSince(start))
        return (params, report)
    }

    /// Warm-up then cosine decay to 10 % of the peak rate.
    static func learningRate(step: Int, options o: RewardModelTrainingOptions) -> Float {
        if step < o.warmupSteps { return o.lr * Float(step + 1) / Float(o.warmupSteps) }
        let progress = Float(step - o.warmupSteps) / Float(max(1, o.steps - o.warmupSteps))
        return o.lr * (0.1 + 0.9 * 0.5 * (1 + cosf(Float.pi * min(progress, 1))))
    }

    static func fill(_ batch: [RewardExample], pixels: inout [Float], tokens: inout [Int32], labels: inout [Float], slots: Int) {
        for (b, ex) in batch.enumerated() {
            let D = ex.image.pixels.count
            ex.image.pixels.withUnsafeBufferPointer { src in
                pixels.withUnsafeMutableBufferPointer { dst in
                    for i in 0..<D { dst[b * D + i] = Image.unit(fromByte: src[i]) }
                }
            }
            tokens.replaceSubrange((b * slots)..<((b + 1) * slots), with: CaptionTokens.encode(ex.caption, slots: slots))
            labels[b] = ex.label
        }
    }

    /// Pearson's correlation coefficient of two equally long samples (0 when either is constant).
    public static func pearson(_ x: [Float], _ y: [Float]) -> Double {
        precondition(x.count == y.count, "correlation of samples of different sizes")
        let n = Double(x.count)
        guard n > 1 else { return 0 }
        let mx = x.reduce(0.0) { $0 + Double($1) } / n, my = y.reduce(0.0) { $0 + Double($1) } / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(x, y) {
            let dx = Double(a) - mx, dy = Double(b) - my
            sxy += dx * dy; sxx += dx * dx; syy += dy * dy
        }
        return sxx > 0 && syy > 0 ? sxy / (sxx * syy).squareRoot() : 0
    }

    private static func mean(_ v: [Double]) -> Double { v.isEmpty ? 0 : v.reduce(0, +) / Double(v.count) }
}

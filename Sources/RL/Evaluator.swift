import Foundation
import Imaging
import Model
import NN
import Rewards
import Shapes
import Tensor

/// Settings of a held-out evaluation: K fixed seeds per prompt, the deterministic ODE sampler.
public struct EvalOptions: Sendable, Equatable {
    public var seedsPerPrompt: Int = 4
    public var sampler = ODESamplerOptions(steps: 20, shift: 1, cfgScale: 3)
    /// Image j of prompt i uses RNG(derive(seed, i, j)), so runs and checkpoints see the same noise.
    public var seed: UInt64 = 20_261_130
    public init() {}
}

/// The gold metrics of a prompt set (strict accuracy, partial credit, quality, diversity; overall
/// and per GenEval category) and the images they were measured on.
public struct EvalResult: Sendable {
    public var report: GoldReport
    /// The images the report judged, prompts × seeds, row-major.
    public var images: [Image]
    /// The caption of each image (each prompt repeated once per seed).
    public var imagePrompts: [String]
}

/// Generates K images per prompt with fixed seeds and judges them with the gold metrics, each
/// image detected once (`GoldMetrics.evaluate`).
public enum Evaluator {
    public static func evaluate(network: VelocityNetwork, params: Parameters, prompts: [String],
                                options: EvalOptions) throws -> EvalResult {
        // Bad captions fail before any sampling.
        for p in prompts { _ = try Caption.parse(p) }
        let c = network.config, D = c.imageElements, K = options.seedsPerPrompt
        let tokenizer = Tokenizer(maxTokens: c.maxTextTokens)
        var tokens: [Int32] = [], noise: [Float] = []
        var one = [Float](repeating: 0, count: D)
        for (i, p) in prompts.enumerated() {
            let ids = try tokenizer.encode(p)
            for j in 0..<K {
                tokens += ids
                var rng = RNG(seed: RNG.derive(options.seed, i, j))
                rng.fillNormal(&one)
                noise += one
            }
        }
        let n = prompts.count * K
        let out = ODESampler.sample(network: network, params: params, tokens: tokens, noise: noise, batch: n,
                                    options: options.sampler)
        let images = (0..<n).map { Image(floats: Array(out[($0 * D)..<(($0 + 1) * D)]), width: c.imageSize, height: c.imageSize) }
        let imagePrompts = prompts.flatMap { Array(repeating: $0, count: K) }
        let report = try GoldMetrics.evaluate(images: images, prompts: imagePrompts)
        return EvalResult(report: report, images: images, imagePrompts: imagePrompts)
    }
}

import Foundation
import Imaging
import Model
import NN
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

/// Strict accuracy (GenEval's metric) of one category or of everything.
public struct CategoryScore: Codable, Sendable, Equatable {
    public var images: Int
    public var correct: Int
    /// Mean partial credit in [0, 1].
    public var partial: Double
    public var accuracy: Double { images == 0 ? 0 : Double(correct) / Double(images) }

    enum CodingKeys: String, CodingKey { case images, correct, partial, accuracy }
    public init(images: Int = 0, correct: Int = 0, partial: Double = 0) {
        self.images = images; self.correct = correct; self.partial = partial
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(images, forKey: .images); try c.encode(correct, forKey: .correct)
        try c.encode(partial, forKey: .partial); try c.encode(accuracy, forKey: .accuracy)
    }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        images = try c.decode(Int.self, forKey: .images); correct = try c.decode(Int.self, forKey: .correct)
        partial = try c.decode(Double.self, forKey: .partial)
    }
}

/// The judge's verdict on a prompt set: overall and per GenEval category.
public struct EvalResult: Codable, Sendable {
    public var overall: CategoryScore
    public var categories: [String: CategoryScore]
    /// Images as (H, W, 3) floats, prompts × seeds, row-major (not encoded).
    public var images: [[Float]] = []

    enum CodingKeys: String, CodingKey { case overall, categories }
}

/// Generates K images per prompt with fixed seeds and judges them strictly.
public enum Evaluator {
    public static func evaluate(network: VelocityNetwork, params: Parameters, prompts: [String],
                                options: EvalOptions) throws -> EvalResult {
        let captions = try prompts.map { try Caption.parse($0) }
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
        var overall = CategoryScore()
        var categories: [String: CategoryScore] = [:]
        var images: [[Float]] = []
        for (i, caption) in captions.enumerated() {
            for j in 0..<K {
                let k = i * K + j
                let floats = Array(out[(k * D)..<((k + 1) * D)])
                images.append(floats)
                let verdict = Judge.judge(caption, Image(floats: floats, width: c.imageSize, height: c.imageSize))
                let key = caption.category.rawValue
                var s = categories[key] ?? CategoryScore()
                s.images += 1; s.correct += verdict.strict ? 1 : 0; s.partial += Double(verdict.partial)
                categories[key] = s
                overall.images += 1; overall.correct += verdict.strict ? 1 : 0; overall.partial += Double(verdict.partial)
            }
        }
        for (k, var s) in categories { s.partial /= Double(max(1, s.images)); categories[k] = s }
        overall.partial /= Double(max(1, overall.images))
        return EvalResult(overall: overall, categories: categories, images: images)
    }
}

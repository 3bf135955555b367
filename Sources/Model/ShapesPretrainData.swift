import Shapes
import Tensor

/// Pretraining examples from the shapes world: a caption drawn over the GenEval categories
/// (uniformly, or by `categoryWeights`) from the whole grammar, minus the held-out test captions
/// (so evaluation on prompts/test.txt measures generalisation to unseen combinations), rendered
/// into a random scene that satisfies it.
public struct ShapesPretrainData: PretrainData {
    let tokenizer: Tokenizer
    let heldOut: Set<String>
    /// Cumulative category weights, normalised to end at 1, in `CaptionCategory.allCases` order;
    /// nil draws uniformly (one `rng.int(below: 6)` per caption, the base model's data stream).
    let cumulativeWeights: [Float]?

    public init(tokenizer: Tokenizer, heldOut: [String], categoryWeights: [String: Float]? = nil) {
        self.tokenizer = tokenizer
        self.heldOut = Set(heldOut)
        if let w = categoryWeights {
            let weights = CaptionCategory.allCases.map { w[$0.rawValue] ?? 0 }
            let total = weights.reduce(0, +)
            var sum: Float = 0
            cumulativeWeights = weights.map { sum += $0; return sum / total }
        } else {
            cumulativeWeights = nil
        }
    }

    func category(rng: inout RNG) -> CaptionCategory {
        let categories = CaptionCategory.allCases
        guard let cumulative = cumulativeWeights else { return categories[rng.int(below: categories.count)] }
        let u = rng.uniform()
        // u < 1 and the last cumulative weight is exactly 1 (the sum divided by itself).
        let i = cumulative.firstIndex(where: { u < $0 }) ?? cumulative.firstIndex(where: { $0 >= 1 })!
        return categories[i]
    }

    public func fill(x0: UnsafeMutablePointer<Float>, tokens: UnsafeMutablePointer<Int32>, count n: Int, rng: inout RNG) {
        let D = Scene.width * Scene.height * 3, L = tokenizer.maxTokens
        for b in 0..<n {
            var caption = CaptionSampler.sample(category: category(rng: &rng), rng: &rng)
            while heldOut.contains(caption.text) {
                caption = CaptionSampler.sample(category: caption.category, rng: &rng)
            }
            let scene = SceneSampler.sample(for: caption, rng: &rng)
            Renderer.render(scene, into: UnsafeMutableBufferPointer(start: x0 + b * D, count: D))
            // Grammar captions are always within the vocabulary and length, so encoding cannot fail.
            let ids = (try? tokenizer.encode(caption.text)) ?? []
            for t in 0..<L { tokens[b * L + t] = t < ids.count ? ids[t] : 0 }
        }
    }
}

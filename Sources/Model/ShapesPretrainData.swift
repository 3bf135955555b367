import Shapes
import Tensor

/// Pretraining examples from the shapes world: a caption drawn uniformly over the GenEval
/// categories from the whole grammar, minus the held-out test captions (so evaluation on
/// prompts/test.txt measures generalisation to unseen combinations), rendered into a random scene
/// that satisfies it.
public struct ShapesPretrainData: PretrainData {
    let tokenizer: Tokenizer
    let heldOut: Set<String>

    public init(tokenizer: Tokenizer, heldOut: [String]) {
        self.tokenizer = tokenizer
        self.heldOut = Set(heldOut)
    }

    public func fill(x0: UnsafeMutablePointer<Float>, tokens: UnsafeMutablePointer<Int32>, count n: Int, rng: inout RNG) {
        let D = Scene.width * Scene.height * 3, L = tokenizer.maxTokens
        let categories = CaptionCategory.allCases
        for b in 0..<n {
            var caption = CaptionSampler.sample(category: categories[rng.int(below: categories.count)], rng: &rng)
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

import Imaging
import Shapes
import Tensor

/// `geneval`: the judge's partial credit in [0, 1] (see `Judge`), the usual alignment proxy;
/// `geneval_strict`: the judge's strict verdict, 1 when every part of the caption holds, else 0
/// (GenEval's accuracy itself: sparse, but it cannot be raised by half-right images).
///
/// Components, whichever is the total: `geneval` (partial credit) and `geneval_strict`, so
/// metrics show both beside the reward.
public struct GenEvalReward: Reward {
    public let name: String
    /// Whether the total is the strict verdict instead of the partial credit.
    public let strict: Bool

    public init(strict: Bool = false) {
        self.strict = strict
        name = strict ? "geneval_strict" : "geneval"
    }

    public func score(images: [Image], prompts: [String]) throws -> RewardScores {
        try checkCounts(images: images, prompts: prompts)
        let captions = try parseCaptions(prompts, reward: name)
        guard !images.isEmpty else { return RewardScores(total: [], components: ["geneval": [], "geneval_strict": []]) }
        var partial = [Float](repeating: 0, count: images.count)
        var strict = [Float](repeating: 0, count: images.count)
        // The detector is per image and independent; each range writes only its own entries.
        partial.withUnsafeMutableBufferPointer { p in
            strict.withUnsafeMutableBufferPointer { s in
                let out = UncheckedSendable((p.baseAddress!, s.baseAddress!))
                Parallel.forRanges(images.count) { range in
                    for i in range {
                        let j = Judge.judge(captions[i], images[i])
                        out.value.0[i] = j.partial
                        out.value.1[i] = j.strict ? 1 : 0
                    }
                }
            }
        }
        return RewardScores(total: self.strict ? strict : partial, components: ["geneval": partial, "geneval_strict": strict])
    }
}

/// Parses each prompt once (batches repeat prompts group-wise), naming the reward on failure.
func parseCaptions(_ prompts: [String], reward: String) throws -> [Caption] {
    var cache: [String: Caption] = [:]
    return try prompts.map { p in
        if let c = cache[p] { return c }
        do {
            let c = try Caption.parse(p)
            cache[p] = c
            return c
        } catch let e as CaptionError {
            throw RewardError.badPrompt(reward: reward, prompt: p, reason: e.description)
        }
    }
}

import Imaging
import Shapes

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
        let verdicts = mapDetections(images, captions) { _, caption, objects in Judge.judge(caption, objects: objects) }
        let partial = verdicts.map(\.partial), strict = verdicts.map { $0.strict ? Float(1) : 0 }
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

import Imaging

/// A weighted sum of rewards, `Σ wᵢ · rᵢ`, as written `geneval:1,compress:0.2`.
///
/// Components keep every term's raw (unweighted) values under the term's own names, so that
/// metrics show what each part did, not only the blend the policy was trained on.
public struct WeightedSum: Reward {
    public let name: String
    public let terms: [(weight: Float, reward: any Reward)]

    public init(name: String, terms: [(weight: Float, reward: any Reward)]) {
        self.name = name
        self.terms = terms
    }

    public func score(images: [Image], prompts: [String]) throws -> RewardScores {
        try checkCounts(images: images, prompts: prompts)
        var total = [Float](repeating: 0, count: images.count)
        var components: [String: [Float]] = [:]
        for (weight, reward) in terms {
            let s = try reward.score(images: images, prompts: prompts)
            precondition(s.total.count == images.count, "reward \(reward.name) returned \(s.total.count) scores for \(images.count) images")
            for i in total.indices { total[i] += weight * s.total[i] }
            components.merge(s.components) { first, _ in first }
        }
        return RewardScores(total: total, components: components)
    }
}

import Cluster
import Rewards
import Tensor

/// What every trainer draws the same way in iteration n, so that runs of different algorithms with
/// one seed see the same prompts and (for the same sampler) the same starting noises — the pairing
/// a study's by-seed comparison relies on (DESIGN.md §9).
enum IterationSamples {
    /// P distinct prompts of iteration n drawn from the training list.
    static func prompts(seed: UInt64, iteration n: Int, from prompts: [String], count P: Int) -> [String] {
        var rng = RNG(seed: RNG.derive(seed, n, 0))
        var order = Array(prompts.indices)
        rng.shuffle(&order)
        return (0..<P).map { prompts[order[$0 % order.count]] }
    }

    /// The seed of sample g of prompt group p (its initial noise and, for SDE rollouts, its steps' noise).
    static func sampleSeed(seed: UInt64, iteration n: Int, group p: Int, member g: Int) -> UInt64 {
        RNG.derive(seed, n, 1, p, g)
    }

    /// The seed of prompt group p's shared initial noise (`shared_noise`).
    static func groupNoiseSeed(seed: UInt64, iteration n: Int, group p: Int) -> UInt64 {
        RNG.derive(seed, n, 2, p)
    }

    /// The scores of all P·G samples in sample order, from this rank's scores of its prompt `groups`.
    /// Every rank gets the same numbers, so every rank computes the same advantages (global-std
    /// mode included) and takes the same skip decisions. In a single process: `local` unchanged.
    static func gatherScores(_ local: RewardScores, groups: Range<Int>, promptsPerIteration P: Int, groupSize G: Int,
                             rewardName: String, collective: any Collective) throws -> RewardScores {
        guard collective.size > 1 else { return local }
        let keys = local.components.keys.sorted()
        var packed = local.total.map(Double.init)
        for k in keys { packed += local.components[k]!.map(Double.init) }
        let parts = collective.allgather(packed)
        var scores = RewardScores(total: [], components: Dictionary(uniqueKeysWithValues: keys.map { ($0, [Float]()) }))
        for (r, part) in parts.enumerated() {
            let n = Cluster.share(of: P, rank: r, size: collective.size).count * G
            // Every rank sees every part, so a mismatch stops all ranks alike.
            guard part.count == n * (1 + keys.count) else {
                throw ClusterError.ranksDisagree("reward '\(rewardName)' gave different components on different ranks")
            }
            scores.total += part[0..<n].map(Float.init)
            for (c, k) in keys.enumerated() { scores.components[k]! += part[(n * (c + 1))..<(n * (c + 2))].map(Float.init) }
        }
        return scores
    }
}

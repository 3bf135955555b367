import Cluster
import Foundation
import Imaging
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

    /// Step 2 of every trainer's iteration: score this rank's final images (`pixels`, side × side
    /// each, in sample order), share the scores among the ranks, record them in `stats`, and turn
    /// them into group advantages. Returns nil, with `stats.skipped` saying why, when a reward is not
    /// finite: the caller ends the iteration there.
    static func scoreAndAdvantages(pixels: [Float], side: Int, samplePrompts: [String], chosen: [String],
                                   groups: Range<Int>, config: TrainConfig, reward: any Reward,
                                   categories: [String: String], collective: any Collective,
                                   stats: inout IterationStats) throws -> Advantages.Result? {
        let G = config.groupSize, D = 3 * side * side
        precondition(pixels.count == samplePrompts.count * D, "one image per sample prompt")
        let images = samplePrompts.indices.map { Image(floats: pixels[($0 * D)..<(($0 + 1) * D)], width: side, height: side) }
        let t0 = Date()
        let scores = try gatherScores(reward.score(images: images, prompts: samplePrompts), groups: groups,
                                      promptsPerIteration: config.promptsPerIteration, groupSize: G,
                                      rewardName: config.reward, collective: collective)
        stats.rewardSeconds = Date().timeIntervalSince(t0)
        let allPrompts = collective.size > 1 ? chosen.flatMap { Array(repeating: $0, count: G) } : samplePrompts
        stats.recordRewards(scores, prompts: allPrompts, categories: categories)
        if let bad = scores.total.first(where: { !$0.isFinite }) {
            stats.skipped = "non-finite reward (\(bad))"
            return nil
        }
        let adv = Advantages.compute(rewards: scores.total, groupSize: G, globalStd: config.globalStd,
                                     clip: config.advantageClip)
        stats.zeroStdRatio = adv.zeroStdRatio
        return adv
    }
}

/// Group-relative advantages (GRPO): each prompt's G samples are compared with each other.
public enum Advantages {
    public struct Result: Sendable {
        /// One advantage per sample, in the order of the rewards.
        public var values: [Float]
        /// Share of groups whose rewards were all equal (they teach nothing).
        public var zeroStdRatio: Float
    }

    /// rewards (P·G, grouped by prompt) → A = (r − mean_group) / (std + 1e-4), clipped to ±clip.
    /// `globalStd` divides by the standard deviation of the whole batch instead of the group's
    /// (Dr. GRPO-style, less noisy for small G). Standard deviations are population ones (÷G).
    /// A group with zero spread gets A = 0 for every member.
    public static func compute(rewards: [Float], groupSize G: Int, globalStd: Bool = false,
                               clip: Float = 5) -> Result {
        precondition(G > 0 && rewards.count % G == 0, "rewards do not split into groups of \(G)")
        let P = rewards.count / G
        func meanStd(_ xs: ArraySlice<Float>) -> (Double, Double) {
            let m = xs.reduce(0.0) { $0 + Double($1) } / Double(xs.count)
            let v = xs.reduce(0.0) { $0 + (Double($1) - m) * (Double($1) - m) } / Double(xs.count)
            return (m, v.squareRoot())
        }
        let globalSpread = meanStd(rewards[...]).1
        var values = [Float](repeating: 0, count: rewards.count)
        var zero = 0
        for p in 0..<P {
            let group = rewards[(p * G)..<((p + 1) * G)]
            let (m, s) = meanStd(group)
            if s == 0 { zero += 1; continue }
            let denom = (globalStd ? globalSpread : s) + 1e-4
            for i in 0..<G {
                let a = (Double(rewards[p * G + i]) - m) / denom
                values[p * G + i] = Float(min(max(a, -Double(clip)), Double(clip)))
            }
        }
        return Result(values: values, zeroStdRatio: Float(zero) / Float(max(P, 1)))
    }
}

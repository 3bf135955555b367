extension TrainConfig {
    /// A sentence naming the first bad forward-process setting, or nil. Checked for every run (a
    /// bad value is an error even when the algorithm does not use it, so a config file stays valid
    /// when only `algo` changes).
    var forwardProcessProblem: String? {
        if timestepDraws <= 0 { return "timestep_draws must be positive, got \(timestepDraws)" }
        if TimestepDistribution(rawValue: timestepDistribution) == nil {
            return "timestep_distribution must be one of \(TimestepDistribution.allCases.map(\.rawValue).joined(separator: ", ")), got '\(timestepDistribution)'"
        }
        if !(nftBeta > 0 && nftBeta.isFinite) { return "nft_beta must be a finite positive number, got \(nftBeta)" }
        if oldDecayStart < 0 { return "old_decay_start must not be negative, got \(oldDecayStart)" }
        if !(oldDecayRate >= 0 && oldDecayRate.isFinite) { return "old_decay_rate must be a finite number ≥ 0, got \(oldDecayRate)" }
        if !(0..<1).contains(oldDecayMax) { return "old_decay_max must be in [0, 1), got \(oldDecayMax)" }
        if AWMLoss.Weighting(rawValue: awmWeighting) == nil {
            return "awm_weighting must be one of \(AWMLoss.Weighting.allCases.map(\.rawValue).joined(separator: ", ")), got '\(awmWeighting)'"
        }
        if !(awmGhuberPower > 0 && awmGhuberPower <= 1) { return "awm_ghuber_power must be in (0, 1], got \(awmGhuberPower)" }
        if !(awmClip > 0 && awmClip.isFinite) { return "awm_clip must be a finite positive number, got \(awmClip)" }
        if !(awmOldKL >= 0 && awmOldKL.isFinite) { return "awm_old_kl must be a finite number ≥ 0, got \(awmOldKL)" }
        if ForwardProcessTrainer.algorithms.contains(algo) && !(advantageClip > 0) {
            return "advantage_clip must be positive for \(algo) (it maps advantages onto [−1, 1]), got \(advantageClip)"
        }
        return nil
    }
}

import Foundation
import Model
import Tensor

/// The noise levels t at which a forward-process trainer noises each clean sample.
public enum TimestepDistribution: String, CaseIterable, Sendable {
    /// The rollout schedule's σ_k, one k from each of `draws` strata of 0 ..< ⌊0.99·T⌋ (the last,
    /// σ → 0, step is never trained) — what both papers' code does (NFT: every step; AWM:
    /// "discrete" strata).
    case discrete
    /// Stratified uniform on (0, 1), then time-shifted by the rollout's `shift`.
    case uniform
    /// sigmoid(N(0, 1)) as in pretraining, then time-shifted.
    case logitNormal = "logit-normal"
}

/// Draws the t of one sample's rows.
struct TimestepSampler {
    let distribution: TimestepDistribution
    let draws: Int
    /// The rollout schedule σ_0 = 1 … σ_T = 0.
    let sigmas: [Float]
    let shift: Float

    init(distribution: TimestepDistribution, draws: Int, steps: Int, shift: Float) {
        self.distribution = distribution; self.draws = draws; self.shift = shift
        sigmas = Schedule.sigmas(steps: steps, shift: shift)
    }

    /// SD3's time shift s·t / (1 + (s − 1)·t), the same map the rollout schedule uses.
    func shifted(_ t: Float) -> Float { shift * t / (1 + (shift - 1) * t) }

    func draw(_ rng: inout RNG) -> [Float] {
        switch distribution {
        case .discrete:
            let K = max(1, Int(0.99 * Double(sigmas.count - 1)))
            return (0..<draws).map { j in
                let lo = Double(j) * Double(K) / Double(draws), hi = Double(j + 1) * Double(K) / Double(draws)
                let k = min(K - 1, Int(lo + rng.uniformDouble() * (hi - lo)))
                return sigmas[k]
            }
        case .uniform:
            // Strata keep the few draws of a sample spread over the noise levels.
            return (0..<draws).map { j in shifted((Float(j) + rng.uniform()) / Float(draws)) }
        case .logitNormal:
            return (0..<draws).map { _ in shifted(1 / (1 + Foundation.exp(-rng.normal()))) }
        }
    }
}

/// The soft update of the old policy (DiffusionNFT's θ_old ← d·θ_old + (1 − d)·θ after every
/// iteration, d rising with the optimizer steps taken: its code's `return_decay`, decay_type 1 =
/// start 0, rate 0.001, max 0.5; type 2 = start 75, rate 0.0075, max 0.999; AWM's kl_ema_decay
/// "linear" = rate 0.001, max 0.3). d = 0 makes the old policy the current one: on-policy.
public struct OldPolicySchedule: Sendable, Equatable {
    public var start: Int
    public var rate: Float
    public var maximum: Float

    /// d after `steps` optimizer steps.
    public func decay(afterSteps steps: Int) -> Float {
        min(maximum, rate * Float(max(0, steps - start)))
    }
}

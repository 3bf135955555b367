/// The sampling schedule σ_0 = 1 > σ_1 > … > σ_T = 0 of a rectified flow x_σ = (1 − σ)·x0 + σ·ε.
public enum Schedule {
    /// T + 1 values from 1 to 0, evenly spaced then time-shifted: σ' = sσ / (1 + (s − 1)σ)
    /// (SD3's shift; s > 1 spends more steps at high noise).
    public static func sigmas(steps T: Int, shift: Float = 1) -> [Float] {
        precondition(T >= 1)
        return (0...T).map { k in
            let s = 1 - Double(k) / Double(T)
            let shifted = Double(shift) * s / (1 + (Double(shift) - 1) * s)
            return Float(shifted)
        }
    }
}

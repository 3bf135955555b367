import Foundation

/// A mean over independent replicates (seeds) with its sample standard deviation and two-sided
/// Student-t confidence interval: mean ± t(1 − α/2, n − 1)·s/√n. With one replicate the spread
/// is unknown and std and the interval are nil, never a fake zero width.
public struct Interval: Equatable, Sendable {
    public var n: Int
    public var mean: Double
    /// Sample standard deviation (divisor n − 1).
    public var std: Double?
    public var low: Double?
    public var high: Double?

    /// The interval of `values` (non-finite values are dropped) at `confidence` (e.g. 0.95);
    /// nil when no finite value is left.
    public static func of(_ values: [Double], confidence: Double = 0.95) -> Interval? {
        let v = values.filter(\.isFinite)
        guard !v.isEmpty else { return nil }
        let n = v.count
        let mean = v.reduce(0, +) / Double(n)
        guard n > 1 else { return Interval(n: 1, mean: mean, std: nil, low: nil, high: nil) }
        let variance = v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n - 1)
        let std = variance.squareRoot()
        let half = StudentT.quantile(1 - (1 - confidence) / 2, degreesOfFreedom: Double(n - 1)) * std / Double(n).squareRoot()
        return Interval(n: n, mean: mean, std: std, low: mean - half, high: mean + half)
    }

    /// Whether the interval excludes zero (a paired difference that is distinguishable from none).
    public var excludesZero: Bool {
        guard let low, let high else { return false }
        return low > 0 || high < 0
    }

    /// `{"mean", "ci_low", "ci_high", "n", "std"}` with null where undefined.
    public var json: [String: Any] {
        ["mean": mean, "ci_low": low ?? NSNull(), "ci_high": high ?? NSNull(), "n": n, "std": std ?? NSNull()]
    }
}

/// Paired differences: the same seed in two arms shares its prompt order and starting noises,
/// so the per-seed difference removes that shared luck before the interval is taken.
public enum Paired {
    /// The interval of `arm[s] − baseline[s]` over the seeds both have.
    public static func difference(_ arm: [UInt64: Double], _ baseline: [UInt64: Double],
                                  confidence: Double = 0.95) -> Interval? {
        let seeds = Set(arm.keys).intersection(baseline.keys).sorted()
        return Interval.of(seeds.map { arm[$0]! - baseline[$0]! }, confidence: confidence)
    }
}

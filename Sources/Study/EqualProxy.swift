import Foundation

/// "Gold at equal proxy" (DESIGN.md §9): over-optimization compares the gold metric two runs have
/// at the same proxy reward, not at the same iteration, since a method that moves more slowly
/// simply reaches any given proxy later.
public enum EqualProxy {
    /// The highest held-out proxy level that every run reaches: the smallest of the runs' maxima.
    /// Each run is a list of (proxy, gold) evaluations in step order.
    public static func commonLevel(_ runs: [[(proxy: Double, gold: Double)]]) -> Double? {
        let maxima = runs.compactMap { $0.map(\.proxy).filter(\.isFinite).max() }
        guard maxima.count == runs.count, !maxima.isEmpty else { return nil }
        return maxima.min()
    }

    /// The gold value when the proxy first reaches `level`, linearly interpolated between the
    /// evaluation before and the one that reaches it (the first evaluation's gold if it already
    /// does); nil if the run never reaches `level`.
    public static func gold(at level: Double, _ run: [(proxy: Double, gold: Double)]) -> Double? {
        var previous: (proxy: Double, gold: Double)?
        for point in run where point.proxy.isFinite && point.gold.isFinite {
            if point.proxy >= level {
                guard let p = previous else { return point.gold }
                let span = point.proxy - p.proxy
                let t = span > 0 ? (level - p.proxy) / span : 1
                return p.gold + t * (point.gold - p.gold)
            }
            previous = point
        }
        return nil
    }
}

import Foundation

/// Student's t distribution: the CDF through the regularized incomplete beta function and its
/// quantile by bisection, exact to ~1e-12, so that intervals over 3–5 seeds use the right
/// multiplier (t(0.975, 2) = 4.303, four times the normal 1.96 a naive interval would use).
public enum StudentT {
    /// P(T ≤ t) for T ~ t(ν):  1 − ½·I_{ν/(ν+t²)}(ν/2, ½) for t ≥ 0, by symmetry below.
    public static func cdf(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        precondition(nu > 0, "degrees of freedom must be positive")
        if t.isNaN { return .nan }
        let tail = 0.5 * regularizedIncompleteBeta(nu / (nu + t * t), a: nu / 2, b: 0.5)
        return t >= 0 ? 1 - tail : tail
    }

    /// The p-quantile of t(ν): the t with cdf(t) = p, for 0 < p < 1.
    public static func quantile(_ p: Double, degreesOfFreedom nu: Double) -> Double {
        precondition(p > 0 && p < 1 && nu > 0)
        if p == 0.5 { return 0 }
        if p < 0.5 { return -quantile(1 - p, degreesOfFreedom: nu) }
        // cdf is increasing; the bracket doubles until it holds p (t(0.9995, 1) ≈ 637).
        var lo = 0.0, hi = 1.0
        while cdf(hi, degreesOfFreedom: nu) < p { lo = hi; hi *= 2 }
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            if cdf(mid, degreesOfFreedom: nu) < p { lo = mid } else { hi = mid }
            if hi - lo < 1e-13 * max(1, hi) { break }
        }
        return 0.5 * (lo + hi)
    }

    /// I_x(a, b) by the continued fraction (modified Lentz), using the symmetry
    /// I_x(a, b) = 1 − I_{1−x}(b, a) where the fraction converges slowly.
    static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logBeta: Double = lgamma(a + b) - lgamma(a) - lgamma(b)
        let logFront: Double = logBeta + a * log(x) + b * log(1 - x)
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * betaContinuedFraction(x, a: a, b: b) / a
        }
        return 1 - exp(logFront) * betaContinuedFraction(1 - x, a: b, b: a) / b
    }

    static func betaContinuedFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0, d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...400 {
            let m = Double(m), m2 = 2 * m
            // Even step: d_{2m} = m(b − m)x / ((a + 2m − 1)(a + 2m)).
            var num = m * (b - m) * x / ((a + m2 - 1) * (a + m2))
            d = 1 + num * d; if abs(d) < tiny { d = tiny }
            c = 1 + num / c; if abs(c) < tiny { c = tiny }
            d = 1 / d; h *= d * c
            // Odd step: d_{2m+1} = −(a + m)(a + b + m)x / ((a + 2m)(a + 2m + 1)).
            num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))
            d = 1 + num * d; if abs(d) < tiny { d = tiny }
            c = 1 + num / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-15 { break }
        }
        return h
    }
}

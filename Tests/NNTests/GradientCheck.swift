import XCTest
import Tensor

/// Comparison of analytic gradients with central finite differences.
///
/// The numeric side comes from `LayerCheck.numeric` (raw-pointer `TestBuffer`s) or
/// `ValueGradient.numeric` (arrays handed to the loss, so the closure never reads the array being
/// perturbed — an exclusivity violation in Swift). Each perturbs every element of one input (or
/// parameter) buffer by ±eps, recomputes a scalar loss, and compares (L(x+eps) − L(x−eps)) / 2eps with the analytic gradient. The loss is
/// always L = Σ out · w with a fixed random w, so dL/dout = w is what backward receives as dout.
/// Losses are accumulated in double; relative error is measured against the larger of the two
/// gradient norms so that tiny entries do not dominate, and a per-element check catches a single
/// wrong entry that a norm would hide.
enum GradientCheck {
    /// Relative error ‖a − n‖ / max(‖a‖, ‖n‖, tiny), and the worst single-element mismatch.
    static func compare(analytic: [Float], numeric: [Double]) -> (relative: Double, worst: Double) {
        precondition(analytic.count == numeric.count)
        var diff2 = 0.0, a2 = 0.0, n2 = 0.0, worst = 0.0
        var scale = 0.0
        for i in 0..<numeric.count { scale = max(scale, abs(numeric[i]), abs(Double(analytic[i]))) }
        for i in 0..<numeric.count {
            let a = Double(analytic[i]), n = numeric[i]
            diff2 += (a - n) * (a - n); a2 += a * a; n2 += n * n
            worst = max(worst, abs(a - n) / max(scale, 1e-12))
        }
        return ((diff2 / max(max(a2, n2), 1e-24)).squareRoot(), worst)
    }

    /// L = Σ out · w in double.
    static func dot(_ out: [Float], _ w: [Float]) -> Double {
        var s = 0.0
        for i in 0..<out.count { s += Double(out[i]) * Double(w[i]) }
        return s
    }

    /// Asserts that the analytic gradient of `name` matches finite differences.
    static func assertMatches(_ name: String, analytic: [Float], numeric: [Double], tolerance: Double = 1e-2,
                              file: StaticString = #filePath, line: UInt = #line) {
        let (rel, worst) = compare(analytic: analytic, numeric: numeric)
        XCTAssertLessThan(rel, tolerance, "\(name): relative error \(rel)", file: file, line: line)
        XCTAssertLessThan(worst, 5 * tolerance, "\(name): worst element error \(worst)", file: file, line: line)
        let nonzero = numeric.contains { abs($0) > 1e-6 }
        XCTAssertTrue(nonzero, "\(name): numeric gradient is all zero, the check proves nothing", file: file, line: line)
    }

    static func random(_ n: Int, seed: UInt64, std: Float = 1) -> [Float] {
        var rng = RNG(seed: seed)
        var a = [Float](repeating: 0, count: n)
        rng.fillNormal(&a, std: std)
        return a
    }
}

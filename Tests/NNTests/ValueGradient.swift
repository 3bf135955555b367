import XCTest

/// Central finite differences over values instead of an inout buffer.
///
/// A loss closure cannot read an array that is being perturbed in place (an overlapping access),
/// so here the loss receives the perturbed value itself, and tests can keep plain arrays and
/// structs of arrays: ±eps per element, divided by the perturbation actually applied in float32.
enum ValueGradient {
    /// d loss / d state[keyPath path][i] for every i.
    static func numeric<S>(_ state: S, _ path: WritableKeyPath<S, [Float]>, eps: Float = 1e-2,
                           loss: (S) -> Double) -> [Double] {
        var probe = state
        let n = state[keyPath: path].count
        var g = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let orig = probe[keyPath: path][i]
            probe[keyPath: path][i] = orig + eps
            let lp = loss(probe)
            probe[keyPath: path][i] = orig - eps
            let lm = loss(probe)
            probe[keyPath: path][i] = orig
            g[i] = (lp - lm) / (Double(orig + eps) - Double(orig - eps))
        }
        return g
    }

    /// d loss / d x[i] for every i.
    static func numeric(at x: [Float], eps: Float = 1e-2, loss: ([Float]) -> Double) -> [Double] {
        numeric(x, \.self, eps: eps, loss: loss)
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// One step of Flow-GRPO's reverse-time SDE, which has the same marginals as the flow's ODE
/// (DESIGN.md §2):
///
///     g  = a·sqrt(σ / (1 − σ))          (σ = 1 uses 1 − σ_1 in the denominator so g stays finite)
///     μ  = x·(1 + g²·dt/(2σ)) + v·(1 + g²·(1 − σ)/(2σ))·dt
///     s  = g·sqrt(−dt)
///     x' = μ + s·ξ,  ξ ~ N(0, I)
///     log p(x' | x) = mean over elements of −(x' − μ)²/(2s²) − log s − ½·log 2π
///
/// The log-prob is a mean over the D elements, not a sum, in float32 — Flow-GRPO's convention, and
/// the reason its ratios shrink like 1/√D and drift by timestep (what GRPO-Guard corrects).
public struct SDEStep: Sendable, Equatable {
    public let sigma: Float
    public let sigmaNext: Float
    /// σ_{k+1} − σ_k (negative).
    public let dt: Float
    public let g: Float
    /// Standard deviation s of the step's Gaussian.
    public let std: Float
    /// μ = xCoef·x + vCoef·v.
    public let xCoef: Float
    public let vCoef: Float

    /// Step k of the schedule `sigmas` (σ_0 = 1 … σ_T = 0) with noise level `a`.
    public init(k: Int, sigmas: [Float], noiseLevel a: Float) {
        let sig = Double(sigmas[k]), next = Double(sigmas[k + 1])
        let dt = next - sig
        let denom = sig >= 1 ? 1 - Double(sigmas[1]) : 1 - sig
        let g = Double(a) * (sig / denom).squareRoot()
        sigma = Float(sig)
        sigmaNext = Float(next)
        self.dt = Float(dt)
        self.g = Float(g)
        std = Float(g * (-dt).squareRoot())
        xCoef = Float(1 + g * g * dt / (2 * sig))
        vCoef = Float((1 + g * g * (1 - sig) / (2 * sig)) * dt)
    }

    /// ½·log 2π, the Gaussian normaliser.
    static let halfLog2Pi = Float(0.5 * log(2 * Double.pi))

    /// μ (n) = xCoef·x + vCoef·v.
    @inline(__always)
    public func mean(_ mu: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, v: UnsafePointer<Float>, count n: Int) {
        for j in 0..<n { mu[j] = xCoef * x[j] + vCoef * v[j] }
    }

    /// Mean-over-elements Gaussian log-density of x' (n) under N(μ, s²), accumulated in double.
    public func logProb(xNext: UnsafePointer<Float>, mu: UnsafePointer<Float>, count n: Int) -> Float {
        var s = 0.0
        for j in 0..<n { let d = Double(xNext[j] - mu[j]); s += d * d }
        let inv2s2 = 1 / (2 * Double(std) * Double(std))
        return Float(-s * inv2s2 / Double(n) - log(Double(std)) - Double(SDEStep.halfLog2Pi))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Tensor

/// GELU with the tanh approximation (as in GPT-2 / DiT's MLP).
public enum GELU {
    /// √(2/π), the constant of the tanh approximation (Hendrycks & Gimpel 2016, eq. 2).
    static let k: Float = 0.797_884_56
    static let cubic: Float = 0.044715

    /// inp (n) → out (n)
    public static func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, count n: Int) {
        for i in 0..<n {
            let x = inp[i]
            out[i] = 0.5 * x * (1 + FastMath.tanh(k * (x + cubic * x * x * x)))
        }
    }

    /// dinp (n) += gelu'(inp) · dout
    public static func backward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                                inp: UnsafePointer<Float>, count n: Int) {
        for i in 0..<n { dinp[i] += derivative(inp[i]) * dout[i] }
    }

    /// gelu'(x); shared with MLP, which multiplies its scratch gradient in place.
    @inline(__always)
    static func derivative(_ x: Float) -> Float {
        let t = FastMath.tanh(k * (x + cubic * x * x * x))
        // sech² = 1 − tanh², which stays finite where cosh would overflow.
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * cubic * x * x)
    }
}

/// SiLU (x · sigmoid(x)), used on the conditioning vector before adaLN.
public enum SiLU {
    /// inp (n) → out (n)
    public static func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, count n: Int) {
        for i in 0..<n {
            let x = inp[i]
            out[i] = x * sigmoid(x)
        }
    }

    /// dinp (n) += silu'(inp) · dout
    public static func backward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                                inp: UnsafePointer<Float>, count n: Int) {
        for i in 0..<n {
            let x = inp[i]
            let s = sigmoid(x)
            dinp[i] += s * (1 + x * (1 - s)) * dout[i]
        }
    }

    /// exp(−x) overflows to +inf for x < −88, which still gives the right limit 0.
    @inline(__always)
    static func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }
}

/// A seeded random generator: xoshiro256** whose four state words come from SplitMix64.
///
/// Randomness in flowrl is always an explicit `RNG` value passed in, so a run is a pure
/// function of its seeds, and `state` can be written into a checkpoint and restored exactly.
public struct RNG: Sendable, Equatable {
    /// The full generator state; restoring it continues the exact same stream.
    public var state: [UInt64]

    public init(seed: UInt64) {
        var sm = seed
        state = (0..<4).map { _ in RNG.splitMix64(&sm) }
        if state.allSatisfy({ $0 == 0 }) { state[0] = 1 }
    }

    public init(state: [UInt64]) {
        precondition(state.count == 4, "an RNG state has 4 words")
        self.state = state
    }

    /// A seed derived from a parent seed and a path of integers (iteration, group, sample…),
    /// so that each sample's randomness does not depend on how the work is split up.
    public static func derive(_ seed: UInt64, _ path: Int...) -> UInt64 {
        var h = seed &+ 0x9E37_79B9_7F4A_7C15
        var out = splitMix64(&h)
        for p in path {
            h = out ^ (UInt64(bitPattern: Int64(p)) &* 0xD1B5_4A32_D192_ED03)
            out = splitMix64(&h)
        }
        return out
    }

    @inline(__always)
    static func splitMix64(_ x: inout UInt64) -> UInt64 {
        x &+= 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inline(__always)
    private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = RNG.rotl(state[1] &* 5, 7) &* 9
        let t = state[1] << 17
        state[2] ^= state[0]
        state[3] ^= state[1]
        state[1] ^= state[2]
        state[0] ^= state[3]
        state[2] ^= t
        state[3] = RNG.rotl(state[3], 45)
        return result
    }

    /// Uniform in [0, 1) with 24 random bits (every float32 in the range is exact).
    @inline(__always)
    public mutating func uniform() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inline(__always)
    public mutating func uniformDouble() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Uniform integer in 0..<n.
    public mutating func int(below n: Int) -> Int {
        precondition(n > 0)
        return Int(next() % UInt64(n))
    }

    /// One standard normal sample (Box–Muller; the second value of the pair is dropped so that
    /// the state alone describes the stream).
    public mutating func normal() -> Float {
        let u1 = max(uniformDouble(), 1e-300)
        let u2 = uniformDouble()
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }

    /// Fills `out` with normal samples of the given std, both values of each Box–Muller pair used.
    public mutating func fillNormal(_ out: inout [Float], std: Float = 1) {
        out.withUnsafeMutableBufferPointer { fillNormal($0, std: std) }
    }

    public mutating func fillNormal(_ out: UnsafeMutableBufferPointer<Float>, std: Float = 1) {
        var i = 0
        let n = out.count
        while i < n {
            let u1 = max(uniformDouble(), 1e-300)
            let u2 = uniformDouble()
            let r = (-2 * log(u1)).squareRoot()
            out[i] = Float(r * cos(2 * Double.pi * u2)) * std
            if i + 1 < n { out[i + 1] = Float(r * sin(2 * Double.pi * u2)) * std }
            i += 2
        }
    }

    /// A Fisher–Yates shuffle driven by this generator.
    public mutating func shuffle<T>(_ a: inout [T]) {
        guard a.count > 1 else { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) {
            a.swapAt(i, int(below: i + 1))
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

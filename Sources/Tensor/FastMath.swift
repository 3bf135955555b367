/// Branch-free float approximations for activation and softmax loops.
///
/// libm's expf and tanhf are calls per element that the compiler cannot vectorise. libm's tanhf is a call per element that the compiler cannot vectorise; on the MLP's
/// (B·T, 4C) activations it took ~15% of a training step. This rational approximation (the one
/// Eigen uses for float tanh: odd degree-13 numerator over even degree-6 denominator, inputs
/// clamped to ±7.9) is within 2e-7 of tanhf on every float and vectorises.
public enum FastMath {
    @inlinable @inline(__always)
    public static func tanh(_ v: Float) -> Float {
        let x = min(max(v, -7.905_311_1), 7.905_311_1)
        let x2 = x * x
        var p: Float = -2.760_768_5e-16
        p = p * x2 + 2.000_187_9e-13
        p = p * x2 - 8.604_671_5e-11
        p = p * x2 + 5.122_297_1e-08
        p = p * x2 + 1.485_722_4e-05
        p = p * x2 + 6.372_619_3e-04
        p = p * x2 + 4.893_524_6e-03
        p = p * x
        var q: Float = 1.198_258_4e-06
        q = q * x2 + 1.185_347_1e-04
        q = q * x2 + 2.268_434_6e-03
        q = q * x2 + 4.893_525_2e-03
        return p / q
    }

    /// e^x to within 2 ulp for x in [−87, 88], exactly 0 below −87.3 (so −inf, the attention mask,
    /// gives an exact zero weight) and +inf above 88.7. Cephes' expf: x = n·ln2 + r with |r| ≤ ½ln2,
    /// a degree-6 polynomial for e^r, and 2^n put straight into the exponent bits.
    @inlinable @inline(__always)
    public static func exp(_ v: Float) -> Float {
        // NaN must come out as NaN (so the trainer's non-finite guard sees it), and must not reach
        // the Int32 conversion below, which traps on NaN.
        let x = v.isNaN ? 0 : min(max(v, -87.336_54), 88.722_83)
        let n = (x * 1.442_695_04).rounded(.toNearestOrEven)
        // ln2 split in two so that n·ln2 is subtracted without rounding error (Cody–Waite).
        let r = x - n * 0.693_359_375 + n * 2.121_944_4e-4
        var p: Float = 1.987_569_1e-4
        p = p * r + 1.398_199_9e-3
        p = p * r + 8.333_452e-3
        p = p * r + 4.166_579_6e-2
        p = p * r + 1.666_666_5e-1
        p = p * r + 5e-1
        let er = p * r * r + r + 1
        // 2^n without Int32(n), whose range check (kept in targets built with -O) stops the
        // compiler from vectorising the loops this is inlined into (softmax took twice as long):
        // adding 1.5·2^23 puts the integer n (|n| ≤ 128) in the low mantissa bits, read back with
        // wrapping integer arithmetic. Same value as Int32(n) for every n this function can see.
        let ni = Int32(bitPattern: (n + 12_582_912).bitPattern) &- 0x4B40_0000
        let scale = Float(bitPattern: UInt32(bitPattern: ni &+ 127) &<< 23)
        let y = er * scale
        return v.isNaN ? v : (v < -87.336_54 ? 0 : (v > 88.722_83 ? .infinity : y))
    }
}

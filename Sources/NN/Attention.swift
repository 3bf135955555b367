import Tensor

/// Multi-head self-attention over a joint sequence, with an optional key mask (padding tokens of
/// the caption are masked). Products are strided sgemm calls on the packed qkv buffer, so no
/// head transposes are copied.
///
/// Each (sample, head) pair is one set of small products: at T = 80 tokens and head size 32 a
/// (T, hs)·(hs, T) product is ~0.4 MFLOP, large enough that the OpenBLAS call overhead (~1 µs)
/// is noise, and attention is ~10% of a block's multiply-adds next to the linears and MLP
/// (2·T²·C vs 12·T·C², a ratio of T / 6C).
/// Such products cannot use both cores inside one call, so samples run in parallel
/// (`Parallel.forRanges`, OpenBLAS single-threaded inside): each sample writes only its own rows
/// of out/att/dqkv. This halved attention time on 2 cores.
public enum Attention {
    /// qkv (B, T, 3C) packed as [q | k | v] per token, head h at columns h·hs..<(h+1)·hs of each part
    /// (hs = C / NH);  keyMask (B, T) with 1 = attend, 0 = masked, or nil;
    /// → out (B, T, C);  att (B, NH, T, T) holds the softmax probabilities for backward.
    public static func forward(out: UnsafeMutablePointer<Float>, att: UnsafeMutablePointer<Float>,
                               qkv: UnsafePointer<Float>, keyMask: UnsafePointer<Float>?,
                               B: Int, T: Int, C: Int, NH: Int) {
        precondition(C % NH == 0, "attention width \(C) is not divisible by \(NH) heads")
        let hs = C / NH
        let scale = 1 / Float(hs).squareRoot()
        let C3 = 3 * C
        Parallel.forRanges(B) { samples in
        for b in samples {
            for h in 0..<NH {
                let q = qkv + b * T * C3 + h * hs
                let k = q + C
                let v = q + 2 * C
                let a = att + (b * NH + h) * T * T
                // preatt (T, T) = scale · q kᵀ, reading the head's columns straight out of qkv.
                BLAS.sgemm(transB: true, M: T, N: T, K: hs, alpha: scale,
                           A: q, lda: C3, B: k, ldb: C3, C: a, ldc: T)
                if let mask = keyMask {
                    let m = mask + b * T
                    // −inf makes exp() exactly 0, so a masked key gets exactly zero weight (not just
                    // a tiny one) and its k/v cannot leak into the output.
                    for i in 0..<T {
                        let row = a + i * T
                        for j in 0..<T where m[j] == 0 { row[j] = -.infinity }
                    }
                }
                Ops.softmaxRows(a, rows: T, cols: T)
                // out (T, hs) = att · v, written into the head's columns of out (row stride C).
                BLAS.sgemm(M: T, N: hs, K: T, A: a, lda: T, B: v, ldb: C3,
                           C: out + b * T * C + h * hs, ldc: C)
            }
        }
        }
    }

    /// dout (B, T, C) → dqkv (B, T, 3C) +=.  datt (B, NH, T, T) is scratch space (overwritten).
    public static func backward(dqkv: UnsafeMutablePointer<Float>, datt: UnsafeMutablePointer<Float>,
                                dout: UnsafePointer<Float>, qkv: UnsafePointer<Float>,
                                att: UnsafePointer<Float>, B: Int, T: Int, C: Int, NH: Int) {
        precondition(C % NH == 0, "attention width \(C) is not divisible by \(NH) heads")
        let hs = C / NH
        let scale = 1 / Float(hs).squareRoot()
        let C3 = 3 * C
        Parallel.forRanges(B) { samples in
        for b in samples {
            for h in 0..<NH {
                let off = b * T * C3 + h * hs
                let q = qkv + off, k = q + C, v = q + 2 * C
                let dq = dqkv + off, dk = dq + C, dv = dq + 2 * C
                let a = att + (b * NH + h) * T * T
                let da = datt + (b * NH + h) * T * T
                let dO = dout + b * T * C + h * hs
                // datt (T, T) = dout · vᵀ;  dv += attᵀ · dout.
                BLAS.sgemm(transB: true, M: T, N: T, K: hs, A: dO, lda: C, B: v, ldb: C3,
                           C: da, ldc: T)
                BLAS.sgemm(transA: true, M: T, N: hs, K: T, A: a, lda: T, B: dO, ldb: C,
                           beta: 1, C: dv, ldc: C3)
                // Softmax Jacobian per row: dpre = att ⊙ (datt − ⟨datt, att⟩), times the q·k scale.
                // Masked keys and fully masked rows have att = 0, so their gradient is exactly 0.
                for i in 0..<T {
                    let ar = a + i * T, dr = da + i * T
                    var s: Float = 0
                    for j in 0..<T { s += dr[j] * ar[j] }
                    for j in 0..<T { dr[j] = scale * ar[j] * (dr[j] - s) }
                }
                // dq += dpre · k;  dk += dpreᵀ · q.
                BLAS.sgemm(M: T, N: hs, K: T, A: da, lda: T, B: k, ldb: C3,
                           beta: 1, C: dq, ldc: C3)
                BLAS.sgemm(transA: true, M: T, N: hs, K: T, A: da, lda: T, B: q, ldb: C3,
                           beta: 1, C: dk, ldc: C3)
            }
        }
        }
    }
}

import Tensor

/// A fully connected layer, weight stored (OC, C) as in PyTorch so checkpoints map 1:1.
/// Backward passes accumulate (+=) into every gradient buffer, as in llm.c, so residual
/// branches and shared inputs need no extra adds.
public enum Linear {
    /// inp (N, C) → out (N, OC);  out = inp · weightᵀ + bias.  weight (OC, C), bias (OC) or nil.
    public static func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                               weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                               N: Int, C: Int, OC: Int) {
        guard N > 0, OC > 0 else { return }
        guard let bias else {
            BLAS.sgemm(transB: true, M: N, N: OC, K: C, A: inp, B: weight, beta: 0, C: out)
            return
        }
        // Bias rows first, then beta = 1: OpenBLAS skips its pass that scales C by beta (it zeroes
        // C for beta = 0) and no second pass adds the bias.
        for n in 0..<N { (out + n * OC).update(from: bias, count: OC) }
        BLAS.sgemm(transB: true, M: N, N: OC, K: C, A: inp, B: weight, beta: 1, C: out)
    }

    /// dout (N, OC) → dinp (N, C) += dout · weight;  dweight (OC, C) += doutᵀ · inp;  dbias (OC) += Σ_n dout.
    /// `dinp` nil skips the input gradient (first layer on data).
    public static func backward(dinp: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>,
                                dbias: UnsafeMutablePointer<Float>?, dout: UnsafePointer<Float>,
                                inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                N: Int, C: Int, OC: Int) {
        guard N > 0, OC > 0, C > 0 else { return }
        // beta = 1 makes BLAS do the accumulation, so no scratch buffer is needed.
        if let dinp {
            BLAS.sgemm(M: N, N: C, K: OC, A: dout, B: weight, beta: 1, C: dinp)
        }
        BLAS.sgemm(transA: true, M: OC, N: C, K: N, A: dout, B: inp, beta: 1, C: dweight)
        guard let dbias else { return }
        for n in 0..<N {
            let row = dout + n * OC
            for o in 0..<OC { dbias[o] += row[o] }
        }
    }
}

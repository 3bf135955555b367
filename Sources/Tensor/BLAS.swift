import CBLAS

/// Row-major single-precision matrix products through OpenBLAS.
///
/// Every matrix product in flowrl goes through here, so the machine's BLAS is what sets the speed.
public enum BLAS {
    /// C (M, N) = alpha · op(A) · op(B) + beta · C, with op(A) (M, K) and op(B) (K, N).
    /// `lda`, `ldb`, `ldc` are the row strides of A, B, C as stored (default: tightly packed).
    @inline(__always)
    public static func sgemm(transA: Bool = false, transB: Bool = false,
                             M: Int, N: Int, K: Int,
                             alpha: Float = 1,
                             A: UnsafePointer<Float>, lda: Int? = nil,
                             B: UnsafePointer<Float>, ldb: Int? = nil,
                             beta: Float = 0,
                             C: UnsafeMutablePointer<Float>, ldc: Int? = nil) {
        let lda = lda ?? (transA ? M : K)
        let ldb = ldb ?? (transB ? K : N)
        let ldc = ldc ?? N
        cblas_sgemm(CblasRowMajor,
                    transA ? CblasTrans : CblasNoTrans,
                    transB ? CblasTrans : CblasNoTrans,
                    Int32(M), Int32(N), Int32(K), alpha,
                    A, Int32(lda), B, Int32(ldb), beta, C, Int32(ldc))
    }

    /// A batch of independent products with fixed strides between the matrices of the batch:
    /// C[b] = alpha · op(A[b]) · op(B[b]) + beta · C[b] for b in 0..<batch.
    /// Used by attention, where each (sample, head) pair is one small product.
    public static func sgemmBatched(batch: Int, transA: Bool = false, transB: Bool = false,
                                    M: Int, N: Int, K: Int, alpha: Float = 1,
                                    A: UnsafePointer<Float>, lda: Int? = nil, strideA: Int,
                                    B: UnsafePointer<Float>, ldb: Int? = nil, strideB: Int,
                                    beta: Float = 0,
                                    C: UnsafeMutablePointer<Float>, ldc: Int? = nil, strideC: Int) {
        for b in 0..<batch {
            sgemm(transA: transA, transB: transB, M: M, N: N, K: K, alpha: alpha,
                  A: A + b * strideA, lda: lda, B: B + b * strideB, ldb: ldb,
                  beta: beta, C: C + b * strideC, ldc: ldc)
        }
    }

    /// Matrix product of two rank-2 tensors, optionally transposed: op(a) · op(b).
    public static func matmul(_ a: Tensor, _ b: Tensor, transA: Bool = false, transB: Bool = false) -> Tensor {
        precondition(a.rank == 2 && b.rank == 2, "matmul takes rank-2 tensors")
        let (M, K) = transA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let (K2, N) = transB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
        precondition(K == K2, "matmul inner dimensions differ: \(K) vs \(K2)")
        var c = Tensor(zeros: [M, N])
        a.data.withUnsafeBufferPointer { pa in
            b.data.withUnsafeBufferPointer { pb in
                c.data.withUnsafeMutableBufferPointer { pc in
                    sgemm(transA: transA, transB: transB, M: M, N: N, K: K,
                          A: pa.baseAddress!, B: pb.baseAddress!, C: pc.baseAddress!)
                }
            }
        }
        return c
    }

    /// How many threads OpenBLAS uses for one product.
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, newValue))) }
    }
}

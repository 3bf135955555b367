import XCTest
import Tensor

/// BLAS wrappers against a naive triple loop written here (fine in a test, never on a hot path).
final class BLASTests: XCTestCase {
    /// C = alpha · op(A) · op(B) + beta · C, with row strides lda, ldb, ldc.
    func naiveGemm(transA: Bool, transB: Bool, M: Int, N: Int, K: Int, alpha: Float,
                   A: [Float], lda: Int, B: [Float], ldb: Int, beta: Float, C: inout [Float], ldc: Int,
                   offsetA: Int = 0, offsetB: Int = 0, offsetC: Int = 0) {
        for i in 0..<M {
            for j in 0..<N {
                var s: Double = 0
                for k in 0..<K {
                    let a = transA ? A[offsetA + k * lda + i] : A[offsetA + i * lda + k]
                    let b = transB ? B[offsetB + j * ldb + k] : B[offsetB + k * ldb + j]
                    s += Double(a) * Double(b)
                }
                let c = offsetC + i * ldc + j
                C[c] = alpha * Float(s) + beta * C[c]
            }
        }
    }

    func random(_ n: Int, _ rng: inout RNG) -> [Float] {
        var x = [Float](repeating: 0, count: n)
        rng.fillNormal(&x)
        return x
    }

    func assertClose(_ a: [Float], _ b: [Float], _ message: String = "", line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, line: line)
        let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThan(worst, 1e-4, message, line: line)
    }

    func testSgemmMatchesNaiveForAllTransposesWithStrides() {
        var rng = RNG(seed: 21)
        let (M, N, K) = (5, 4, 3)
        for transA in [false, true] {
            for transB in [false, true] {
                // Stored shapes, each row padded by 2 so that wrong strides read the wrong values.
                let (aRows, aCols) = transA ? (K, M) : (M, K)
                let (bRows, bCols) = transB ? (N, K) : (K, N)
                let lda = aCols + 2, ldb = bCols + 2, ldc = N + 3
                let A = random(aRows * lda, &rng), B = random(bRows * ldb, &rng)
                var C = random(M * ldc, &rng)
                var expected = C
                naiveGemm(transA: transA, transB: transB, M: M, N: N, K: K, alpha: 0.7, A: A, lda: lda,
                          B: B, ldb: ldb, beta: 0.3, C: &expected, ldc: ldc)
                A.withUnsafeBufferPointer { a in
                    B.withUnsafeBufferPointer { b in
                        C.withUnsafeMutableBufferPointer { c in
                            BLAS.sgemm(transA: transA, transB: transB, M: M, N: N, K: K, alpha: 0.7,
                                       A: a.baseAddress!, lda: lda, B: b.baseAddress!, ldb: ldb, beta: 0.3,
                                       C: c.baseAddress!, ldc: ldc)
                        }
                    }
                }
                // Padding columns of C must be untouched too, which comparing whole buffers checks.
                assertClose(C, expected, "transA=\(transA) transB=\(transB)")
            }
        }
    }

    func testSgemmBatchedMatchesNaivePerBatch() {
        var rng = RNG(seed: 22)
        let (batch, M, N, K) = (3, 4, 3, 5)
        for transA in [false, true] {
            for transB in [false, true] {
                let (aRows, aCols) = transA ? (K, M) : (M, K)
                let (bRows, bCols) = transB ? (N, K) : (K, N)
                let lda = aCols + 1, ldb = bCols + 2, ldc = N + 1
                let strideA = aRows * lda + 3, strideB = bRows * ldb + 1, strideC = M * ldc + 2
                let A = random(batch * strideA, &rng), B = random(batch * strideB, &rng)
                var C = random(batch * strideC, &rng)
                var expected = C
                for b in 0..<batch {
                    naiveGemm(transA: transA, transB: transB, M: M, N: N, K: K, alpha: 1.5, A: A, lda: lda,
                              B: B, ldb: ldb, beta: -1, C: &expected, ldc: ldc,
                              offsetA: b * strideA, offsetB: b * strideB, offsetC: b * strideC)
                }
                A.withUnsafeBufferPointer { a in
                    B.withUnsafeBufferPointer { b in
                        C.withUnsafeMutableBufferPointer { c in
                            BLAS.sgemmBatched(batch: batch, transA: transA, transB: transB, M: M, N: N, K: K,
                                              alpha: 1.5, A: a.baseAddress!, lda: lda, strideA: strideA,
                                              B: b.baseAddress!, ldb: ldb, strideB: strideB, beta: -1,
                                              C: c.baseAddress!, ldc: ldc, strideC: strideC)
                        }
                    }
                }
                assertClose(C, expected, "transA=\(transA) transB=\(transB)")
            }
        }
    }

    func testMatmulMatchesNaiveForAllTransposes() {
        var rng = RNG(seed: 23)
        let (M, N, K) = (3, 6, 4)
        for transA in [false, true] {
            for transB in [false, true] {
                let a = Tensor(randomNormal: transA ? [K, M] : [M, K], rng: &rng)
                let b = Tensor(randomNormal: transB ? [N, K] : [K, N], rng: &rng)
                var expected = [Float](repeating: 0, count: M * N)
                naiveGemm(transA: transA, transB: transB, M: M, N: N, K: K, alpha: 1, A: a.data, lda: a.shape[1],
                          B: b.data, ldb: b.shape[1], beta: 0, C: &expected, ldc: N)
                let c = BLAS.matmul(a, b, transA: transA, transB: transB)
                XCTAssertEqual(c.shape, [M, N])
                assertClose(c.data, expected, "transA=\(transA) transB=\(transB)")
            }
        }
    }

    func testSoftmaxRowsSumToOneAndPreserveOrder() {
        var rng = RNG(seed: 24)
        var x = Tensor(randomNormal: [4, 7], std: 10, rng: &rng)
        x.data[3] = 1000 // large logits must not overflow thanks to the max shift
        x.data[8] = -.infinity // a masked entry gets exactly zero weight
        let y = x.softmaxLastAxis()
        for r in 0..<4 {
            let row = Array(y.data[(r * 7)..<(r * 7 + 7)])
            XCTAssertEqual(row.reduce(0, +), 1, accuracy: 1e-5)
            XCTAssertTrue(row.allSatisfy { $0 >= 0 && $0.isFinite })
            let logits = Array(x.data[(r * 7)..<(r * 7 + 7)])
            XCTAssertEqual(row.firstIndex(of: row.max()!), logits.firstIndex(of: logits.max()!))
        }
        XCTAssertEqual(y.data[8], 0)
        XCTAssertEqual(y.data[3], 1, accuracy: 1e-6)
    }

    func testFullyMaskedSoftmaxRowIsZeros() {
        var x = [Float](repeating: -.infinity, count: 10)
        x[5...] = [1, 2, 3, 4, 5]
        x.withUnsafeMutableBufferPointer { Ops.softmaxRows($0.baseAddress!, rows: 2, cols: 5) }
        XCTAssertEqual(Array(x[0..<5]), [0, 0, 0, 0, 0])
        XCTAssertFalse(x.contains { $0.isNaN })
        XCTAssertEqual(x[5...].reduce(0, +), 1, accuracy: 1e-6)
    }
}

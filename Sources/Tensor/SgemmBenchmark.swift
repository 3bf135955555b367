import Foundation

/// Measures the machine's single-precision matrix-multiply throughput through OpenBLAS, the
/// yardstick against which the network's own throughput is reported ("achieved / sgemm peak").
public enum SgemmBenchmark {
    public struct Result: Codable, Sendable {
        public var m: Int, n: Int, k: Int
        public var threads: Int
        public var gflops: Double
        public var seconds: Double
    }

    /// GFLOPS of C(M,N) = A(M,K)·B(K,N) with `threads` OpenBLAS threads: the best of several timed
    /// repetitions after one warm-up, each repetition running for at least `minSeconds`.
    public static func measure(m: Int, n: Int, k: Int, threads: Int, transB: Bool = false,
                               minSeconds: Double = 0.2, repeats: Int = 3) -> Result {
        let saved = BLAS.threads
        BLAS.threads = threads
        defer { BLAS.threads = saved }
        var rng = RNG(seed: 1)
        var a = [Float](repeating: 0, count: m * k); rng.fillNormal(&a)
        var b = [Float](repeating: 0, count: k * n); rng.fillNormal(&b)
        var c = [Float](repeating: 0, count: m * n)
        let flops = 2.0 * Double(m) * Double(n) * Double(k)
        var best = 0.0, bestSeconds = 0.0
        a.withUnsafeBufferPointer { A in
            b.withUnsafeBufferPointer { B in
                c.withUnsafeMutableBufferPointer { C in
                    func run() {
                        BLAS.sgemm(transB: transB, M: m, N: n, K: k, A: A.baseAddress!, B: B.baseAddress!, C: C.baseAddress!)
                    }
                    run()
                    for _ in 0..<repeats {
                        var iters = 0
                        let start = DispatchTime.now().uptimeNanoseconds
                        var elapsed = 0.0
                        repeat {
                            run(); iters += 1
                            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                        } while elapsed < minSeconds
                        let g = flops * Double(iters) / elapsed / 1e9
                        if g > best { best = g; bestSeconds = elapsed / Double(iters) }
                    }
                }
            }
        }
        return Result(m: m, n: n, k: k, threads: threads, gflops: best, seconds: bestSeconds)
    }
}

import Foundation
import NN
import Tensor

/// Times the velocity network's forward and forward+backward passes at a batch size and reports
/// images/s and achieved GFLOPS, with FLOPs counted analytically from the config (matrix products
/// only, backward = 2 × forward); and times sgemm at the shapes the network actually multiplies.
public enum NetworkBenchmark {
    public struct Result: Codable, Sendable {
        public var batch: Int
        public var forwardSeconds: Double
        public var forwardBackwardSeconds: Double
        public var forwardGFLOPS: Double
        public var forwardBackwardGFLOPS: Double
        public var forwardImagesPerSecond: Double
        public var imagesPerSecond: Double
        enum CodingKeys: String, CodingKey {
            case batch, forwardSeconds = "forward_seconds", forwardBackwardSeconds = "forward_backward_seconds"
            case forwardGFLOPS = "forward_gflops", forwardBackwardGFLOPS = "forward_backward_gflops"
            case forwardImagesPerSecond = "forward_images_per_second"
            case imagesPerSecond = "train_images_per_second"
        }
    }

    public static func measure(config: ModelConfig, batch B: Int, repeats: Int = 5) -> Result {
        var rng = RNG(seed: 5)
        var params = VelocityNetwork.initialParameters(config, rng: &rng)
        rng.fillNormal(&params.values, std: 0.02)   // non-zero adaLN so every branch does real work
        let net = VelocityNetwork(config: config, maxBatch: B)
        let D = config.imageElements
        var x = [Float](repeating: 0, count: B * D); rng.fillNormal(&x)
        let sigma = (0..<B).map { _ in rng.uniform() }
        let tokens = (0..<(B * config.maxTextTokens)).map { _ in Int32(1 + rng.int(below: config.vocabSize - 1)) }
        var dout = [Float](repeating: 0, count: B * D); rng.fillNormal(&dout)
        func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
        net.forward(params, x: x, sigma: sigma, tokens: tokens, batch: B)   // warm-up
        net.backward(&params, dout: dout, batch: B)
        var fwd = Double.infinity, fb = Double.infinity
        for _ in 0..<repeats {
            let t0 = now()
            net.forward(params, x: x, sigma: sigma, tokens: tokens, batch: B)
            let t1 = now()
            params.zeroGrads()
            net.backward(&params, dout: dout, batch: B)
            let t2 = now()
            fwd = min(fwd, t1 - t0)
            fb = min(fb, t2 - t0)
        }
        let flops = 2.0 * Double(config.forwardMACsPerSample) * Double(B)
        return Result(batch: B, forwardSeconds: fwd, forwardBackwardSeconds: fb,
                      forwardGFLOPS: flops / fwd / 1e9, forwardBackwardGFLOPS: 3 * flops / fb / 1e9,
                      forwardImagesPerSecond: Double(B) / fwd, imagesPerSecond: Double(B) / fb)
    }

    /// One matrix product the network performs: C (m, n) = op(A) · op(B) with inner size k.
    public struct Shape: Codable, Sendable {
        public var name: String
        public var m: Int, n: Int, k: Int
        public var transA: Bool, transB: Bool
        enum CodingKeys: String, CodingKey { case name, m, n, k, transA = "trans_a", transB = "trans_b" }
    }

    /// sgemm throughput at one shape: one single-threaded call stream alone, and one stream per
    /// worker running concurrently (how the sharded network issues its products).
    public struct ShapeResult: Codable, Sendable {
        public var shape: Shape
        public var singleThreadGFLOPS: Double
        public var concurrentGFLOPS: Double
        public var workers: Int
        enum CodingKeys: String, CodingKey {
            case shape, singleThreadGFLOPS = "single_thread_gflops", concurrentGFLOPS = "concurrent_gflops", workers
        }
    }

    /// The products of one network shard at batch B split over `shards` workers: the linears on
    /// (B/shards)·T rows, one attention head's products, and two of the backward's products.
    public static func modelShapes(config c: ModelConfig, batch B: Int, shards: Int) -> [Shape] {
        let T = c.sequenceLength, C = c.width, H = c.hidden, hs = c.width / c.heads
        let M = (B + shards - 1) / max(1, shards) * T
        return [
            Shape(name: "qkv     (B·T,C)·(C,3C)", m: M, n: 3 * C, k: C, transA: false, transB: true),
            Shape(name: "proj    (B·T,C)·(C,C)", m: M, n: C, k: C, transA: false, transB: true),
            Shape(name: "fc1     (B·T,C)·(C,4C)", m: M, n: H, k: C, transA: false, transB: true),
            Shape(name: "fc2     (B·T,4C)·(4C,C)", m: M, n: C, k: H, transA: false, transB: true),
            Shape(name: "q·kᵀ    (T,hs)·(hs,T)", m: T, n: T, k: hs, transA: false, transB: true),
            Shape(name: "att·v   (T,T)·(T,hs)", m: T, n: hs, k: T, transA: false, transB: false),
            Shape(name: "fc1 dW  (4C,B·T)·(B·T,C)", m: H, n: C, k: M, transA: true, transB: false),
            Shape(name: "fc2 dx  (B·T,C)·(C,4C)", m: M, n: H, k: C, transA: false, transB: false),
        ]
    }

    /// Times `shape` single-threaded, then on `workers` concurrent single-threaded streams.
    public static func measure(shape s: Shape, workers: Int, minSeconds: Double = 0.1) -> ShapeResult {
        let w = max(1, workers)
        let arena = Arena()
        var rng = RNG(seed: 2)
        let bufs = (0..<w).map { _ -> (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) in
            let a = arena.take(s.m * s.k), b = arena.take(s.k * s.n)
            for i in 0..<(s.m * s.k) { a[i] = rng.normal() }
            for i in 0..<(s.k * s.n) { b[i] = rng.normal() }
            return (a, b, arena.take(s.m * s.n))
        }
        func run(_ i: Int, _ times: Int) {
            let (a, b, c) = bufs[i]
            for _ in 0..<times {
                BLAS.sgemm(transA: s.transA, transB: s.transB, M: s.m, N: s.n, K: s.k, A: a, B: b, C: c)
            }
        }
        func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
        let saved = BLAS.threads
        BLAS.threads = 1
        defer { BLAS.threads = saved }
        run(0, 1)
        // Calibrate a repetition count that runs about minSeconds, then keep the best of 3.
        var reps = 1
        while true {
            let t0 = now(); run(0, reps); let dt = now() - t0
            if dt >= minSeconds / 4 { reps = max(1, Int(Double(reps) * minSeconds / dt)); break }
            reps *= 4
        }
        let flops = 2.0 * Double(s.m) * Double(s.n) * Double(s.k)
        var single = 0.0, concurrent = 0.0
        let times = reps
        for _ in 0..<3 {
            var t0 = now(); run(0, times)
            single = max(single, flops * Double(times) / (now() - t0) / 1e9)
            t0 = now()
            let box = UncheckedSendable(run)
            DispatchQueue.concurrentPerform(iterations: w) { i in box.value(i, times) }
            concurrent = max(concurrent, flops * Double(times * w) / (now() - t0) / 1e9)
        }
        return ShapeResult(shape: s, singleThreadGFLOPS: single, concurrentGFLOPS: concurrent, workers: w)
    }
}

import Foundation
import NN
import Tensor

/// Times the velocity network's forward and forward+backward passes at a batch size and reports
/// images/s and achieved GFLOPS, with FLOPs counted analytically from the config (matrix products
/// only, backward = 2 × forward).
public enum NetworkBenchmark {
    public struct Result: Codable, Sendable {
        public var batch: Int
        public var forwardSeconds: Double
        public var forwardBackwardSeconds: Double
        public var forwardGFLOPS: Double
        public var forwardBackwardGFLOPS: Double
        public var imagesPerSecond: Double
        enum CodingKeys: String, CodingKey {
            case batch, forwardSeconds = "forward_seconds", forwardBackwardSeconds = "forward_backward_seconds"
            case forwardGFLOPS = "forward_gflops", forwardBackwardGFLOPS = "forward_backward_gflops"
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
                      imagesPerSecond: Double(B) / fb)
    }
}

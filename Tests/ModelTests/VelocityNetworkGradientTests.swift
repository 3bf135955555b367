import XCTest
import NN
import Tensor
@testable import Model

/// End-to-end check of the network's hand-written backward pass against central finite
/// differences, on a tiny configuration where every weight is randomised (the adaLN-Zero init
/// would otherwise zero most gradient paths and hide mistakes behind them).
final class VelocityNetworkGradientTests: XCTestCase {
    static let tiny = ModelConfig(width: 16, depth: 2, heads: 2, vocabSize: 10, maxTextTokens: 4,
                                  mlpRatio: 2, timeFeatures: 8, imageSize: 8, patchSize: 4)

    func testNetworkBackwardMatchesFiniteDifferences() {
        let c = Self.tiny
        let B = 2, D = c.imageElements
        var rng = RNG(seed: 7)
        var params = VelocityNetwork.initialParameters(c, rng: &rng)
        rng.fillNormal(&params.values, std: 0.3)
        let net = VelocityNetwork(config: c, maxBatch: B)
        var x = [Float](repeating: 0, count: B * D); rng.fillNormal(&x)
        let sigma: [Float] = [0.3, 0.8]
        // sample 0 has one padding token (masked), sample 1 none
        let tokens: [Int32] = [3, 5, 1, 0, 2, 9, 4, 7]
        var w = [Float](repeating: 0, count: B * D); rng.fillNormal(&w)

        func loss(_ p: Parameters) -> Double {
            net.forward(p, x: x, sigma: sigma, tokens: tokens, batch: B)
            var s = 0.0
            for i in 0..<(B * D) { s += Double(net.output[i]) * Double(w[i]) }
            return s
        }
        _ = loss(params)
        params.zeroGrads()
        net.backward(&params, dout: w, batch: B)

        var checked = 0
        for info in params.infos {
            // up to 12 elements per tensor, spread over it
            let picks = Set((0..<min(12, info.count)).map { _ in rng.int(below: info.count) })
            var analytic: [Float] = [], numeric: [Double] = []
            for i in picks {
                let j = info.offset + i
                let orig = params.values[j]
                let eps: Float = 1e-2
                params.values[j] = orig + eps; let lp = loss(params)
                params.values[j] = orig - eps; let lm = loss(params)
                params.values[j] = orig
                numeric.append((lp - lm) / (Double(orig + eps) - Double(orig - eps)))
                analytic.append(params.grads[j])
            }
            var diff = 0.0
            for k in 0..<numeric.count { diff += pow(Double(analytic[k]) - numeric[k], 2) }
            let norm = max(numeric.map { $0 * $0 }.reduce(0, +), analytic.map { Double($0) * Double($0) }.reduce(0, +))
            let rel = (diff / max(norm, 1e-20)).squareRoot()
            XCTAssertLessThan(rel, 2e-2, "\(info.name): relative error \(rel)")
            XCTAssertTrue(numeric.contains { abs($0) > 1e-5 } || info.name == "text_embed.weight",
                          "\(info.name): gradient is zero at every checked element")
            checked += numeric.count
        }
        XCTAssertGreaterThan(checked, 200)
    }

    /// A padding token's embedding cannot influence the output: its key is masked and it is never read
    /// by the final layer, so its gradient must be exactly zero.
    func testPaddingEmbeddingGetsNoGradient() {
        let c = Self.tiny
        var rng = RNG(seed: 3)
        var params = VelocityNetwork.initialParameters(c, rng: &rng)
        rng.fillNormal(&params.values, std: 0.3)
        let net = VelocityNetwork(config: c, maxBatch: 1)
        var x = [Float](repeating: 0, count: c.imageElements); rng.fillNormal(&x)
        let tokens: [Int32] = [3, 0, 0, 0]
        net.forward(params, x: x, sigma: [0.5], tokens: tokens, batch: 1)
        var w = [Float](repeating: 0, count: c.imageElements); rng.fillNormal(&w)
        params.zeroGrads()
        net.backward(&params, dout: w, batch: 1)
        let emb = params.gradient("text_embed.weight")
        let row0 = emb.data[0..<c.width]
        let row3 = emb.data[(3 * c.width)..<(4 * c.width)]
        XCTAssertTrue(row0.allSatisfy { $0 == 0 }, "padding id 0 received gradient")
        XCTAssertTrue(row3.contains { $0 != 0 }, "a real token received no gradient")
    }

    /// adaLN-Zero: a freshly initialised network predicts exactly zero velocity.
    func testFreshNetworkOutputsZeroVelocity() {
        let c = Self.tiny
        var rng = RNG(seed: 1)
        let params = VelocityNetwork.initialParameters(c, rng: &rng)
        let net = VelocityNetwork(config: c, maxBatch: 1)
        var x = [Float](repeating: 0, count: c.imageElements); rng.fillNormal(&x)
        net.forward(params, x: x, sigma: [0.5], tokens: [1, 2, 0, 0], batch: 1)
        for i in 0..<c.imageElements { XCTAssertEqual(net.output[i], 0) }
    }
}

final class ShardedNetworkTests: XCTestCase {
    /// Splitting a batch across worker shards gives the same velocities and gradients as one
    /// shard, up to float rounding: OpenBLAS may round differently for a different number of rows,
    /// and shard gradients are summed in another order.
    func testTwoShardsMatchOneShard() {
        let c = VelocityNetworkGradientTests.tiny
        let B = 5, D = c.imageElements
        var rng = RNG(seed: 9)
        var params = VelocityNetwork.initialParameters(c, rng: &rng)
        rng.fillNormal(&params.values, std: 0.3)
        var x = [Float](repeating: 0, count: B * D); rng.fillNormal(&x)
        let sigma: [Float] = [0.1, 0.3, 0.5, 0.7, 0.9]
        let tokens: [Int32] = (0..<(B * c.maxTextTokens)).map { Int32($0 % 7) }
        var w = [Float](repeating: 0, count: B * D); rng.fillNormal(&w)

        func run(workers: Int) -> ([Float], [Float]) {
            Parallel.configure(threads: workers)
            defer { Parallel.configure(threads: 1) }
            let net = VelocityNetwork(config: c, maxBatch: B)
            XCTAssertEqual(net.shards.count, workers)
            net.forward(params, x: x, sigma: sigma, tokens: tokens, batch: B)
            let out = Array(UnsafeBufferPointer(start: net.output, count: B * D))
            var p = params
            p.zeroGrads()
            net.backward(&p, dout: w, batch: B)
            return (out, p.grads)
        }
        let (o1, g1) = run(workers: 1)
        let (o2, g2) = run(workers: 2)
        var outWorst: Float = 0
        for i in 0..<o1.count { outWorst = max(outWorst, abs(o1[i] - o2[i])) }
        XCTAssertLessThan(outWorst, 1e-5)
        var worst: Float = 0, scale: Float = 0
        for i in 0..<g1.count { worst = max(worst, abs(g1[i] - g2[i])); scale = max(scale, abs(g1[i])) }
        XCTAssertLessThan(worst, 1e-5 * max(scale, 1))
    }
}

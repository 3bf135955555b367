import XCTest
import Model
import NN
import Tensor
@testable import RL

final class RolloutTests: XCTestCase {
    /// With noise level a = 0 the SDE step is the Euler step: the samplers coincide.
    func testSDEWithZeroNoiseEqualsODE() throws {
        let params = TinyRL.base(seed: 3)
        let net = VelocityNetwork(config: TinyRL.model, maxBatch: 4)
        let tokenizer = Tokenizer(maxTokens: TinyRL.model.maxTextTokens)
        let ids = try tokenizer.encode("a red circle")
        let seeds: [UInt64] = [11, 12, 13]
        let tokens = seeds.flatMap { _ in ids }
        let sde = SDESampler.rollout(network: net, params: params, tokens: tokens, seeds: seeds,
                                     options: RolloutOptions(steps: 6, shift: 3, noiseLevel: 0))
        let D = TinyRL.model.imageElements
        var noise: [Float] = []
        for s in seeds { var r = RNG(seed: s); var n = [Float](repeating: 0, count: D); r.fillNormal(&n); noise += n }
        let ode = ODESampler.sample(network: net, params: params, tokens: tokens, noise: noise, batch: seeds.count,
                                    options: ODESamplerOptions(steps: 6, shift: 3, cfgScale: 1))
        let finals = sde.finalImages
        for i in 0..<ode.count { XCTAssertEqual(finals[i], ode[i], accuracy: 1e-5) }
    }

    /// A sample depends on its own seed only, not on the batch it was generated in.
    func testSampleIsReproducibleAlone() throws {
        let params = TinyRL.base(seed: 4)
        let net = VelocityNetwork(config: TinyRL.model, maxBatch: 8)
        let ids = try Tokenizer(maxTokens: 12).encode("two blue squares")
        let opts = RolloutOptions(steps: 5, shift: 3, noiseLevel: 0.7)
        let batch = SDESampler.rollout(network: net, params: params, tokens: Array(repeating: ids, count: 3).flatMap { $0 },
                                       seeds: [7, 8, 9], options: opts)
        let alone = SDESampler.rollout(network: net, params: params, tokens: ids, seeds: [8], options: opts)
        let D = batch.elements
        let a = Array(batch.finalImages[D..<(2 * D)]), b = alone.finalImages
        for i in 0..<D { XCTAssertEqual(a[i], b[i], accuracy: 1e-5) }
        XCTAssertEqual(batch.logProbs[opts.trainedSteps..<(2 * opts.trainedSteps)].map { $0 }, alone.logProbs.map { $0 },
                       accuracy: 1e-4)
    }

    /// With shared initial noise (DanceGRPO), samples of one initial-noise seed start from the same
    /// x_0, which is RNG(initial-noise seed)'s first draw, and part ways through their own ξ; each
    /// is still reproducible alone from its pair of seeds.
    func testSharedInitialNoiseStartsTogetherAndPartsThroughXi() throws {
        let params = TinyRL.base(seed: 6)
        let net = VelocityNetwork(config: TinyRL.model, maxBatch: 4)
        let ids = try Tokenizer(maxTokens: 12).encode("a red circle above a blue square")
        let opts = RolloutOptions(steps: 4, shift: 3, noiseLevel: 0.7)
        let b = SDESampler.rollout(network: net, params: params, tokens: ids + ids + ids, seeds: [1, 2, 3],
                                   initialNoiseSeeds: [40, 40, 41], options: opts)
        let D = b.elements
        func state(_ batch: RolloutBatch, _ i: Int, _ k: Int) -> [Float] {
            Array(batch.states[batch.stateOffset(i, k)..<(batch.stateOffset(i, k) + D)])
        }
        var rng = RNG(seed: 40)
        var x0 = [Float](repeating: 0, count: D)
        rng.fillNormal(&x0)
        XCTAssertEqual(state(b, 0, 0), x0)
        XCTAssertEqual(state(b, 1, 0), x0)
        XCTAssertNotEqual(state(b, 2, 0), x0)
        XCTAssertNotEqual(state(b, 0, 1), state(b, 1, 1), "different ξ after the first step")
        let alone = SDESampler.rollout(network: net, params: params, tokens: ids, seeds: [2], initialNoiseSeeds: [40], options: opts)
        // (Equal up to the rounding of a different batch size in the network's matrix products.)
        for (u, v) in zip(state(alone, 0, opts.steps), state(b, 1, opts.steps)) { XCTAssertEqual(u, v, accuracy: 1e-5) }
        // Without initial-noise seeds, x_0 is the first draw of the sample's own stream, as before.
        let own = SDESampler.rollout(network: net, params: params, tokens: ids, seeds: [40], options: opts)
        XCTAssertEqual(state(own, 0, 0), x0)
    }

    /// The stored log-prob of each trained step is the Gaussian density of the stored next state.
    func testStoredLogProbsMatchStoredStates() throws {
        let params = TinyRL.base(seed: 5)
        let net = VelocityNetwork(config: TinyRL.model, maxBatch: 2)
        let ids = try Tokenizer(maxTokens: 12).encode("a green triangle")
        let b = SDESampler.rollout(network: net, params: params, tokens: ids + ids, seeds: [1, 2],
                                   options: RolloutOptions(steps: 4, shift: 1, noiseLevel: 0.7))
        let D = b.elements
        for i in 0..<2 {
            for k in 0..<b.trainedSteps {
                let s = b.stepInfo[k]
                let xn = Array(b.states[b.stateOffset(i, k + 1)..<(b.stateOffset(i, k + 1) + D)])
                let mu = Array(b.means[b.meanOffset(i, k)..<(b.meanOffset(i, k) + D)])
                var ll = 0.0
                for d in 0..<D {
                    let z = Double(xn[d] - mu[d]) / Double(s.std)
                    ll += -0.5 * z * z - log(Double(s.std)) - 0.5 * log(2 * Double.pi)
                }
                XCTAssertEqual(Double(b.logProbs[i * b.trainedSteps + k]), ll / Double(D), accuracy: 1e-4)
            }
        }
    }

    /// An SDE window of W steps: the first W steps are the full rollout's (same ξ, same log-probs),
    /// every later step is the deterministic Euler step x' = x + v·dt, and only W steps are trained.
    func testSDEWindowIsStochasticFirstThenEuler() throws {
        let params = TinyRL.base(seed: 6)
        let net = VelocityNetwork(config: TinyRL.model, maxBatch: 2)
        let ids = try Tokenizer(maxTokens: 12).encode("a red circle above a blue square")
        let full = RolloutOptions(steps: 6, shift: 3, noiseLevel: 0.7)
        var window = full
        window.sdeSteps = 2
        XCTAssertEqual(full.trainedSteps, 5)
        XCTAssertEqual(window.trainedSteps, 2)
        XCTAssertEqual(RolloutOptions(steps: 6, sdeSteps: 40).trainedSteps, 5, "a window longer than the schedule is all of it")
        let a = SDESampler.rollout(network: net, params: params, tokens: ids + ids, seeds: [3, 4], options: full)
        let b = SDESampler.rollout(network: net, params: params, tokens: ids + ids, seeds: [3, 4], options: window)
        let D = b.elements
        for i in 0..<2 {
            for k in 0...2 {   // x_0 … x_2
                let o = a.stateOffset(i, k)
                XCTAssertEqual(Array(b.states[o..<(o + D)]), Array(a.states[o..<(o + D)]), accuracy: 0)
            }
            XCTAssertEqual(Array(b.logProbs[(i * 2)..<(i * 2 + 2)]), Array(a.logProbs[(i * 5)..<(i * 5 + 2)]), accuracy: 0)
            for k in 2..<6 {
                let x = Array(b.states[b.stateOffset(i, k)..<(b.stateOffset(i, k) + D)])
                let next = Array(b.states[b.stateOffset(i, k + 1)..<(b.stateOffset(i, k + 1) + D)])
                net.forward(params, x: x, sigma: [b.stepInfo[k].sigma], tokens: ids, batch: 1)
                let v = Array(UnsafeBufferPointer(start: net.output, count: D))
                XCTAssertEqual(next, zip(x, v).map { $0 + $1 * b.stepInfo[k].dt }, accuracy: 1e-5)
            }
        }
        // A different window changes the image: the policy's noise stops at step 2.
        XCTAssertNotEqual(a.finalImages, b.finalImages)
    }
}

func XCTAssertEqual(_ a: [Float], _ b: [Float], accuracy: Float, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, file: file, line: line) }
}

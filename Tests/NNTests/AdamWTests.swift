import XCTest
import Tensor
import NN

final class AdamWTests: XCTestCase {
    /// Two steps on a rank-2 tensor and a rank-1 tensor with identical values and gradients.
    /// Expected values were computed by hand (in double) from the AdamW update
    /// p -= lr · (m̂ / (√v̂ + eps) + wd · p), m̂ = m / (1 − β1ᵗ), v̂ = v / (1 − β2ᵗ).
    /// The third element's second step only comes out right with bias correction: m̂ = −0.003/0.19.
    func testTwoStepsMatchHandComputedBiasCorrectedUpdate() {
        var params = Parameters([(name: "fc.weight", shape: [1, 3]), (name: "fc.bias", shape: [3])])
        params.values = [1, -2, 0.5, 1, -2, 0.5]
        var opt = AdamW(parameterCount: params.count, lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.5)
        params.grads = [0.1, -0.2, 0.3, 0.1, -0.2, 0.3]
        opt.update(&params)
        XCTAssertEqual(opt.step, 1)
        assertClose(params.values, [0.85, -1.8, 0.375, 0.9, -1.9, 0.4], "after step 1")
        params.grads = [0.4, 0, -0.3, 0.4, 0, -0.3]
        opt.update(&params)
        XCTAssertEqual(opt.step, 2)
        assertClose(params.values, [0.7190624, -1.6429942, 0.3615132, 0.8115624, -1.8329942, 0.4052632], "after step 2")
    }

    func testWeightDecayShrinksOnlyMatricesAndTables() {
        var params = Parameters([(name: "emb.weight", shape: [2, 2]), (name: "norm.weight", shape: [2]),
                                 (name: "proj.weight", shape: [1, 1, 2]), (name: "proj.bias", shape: [1])])
        params.values = [1, 2, 3, 4, 5, 6, 7, 8, 9]
        let before = params.values
        var opt = AdamW(parameterCount: params.count, lr: 0.1, weightDecay: 0.2)
        // With zero gradients Adam's step is 0/(0 + eps) = 0, so only decay can move a value.
        opt.update(&params)
        let shrink: Float = 1 - 0.1 * 0.2
        let expected = [before[0] * shrink, before[1] * shrink, before[2] * shrink, before[3] * shrink,
                        before[4], before[5], before[6] * shrink, before[7] * shrink, before[8]]
        assertClose(params.values, expected, "decay")
    }

    func testLearningRateOverrideReplacesDefaultForOneStep() {
        var a = Parameters([(name: "b", shape: [3])]), b = a
        a.grads = [1, -1, 2]
        b.grads = a.grads
        var optA = AdamW(parameterCount: 3, lr: 0.5), optB = AdamW(parameterCount: 3, lr: 0.01)
        optA.update(&a)
        optB.update(&b, lr: 0.5)
        XCTAssertEqual(a.values, b.values)
        XCTAssertEqual(optB.lr, 0.01)
    }

    /// A 4 → 32 → 1 GELU network fitted full-batch to y = sin(x1) + x2·x3 (x4 is noise the
    /// network must learn to ignore): AdamW with the layers' gradients must cut the MSE by 10×.
    func testAdamWTrainsTinyMLPOnSeededRegression() {
        let N = 64, D = 4, H = 32
        var rng = RNG(seed: 2024)
        var x = [Float](repeating: 0, count: N * D), y = [Float](repeating: 0, count: N)
        for n in 0..<N {
            for d in 0..<D { x[n * D + d] = 3 * rng.uniform() - 1.5 }
            y[n] = sin(x[n * D]) + x[n * D + 1] * x[n * D + 2]
        }
        var params = Parameters([(name: "fc1.weight", shape: [H, D]), (name: "fc1.bias", shape: [H]),
                                 (name: "fc2.weight", shape: [1, H]), (name: "fc2.bias", shape: [1])])
        var w1 = [Float](repeating: 0, count: H * D), w2 = [Float](repeating: 0, count: H)
        rng.fillNormal(&w1, std: 0.5)
        rng.fillNormal(&w2, std: 1 / Float(H).squareRoot())
        params.set("fc1.weight", Tensor(shape: [H, D], data: w1))
        params.set("fc2.weight", Tensor(shape: [1, H], data: w2))
        let (o1w, o1b) = (params["fc1.weight"].offset, params["fc1.bias"].offset)
        let (o2w, o2b) = (params["fc2.weight"].offset, params["fc2.bias"].offset)
        var opt = AdamW(parameterCount: params.count, lr: 1e-2)
        let hPre = TestBuffer(zeros: N * H), hAct = TestBuffer(zeros: N * H), dh = TestBuffer(zeros: N * H)
        let pred = TestBuffer(zeros: N), dpred = TestBuffer(zeros: N)
        let inp = TestBuffer(x)

        func step() -> Double {
            params.zeroGrads()
            var loss = 0.0
            params.values.withUnsafeBufferPointer { v in
                params.grads.withUnsafeMutableBufferPointer { g in
                    let v = v.baseAddress!, g = g.baseAddress!
                    Linear.forward(out: hPre.p, inp: inp.p, weight: v + o1w, bias: v + o1b, N: N, C: D, OC: H)
                    GELU.forward(out: hAct.p, inp: hPre.p, count: N * H)
                    Linear.forward(out: pred.p, inp: hAct.p, weight: v + o2w, bias: v + o2b, N: N, C: H, OC: 1)
                    for n in 0..<N {
                        let e = pred.p[n] - y[n]
                        loss += Double(e * e) / Double(N)
                        dpred.p[n] = 2 * e / Float(N)
                    }
                    dh.fill([Float](repeating: 0, count: N * H))
                    Linear.backward(dinp: dh.p, dweight: g + o2w, dbias: g + o2b, dout: dpred.p, inp: hAct.p,
                                    weight: v + o2w, N: N, C: H, OC: 1)
                    let dPre = TestBuffer(zeros: N * H)
                    GELU.backward(dinp: dPre.p, dout: dh.p, inp: hPre.p, count: N * H)
                    Linear.backward(dinp: nil, dweight: g + o1w, dbias: g + o1b, dout: dPre.p, inp: inp.p,
                                    weight: v + o1w, N: N, C: D, OC: H)
                }
            }
            opt.update(&params)
            return loss
        }

        let first = step()
        var last = first
        for _ in 0..<400 { last = step() }
        XCTAssertLessThan(last, first / 10, "MSE went from \(first) to \(last)")
    }

    private func assertClose(_ got: [Float], _ expected: [Float], _ what: String,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.count, expected.count, file: file, line: line)
        for i in 0..<min(got.count, expected.count) {
            XCTAssertEqual(got[i], expected[i], accuracy: 2e-6, "\(what): element \(i)", file: file, line: line)
        }
    }
}

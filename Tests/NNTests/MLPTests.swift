import XCTest
import Tensor
import NN

final class MLPTests: XCTestCase {
    let N = 3, C = 5, H = 4

    func testMLPBackwardMatchesFiniteDifferences() {
        let inp = TestBuffer(random: N * C, seed: 1)
        let w1 = TestBuffer(random: H * C, seed: 2, std: 0.5), b1 = TestBuffer(random: H, seed: 3)
        let w2 = TestBuffer(random: C * H, seed: 4, std: 0.5), b2 = TestBuffer(random: C, seed: 5)
        let w = GradientCheck.random(N * C, seed: 6)
        let out = TestBuffer(zeros: N * C), hPre = TestBuffer(zeros: N * H), hAct = TestBuffer(zeros: N * H)
        func loss() -> Double {
            MLP.forward(out: out.p, hPre: hPre.p, hAct: hAct.p, inp: inp.p, w1: w1.p, b1: b1.p, w2: w2.p, b2: b2.p,
                        N: N, C: C, H: H)
            return GradientCheck.dot(out.array, w)
        }
        _ = loss()
        let dinp = TestBuffer(zeros: N * C)
        let dw1 = TestBuffer(zeros: H * C), db1 = TestBuffer(zeros: H)
        let dw2 = TestBuffer(zeros: C * H), db2 = TestBuffer(zeros: C)
        // Garbage in the scratch buffer must not leak into the result: backward overwrites it.
        let dh = TestBuffer([Float](repeating: 7, count: N * H)), dout = TestBuffer(w)
        MLP.backward(dinp: dinp.p, dw1: dw1.p, db1: db1.p, dw2: dw2.p, db2: db2.p, dh: dh.p, dout: dout.p,
                     inp: inp.p, hPre: hPre.p, hAct: hAct.p, w1: w1.p, w2: w2.p, N: N, C: C, H: H)
        GradientCheck.assertMatches("mlp.inp", analytic: dinp.array, numeric: LayerCheck.numeric(inp, loss: loss))
        GradientCheck.assertMatches("mlp.fc1.weight", analytic: dw1.array, numeric: LayerCheck.numeric(w1, loss: loss))
        GradientCheck.assertMatches("mlp.fc1.bias", analytic: db1.array, numeric: LayerCheck.numeric(b1, loss: loss))
        GradientCheck.assertMatches("mlp.fc2.weight", analytic: dw2.array, numeric: LayerCheck.numeric(w2, loss: loss))
        GradientCheck.assertMatches("mlp.fc2.bias", analytic: db2.array, numeric: LayerCheck.numeric(b2, loss: loss))
    }

    func testMLPBackwardAccumulatesIntoGradients() {
        let inp = TestBuffer(random: N * C, seed: 11)
        let w1 = TestBuffer(random: H * C, seed: 12), b1 = TestBuffer(random: H, seed: 13)
        let w2 = TestBuffer(random: C * H, seed: 14), b2 = TestBuffer(random: C, seed: 15)
        let out = TestBuffer(zeros: N * C), hPre = TestBuffer(zeros: N * H), hAct = TestBuffer(zeros: N * H)
        MLP.forward(out: out.p, hPre: hPre.p, hAct: hAct.p, inp: inp.p, w1: w1.p, b1: b1.p, w2: w2.p, b2: b2.p,
                    N: N, C: C, H: H)
        let dout = TestBuffer(random: N * C, seed: 16)
        let dinp = TestBuffer(zeros: N * C)
        let dw1 = TestBuffer(zeros: H * C), db1 = TestBuffer(zeros: H)
        let dw2 = TestBuffer(zeros: C * H), db2 = TestBuffer(zeros: C)
        let dh = TestBuffer(zeros: N * H)
        LayerCheck.assertAccumulates("mlp", grads: [dinp, dw1, db1, dw2, db2]) {
            MLP.backward(dinp: dinp.p, dw1: dw1.p, db1: db1.p, dw2: dw2.p, db2: db2.p, dh: dh.p, dout: dout.p,
                         inp: inp.p, hPre: hPre.p, hAct: hAct.p, w1: w1.p, w2: w2.p, N: N, C: C, H: H)
        }
    }
}

import XCTest
import Tensor
import NN

final class LinearTests: XCTestCase {
    let N = 3, C = 5, OC = 4

    func testLinearForwardMatchesDefinition() {
        let inp = TestBuffer(random: N * C, seed: 1)
        let weight = TestBuffer(random: OC * C, seed: 2)
        let bias = TestBuffer(random: OC, seed: 3)
        let out = TestBuffer(zeros: N * OC)
        Linear.forward(out: out.p, inp: inp.p, weight: weight.p, bias: bias.p, N: N, C: C, OC: OC)
        let noBias = TestBuffer(zeros: N * OC)
        Linear.forward(out: noBias.p, inp: inp.p, weight: weight.p, bias: nil, N: N, C: C, OC: OC)
        for n in 0..<N {
            for o in 0..<OC {
                var s: Float = 0
                for c in 0..<C { s += inp.p[n * C + c] * weight.p[o * C + c] }
                XCTAssertEqual(noBias.p[n * OC + o], s, accuracy: 1e-5)
                XCTAssertEqual(out.p[n * OC + o], s + bias.p[o], accuracy: 1e-5)
            }
        }
    }

    func testLinearBackwardMatchesFiniteDifferences() {
        let inp = TestBuffer(random: N * C, seed: 11)
        let weight = TestBuffer(random: OC * C, seed: 12)
        let bias = TestBuffer(random: OC, seed: 13)
        let w = GradientCheck.random(N * OC, seed: 14)
        let out = TestBuffer(zeros: N * OC)
        func loss() -> Double {
            Linear.forward(out: out.p, inp: inp.p, weight: weight.p, bias: bias.p, N: N, C: C, OC: OC)
            return GradientCheck.dot(out.array, w)
        }
        let dout = TestBuffer(w)
        let dinp = TestBuffer(zeros: N * C), dweight = TestBuffer(zeros: OC * C), dbias = TestBuffer(zeros: OC)
        Linear.backward(dinp: dinp.p, dweight: dweight.p, dbias: dbias.p, dout: dout.p,
                        inp: inp.p, weight: weight.p, N: N, C: C, OC: OC)
        GradientCheck.assertMatches("linear.inp", analytic: dinp.array, numeric: LayerCheck.numeric(inp, loss: loss))
        GradientCheck.assertMatches("linear.weight", analytic: dweight.array,
                                    numeric: LayerCheck.numeric(weight, loss: loss))
        GradientCheck.assertMatches("linear.bias", analytic: dbias.array, numeric: LayerCheck.numeric(bias, loss: loss))
    }

    func testLinearBackwardAccumulatesIntoGradients() {
        let inp = TestBuffer(random: N * C, seed: 21)
        let weight = TestBuffer(random: OC * C, seed: 22)
        let dout = TestBuffer(random: N * OC, seed: 23)
        let dinp = TestBuffer(zeros: N * C), dweight = TestBuffer(zeros: OC * C), dbias = TestBuffer(zeros: OC)
        LayerCheck.assertAccumulates("linear", grads: [dinp, dweight, dbias]) {
            Linear.backward(dinp: dinp.p, dweight: dweight.p, dbias: dbias.p, dout: dout.p,
                            inp: inp.p, weight: weight.p, N: N, C: C, OC: OC)
        }
    }

    func testLinearBackwardWithoutInputGradientStillFillsWeightGradient() {
        let inp = TestBuffer(random: N * C, seed: 31)
        let weight = TestBuffer(random: OC * C, seed: 32)
        let dout = TestBuffer(random: N * OC, seed: 33)
        let full = TestBuffer(zeros: OC * C), skipped = TestBuffer(zeros: OC * C)
        let dinp = TestBuffer(zeros: N * C)
        Linear.backward(dinp: dinp.p, dweight: full.p, dbias: nil, dout: dout.p,
                        inp: inp.p, weight: weight.p, N: N, C: C, OC: OC)
        Linear.backward(dinp: nil, dweight: skipped.p, dbias: nil, dout: dout.p,
                        inp: inp.p, weight: weight.p, N: N, C: C, OC: OC)
        XCTAssertEqual(full.array, skipped.array)
        XCTAssertTrue(full.array.contains { $0 != 0 })
    }

    /// The harness itself must be able to fail: a gradient off by a factor 2 or a sign flip
    /// has to exceed the tolerance `assertMatches` uses.
    func testGradientCheckRejectsScaledOrFlippedGradient() {
        let inp = TestBuffer(random: N * C, seed: 41)
        let weight = TestBuffer(random: OC * C, seed: 42)
        let w = GradientCheck.random(N * OC, seed: 43)
        let out = TestBuffer(zeros: N * OC)
        let numeric = LayerCheck.numeric(inp) {
            Linear.forward(out: out.p, inp: inp.p, weight: weight.p, bias: nil, N: N, C: C, OC: OC)
            return GradientCheck.dot(out.array, w)
        }
        let dinp = TestBuffer(zeros: N * C), dweight = TestBuffer(zeros: OC * C), dout = TestBuffer(w)
        Linear.backward(dinp: dinp.p, dweight: dweight.p, dbias: nil, dout: dout.p,
                        inp: inp.p, weight: weight.p, N: N, C: C, OC: OC)
        let right = dinp.array
        XCTAssertLessThan(GradientCheck.compare(analytic: right, numeric: numeric).relative, 1e-2)
        XCTAssertGreaterThan(GradientCheck.compare(analytic: right.map { 2 * $0 }, numeric: numeric).relative, 0.4)
        XCTAssertGreaterThan(GradientCheck.compare(analytic: right.map { -$0 }, numeric: numeric).relative, 1.9)
        var oneWrong = right
        oneWrong[4] += 0.2 * Float(numeric.map { abs($0) }.max() ?? 0)
        XCTAssertGreaterThan(GradientCheck.compare(analytic: oneWrong, numeric: numeric).worst, 5e-2)
    }
}

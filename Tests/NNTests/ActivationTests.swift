import XCTest
import Tensor
import NN

final class ActivationTests: XCTestCase {
    func testGELUMatchesTanhApproximationAtKnownPoints() {
        // Reference values of 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))) computed in double.
        let xs: [Float] = [-3, -1, 0, 0.5, 1, 2, 20, -20]
        let expected: [Float] = [-0.0036373, -0.1588080, 0, 0.3457140, 0.8411920, 1.9545977, 20, 0]
        let inp = TestBuffer(xs), out = TestBuffer(zeros: xs.count)
        GELU.forward(out: out.p, inp: inp.p, count: xs.count)
        for i in 0..<xs.count { XCTAssertEqual(out.p[i], expected[i], accuracy: 1e-5, "gelu(\(xs[i]))") }
    }

    func testSiLUMatchesDefinitionAndStaysFiniteForLargeInputs() {
        let xs: [Float] = [-100, -2, 0, 1, 3, 100]
        let inp = TestBuffer(xs), out = TestBuffer(zeros: xs.count)
        SiLU.forward(out: out.p, inp: inp.p, count: xs.count)
        let expected: [Float] = [0, -0.2384058, 0, 0.7310586, 2.8577223, 100]
        for i in 0..<xs.count { XCTAssertEqual(out.p[i], expected[i], accuracy: 1e-5, "silu(\(xs[i]))") }
        let dinp = TestBuffer(zeros: xs.count), ones = TestBuffer([Float](repeating: 1, count: xs.count))
        SiLU.backward(dinp: dinp.p, dout: ones.p, inp: inp.p, count: xs.count)
        XCTAssertTrue(dinp.array.allSatisfy { $0.isFinite })
        XCTAssertEqual(dinp.p[0], 0, accuracy: 1e-6)
        XCTAssertEqual(dinp.p[5], 1, accuracy: 1e-6)
    }

    func testGELUBackwardMatchesFiniteDifferences() {
        let n = 15
        let inp = TestBuffer(random: n, seed: 1, std: 2)
        let w = GradientCheck.random(n, seed: 2)
        let out = TestBuffer(zeros: n)
        let dinp = TestBuffer(zeros: n), dout = TestBuffer(w)
        GELU.backward(dinp: dinp.p, dout: dout.p, inp: inp.p, count: n)
        let numeric = LayerCheck.numeric(inp, eps: 1e-3) {
            GELU.forward(out: out.p, inp: inp.p, count: n)
            return GradientCheck.dot(out.array, w)
        }
        GradientCheck.assertMatches("gelu.inp", analytic: dinp.array, numeric: numeric)
    }

    func testSiLUBackwardMatchesFiniteDifferences() {
        let n = 15
        let inp = TestBuffer(random: n, seed: 3, std: 2)
        let w = GradientCheck.random(n, seed: 4)
        let out = TestBuffer(zeros: n)
        let dinp = TestBuffer(zeros: n), dout = TestBuffer(w)
        SiLU.backward(dinp: dinp.p, dout: dout.p, inp: inp.p, count: n)
        let numeric = LayerCheck.numeric(inp, eps: 1e-3) {
            SiLU.forward(out: out.p, inp: inp.p, count: n)
            return GradientCheck.dot(out.array, w)
        }
        GradientCheck.assertMatches("silu.inp", analytic: dinp.array, numeric: numeric)
    }

    func testActivationBackwardsAccumulateIntoGradients() {
        let n = 10
        let inp = TestBuffer(random: n, seed: 5), dout = TestBuffer(random: n, seed: 6)
        let dGELU = TestBuffer(zeros: n), dSiLU = TestBuffer(zeros: n)
        LayerCheck.assertAccumulates("gelu", grads: [dGELU]) {
            GELU.backward(dinp: dGELU.p, dout: dout.p, inp: inp.p, count: n)
        }
        LayerCheck.assertAccumulates("silu", grads: [dSiLU]) {
            SiLU.backward(dinp: dSiLU.p, dout: dout.p, inp: inp.p, count: n)
        }
    }
}

final class FastMathTests: XCTestCase {
    /// The rational tanh stays within 5e-7 of libm over the range where GELU lives and beyond.
    func testFastTanhMatchesLibm() {
        var worst: Float = 0
        var x: Float = -12
        while x <= 12 {
            worst = max(worst, abs(FastMath.tanh(x) - tanhf(x)))
            x += 0.000_37
        }
        XCTAssertLessThan(worst, 5e-7)
        XCTAssertEqual(FastMath.tanh(0), 0)
        XCTAssertEqual(FastMath.tanh(100), 1, accuracy: 1e-6)
        XCTAssertEqual(FastMath.tanh(-100), -1, accuracy: 1e-6)
    }
}

final class FastExpTests: XCTestCase {
    func testFastExpMatchesLibmAndGivesExactZeroForMaskedLogits() {
        var worst: Float = 0
        var x: Float = -87
        while x <= 88 {
            let e = expf(x)
            worst = max(worst, abs(FastMath.exp(x) - e) / e)
            x += 0.0071
        }
        XCTAssertLessThan(worst, 4e-7)
        XCTAssertEqual(FastMath.exp(0), 1)
        XCTAssertEqual(FastMath.exp(-.infinity), 0)
        XCTAssertEqual(FastMath.exp(-100), 0)
        XCTAssertEqual(FastMath.exp(100), .infinity)
        XCTAssertTrue(FastMath.exp(.nan).isNaN, "NaN must survive so the non-finite guard can see it")
        XCTAssertTrue(FastMath.tanh(.nan).isNaN)
    }
}

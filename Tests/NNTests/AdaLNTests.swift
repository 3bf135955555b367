import XCTest
import Tensor
import NN

/// shift/scale/gate are read as slices of one (B, 3C) conditioning buffer, so the checks also
/// prove that `condStride` is honoured: the untouched third of each row must get no gradient.
final class AdaLNTests: XCTestCase {
    let B = 2, T = 3, C = 4
    var stride: Int { 3 * C }

    func testModulateForwardScalesAndShiftsEachSampleWithItsOwnRow() {
        let inp = TestBuffer(random: B * T * C, seed: 1)
        let cond = TestBuffer(random: B * stride, seed: 2)
        let out = TestBuffer(zeros: B * T * C)
        Modulate.forward(out: out.p, inp: inp.p, shift: cond.p, scale: cond.p + C, condStride: stride, B: B, T: T, C: C)
        for b in 0..<B {
            for t in 0..<T {
                for c in 0..<C {
                    let i = (b * T + t) * C + c
                    let expected = inp.p[i] * (1 + cond.p[b * stride + C + c]) + cond.p[b * stride + c]
                    XCTAssertEqual(out.p[i], expected, accuracy: 1e-6)
                }
            }
        }
    }

    func testModulateBackwardMatchesFiniteDifferences() {
        let inp = TestBuffer(random: B * T * C, seed: 11)
        let cond = TestBuffer(random: B * stride, seed: 12)
        let w = GradientCheck.random(B * T * C, seed: 13)
        let out = TestBuffer(zeros: B * T * C)
        func loss() -> Double {
            Modulate.forward(out: out.p, inp: inp.p, shift: cond.p, scale: cond.p + C, condStride: stride,
                             B: B, T: T, C: C)
            return GradientCheck.dot(out.array, w)
        }
        let dinp = TestBuffer(zeros: B * T * C), dcond = TestBuffer(zeros: B * stride), dout = TestBuffer(w)
        Modulate.backward(dinp: dinp.p, dshift: dcond.p, dscale: dcond.p + C, dout: dout.p, inp: inp.p,
                          scale: cond.p + C, condStride: stride, B: B, T: T, C: C)
        GradientCheck.assertMatches("modulate.inp", analytic: dinp.array, numeric: LayerCheck.numeric(inp, loss: loss))
        GradientCheck.assertMatches("modulate.shift_scale", analytic: dcond.array,
                                    numeric: LayerCheck.numeric(cond, loss: loss))
        for b in 0..<B {
            for c in (2 * C)..<(3 * C) { XCTAssertEqual(dcond.p[b * stride + c], 0, "gradient outside shift/scale") }
        }
    }

    func testGatedResidualBackwardMatchesFiniteDifferences() {
        let residual = GradientCheck.random(B * T * C, seed: 21)
        let inp = TestBuffer(random: B * T * C, seed: 22)
        let cond = TestBuffer(random: B * stride, seed: 23)
        let gate = cond.p + 2 * C
        let w = GradientCheck.random(B * T * C, seed: 24)
        let work = TestBuffer(zeros: B * T * C)
        func loss() -> Double {
            work.fill(residual)
            GatedResidual.forward(residual: work.p, inp: inp.p, gate: gate, condStride: stride, B: B, T: T, C: C)
            return GradientCheck.dot(work.array, w)
        }
        _ = loss()
        for b in 0..<B {
            for t in 0..<T {
                for c in 0..<C {
                    let i = (b * T + t) * C + c
                    XCTAssertEqual(work.p[i], residual[i] + gate[b * stride + c] * inp.p[i], accuracy: 1e-6)
                }
            }
        }
        let dinp = TestBuffer(zeros: B * T * C), dcond = TestBuffer(zeros: B * stride), dout = TestBuffer(w)
        GatedResidual.backward(dinp: dinp.p, dgate: dcond.p + 2 * C, dresidual: dout.p, inp: inp.p,
                               gate: gate, condStride: stride, B: B, T: T, C: C)
        GradientCheck.assertMatches("gated_residual.inp", analytic: dinp.array,
                                    numeric: LayerCheck.numeric(inp, loss: loss))
        GradientCheck.assertMatches("gated_residual.gate", analytic: dcond.array,
                                    numeric: LayerCheck.numeric(cond, loss: loss))
    }

    func testAdaLNBackwardsAccumulateIntoGradients() {
        let inp = TestBuffer(random: B * T * C, seed: 31)
        let cond = TestBuffer(random: B * stride, seed: 32)
        let dout = TestBuffer(random: B * T * C, seed: 33)
        let dinp = TestBuffer(zeros: B * T * C), dcond = TestBuffer(zeros: B * stride)
        LayerCheck.assertAccumulates("modulate", grads: [dinp, dcond]) {
            Modulate.backward(dinp: dinp.p, dshift: dcond.p, dscale: dcond.p + C, dout: dout.p, inp: inp.p,
                              scale: cond.p + C, condStride: stride, B: B, T: T, C: C)
        }
        LayerCheck.assertAccumulates("gated_residual", grads: [dinp, dcond]) {
            GatedResidual.backward(dinp: dinp.p, dgate: dcond.p + 2 * C, dresidual: dout.p, inp: inp.p,
                                   gate: cond.p + 2 * C, condStride: stride, B: B, T: T, C: C)
        }
    }
}

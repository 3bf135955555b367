import XCTest
import Tensor
import NN

final class LayerNormTests: XCTestCase {
    let N = 3, C = 5

    func testLayerNormOutputHasZeroMeanUnitVarianceAndAppliesAffine() {
        // A large common offset is where a one-pass E[x²] − E[x]² variance would break down.
        let inp = TestBuffer(GradientCheck.random(N * C, seed: 1).map { $0 + 100 })
        let weight = TestBuffer(random: C, seed: 2), bias = TestBuffer(random: C, seed: 3)
        let plain = TestBuffer(zeros: N * C), affine = TestBuffer(zeros: N * C)
        let mean = TestBuffer(zeros: N), rstd = TestBuffer(zeros: N)
        LayerNorm.forward(out: plain.p, mean: mean.p, rstd: rstd.p, inp: inp.p, weight: nil, bias: nil, N: N, C: C)
        LayerNorm.forward(out: affine.p, mean: mean.p, rstd: rstd.p, inp: inp.p,
                          weight: weight.p, bias: bias.p, N: N, C: C)
        for n in 0..<N {
            let row = Array(plain.array[(n * C)..<((n + 1) * C)])
            let m = row.reduce(0, +) / Float(C)
            let v = row.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Float(C)
            XCTAssertEqual(m, 0, accuracy: 1e-4)
            XCTAssertEqual(v, 1, accuracy: 1e-3)
            let x = Array(inp.array[(n * C)..<((n + 1) * C)])
            let xm = x.reduce(0, +) / Float(C)
            XCTAssertEqual(mean.p[n], xm, accuracy: 1e-3)
            let xv = x.map { ($0 - xm) * ($0 - xm) }.reduce(0, +) / Float(C)
            XCTAssertEqual(rstd.p[n], 1 / (xv + 1e-6).squareRoot(), accuracy: 1e-3)
            for c in 0..<C {
                XCTAssertEqual(affine.p[n * C + c], row[c] * weight.p[c] + bias.p[c], accuracy: 1e-5)
            }
        }
    }

    func testAffineLayerNormBackwardMatchesFiniteDifferences() {
        checkBackward(affine: true)
    }

    func testPlainLayerNormBackwardMatchesFiniteDifferences() {
        checkBackward(affine: false)
    }

    func testLayerNormBackwardAccumulatesIntoGradients() {
        let inp = TestBuffer(random: N * C, seed: 31)
        let weight = TestBuffer(random: C, seed: 32), bias = TestBuffer(random: C, seed: 33)
        let out = TestBuffer(zeros: N * C), mean = TestBuffer(zeros: N), rstd = TestBuffer(zeros: N)
        LayerNorm.forward(out: out.p, mean: mean.p, rstd: rstd.p, inp: inp.p,
                          weight: weight.p, bias: bias.p, N: N, C: C)
        let dout = TestBuffer(random: N * C, seed: 34)
        let dinp = TestBuffer(zeros: N * C), dweight = TestBuffer(zeros: C), dbias = TestBuffer(zeros: C)
        LayerCheck.assertAccumulates("layernorm", grads: [dinp, dweight, dbias]) {
            LayerNorm.backward(dinp: dinp.p, dweight: dweight.p, dbias: dbias.p, dout: dout.p, inp: inp.p,
                               mean: mean.p, rstd: rstd.p, weight: weight.p, N: N, C: C)
        }
    }

    private func checkBackward(affine: Bool, file: StaticString = #filePath, line: UInt = #line) {
        let inp = TestBuffer(random: N * C, seed: affine ? 11 : 21)
        let weight = TestBuffer(GradientCheck.random(C, seed: 12).map { 1 + 0.5 * $0 })
        let bias = TestBuffer(random: C, seed: 13)
        let w = GradientCheck.random(N * C, seed: 14)
        let out = TestBuffer(zeros: N * C), mean = TestBuffer(zeros: N), rstd = TestBuffer(zeros: N)
        let wp: UnsafeMutablePointer<Float>? = affine ? weight.p : nil
        let bp: UnsafeMutablePointer<Float>? = affine ? bias.p : nil
        func loss() -> Double {
            LayerNorm.forward(out: out.p, mean: mean.p, rstd: rstd.p, inp: inp.p, weight: wp, bias: bp, N: N, C: C)
            return GradientCheck.dot(out.array, w)
        }
        _ = loss()
        let dinp = TestBuffer(zeros: N * C), dweight = TestBuffer(zeros: C), dbias = TestBuffer(zeros: C)
        let dout = TestBuffer(w)
        LayerNorm.backward(dinp: dinp.p, dweight: affine ? dweight.p : nil, dbias: affine ? dbias.p : nil,
                           dout: dout.p, inp: inp.p, mean: mean.p, rstd: rstd.p, weight: wp, N: N, C: C)
        let tag = affine ? "layernorm(affine)" : "layernorm"
        // A smaller step than the default: normalisation is curved enough that eps = 1e-2 on a
        // unit-variance row of 5 leaves an O(eps²) error near the tolerance.
        GradientCheck.assertMatches("\(tag).inp", analytic: dinp.array,
                                    numeric: LayerCheck.numeric(inp, eps: 3e-3, loss: loss), file: file, line: line)
        if affine {
            GradientCheck.assertMatches("\(tag).weight", analytic: dweight.array,
                                        numeric: LayerCheck.numeric(weight, eps: 3e-3, loss: loss), file: file, line: line)
            GradientCheck.assertMatches("\(tag).bias", analytic: dbias.array,
                                        numeric: LayerCheck.numeric(bias, eps: 3e-3, loss: loss), file: file, line: line)
        }
    }
}

import XCTest
import Foundation
import Tensor
import NN

final class EmbeddingTests: XCTestCase {
    // MARK: TokenEmbedding

    let V = 6, C = 4
    let tokens: [Int32] = [2, 0, 5, 2, 2]  // repeated ids: the backward must add, not overwrite

    private func embed(_ table: [Float]) -> [Float] {
        var out = [Float](repeating: .nan, count: tokens.count * C)
        TokenEmbedding.forward(out: &out, tokens: tokens, table: table, N: tokens.count, C: C)
        return out
    }

    func testTokenEmbeddingLooksUpRowsOfTheTable() {
        let table = GradientCheck.random(V * C, seed: 1)
        let out = embed(table)
        for (n, id) in tokens.enumerated() {
            XCTAssertEqual(Array(out[(n * C)..<((n + 1) * C)]), Array(table[(Int(id) * C)..<((Int(id) + 1) * C)]))
        }
    }

    func testTokenEmbeddingBackwardMatchesFiniteDifferences() {
        let table = GradientCheck.random(V * C, seed: 2)
        let w = GradientCheck.random(tokens.count * C, seed: 3)
        let prefill = GradientCheck.random(V * C, seed: 4)
        var dtable = prefill
        TokenEmbedding.backward(dtable: &dtable, dout: w, tokens: tokens, N: tokens.count, C: C)
        let analytic = zip(dtable, prefill).map { $0 - $1 }
        let numeric = ValueGradient.numeric(at: table) { GradientCheck.dot(embed($0), w) }
        GradientCheck.assertMatches("token_embedding.table", analytic: analytic, numeric: numeric)
        // Unused ids (1, 3, 4) get nothing.
        for id in [1, 3, 4] { XCTAssertTrue(analytic[(id * C)..<((id + 1) * C)].allSatisfy { $0 == 0 }) }
    }

    // MARK: PositionEmbedding

    private struct PosState { var x: [Float]; var pos: [Float] }

    /// Adds pos to B samples of T tokens that start `offset` floats into each sample of `stride`.
    private func addPositions(_ s: PosState, B: Int, T: Int, offset: Int, stride: Int?) -> [Float] {
        var x = s.x
        x.withUnsafeMutableBufferPointer {
            PositionEmbedding.forward(x: $0.baseAddress! + offset, pos: s.pos, B: B, T: T, C: C, sampleStride: stride)
        }
        return x
    }

    private func checkPositionGradients(B: Int, T: Int, offset: Int, stride: Int?, seed: UInt64) {
        let total = stride.map { B * $0 } ?? B * T * C
        let s = PosState(x: GradientCheck.random(total, seed: seed), pos: GradientCheck.random(T * C, seed: seed + 1))
        let w = GradientCheck.random(total, seed: seed + 2)
        let loss = { (s: PosState) in GradientCheck.dot(self.addPositions(s, B: B, T: T, offset: offset, stride: stride), w) }
        let prefill = GradientCheck.random(T * C, seed: seed + 3)
        var dpos = prefill
        w.withUnsafeBufferPointer {
            PositionEmbedding.backward(dpos: &dpos, dx: $0.baseAddress! + offset, B: B, T: T, C: C, sampleStride: stride)
        }
        GradientCheck.assertMatches("pos", analytic: zip(dpos, prefill).map { $0 - $1 },
                                    numeric: ValueGradient.numeric(s, \.pos, loss: loss))
        // The add is the identity on x, so dx = dout; this pins down which elements are touched.
        GradientCheck.assertMatches("x", analytic: w, numeric: ValueGradient.numeric(s, \.x, loss: loss))
    }

    func testPositionEmbeddingGradientsMatchFiniteDifferences() {
        checkPositionGradients(B: 3, T: 5, offset: 0, stride: nil, seed: 10)
    }

    func testPositionEmbeddingWithSampleStrideCoversOnlyItsSliceOfEachSample() {
        // Joint sequence of 2 text + 5 image tokens per sample; positions cover the image part.
        let B = 3, T = 5, text = 2, stride = (text + T) * C
        checkPositionGradients(B: B, T: T, offset: text * C, stride: stride, seed: 20)
        let s = PosState(x: [Float](repeating: 0, count: B * stride), pos: [Float](repeating: 1, count: T * C))
        let out = addPositions(s, B: B, T: T, offset: text * C, stride: stride)
        for b in 0..<B {
            for i in 0..<stride {
                XCTAssertEqual(out[b * stride + i], i < text * C ? 0 : 1, "sample \(b) element \(i)")
            }
        }
    }

    // MARK: sin-cos table

    func testSinCos2DAtOriginIsZeroSinesAndUnitCosines() {
        let C = 16, quarter = 4
        let table = PositionEmbedding.sinCos2D(C: C, gh: 3, gw: 3)
        XCTAssertEqual(table.count, 9 * C)
        for half in 0..<2 {
            for i in 0..<quarter {
                XCTAssertEqual(table[half * 2 * quarter + i], 0)
                XCTAssertEqual(table[half * 2 * quarter + quarter + i], 1)
            }
        }
    }

    func testSinCos2DEntryMatchesHandComputedValues() {
        // C = 16 → 4 frequencies ω = 1, 0.1, 0.01, 0.001. Cell (row 2, col 3) of a 4×5 grid is row
        // 2·5 + 3 = 13. MAE's layout: channels 0..<8 encode the column, 8..<16 the row.
        let C = 16, gw = 5
        let table = PositionEmbedding.sinCos2D(C: C, gh: 4, gw: gw)
        let row = Array(table[(13 * C)..<(14 * C)])
        XCTAssertEqual(row[1], 0.29552020666, accuracy: 1e-6)   // sin(col 3 · 0.1)
        XCTAssertEqual(row[0], 0.14112000806, accuracy: 1e-6)   // sin(3 · 1)
        XCTAssertEqual(row[4 + 2], 0.99955003374, accuracy: 1e-6) // cos(3 · 0.01)
        XCTAssertEqual(row[8 + 1], 0.19866933079, accuracy: 1e-6) // sin(row 2 · 0.1)
        XCTAssertEqual(row[8 + 4 + 0], -0.41614683654, accuracy: 1e-6) // cos(2 · 1)
        XCTAssertEqual(row[8 + 4 + 3], Float(cos(2 * 0.001)), accuracy: 1e-7)
    }

    func testSinCos2DHalvesDependOnlyOnTheirOwnCoordinate() {
        let C = 8, gh = 3, gw = 4
        let t = PositionEmbedding.sinCos2D(C: C, gh: gh, gw: gw)
        for r in 0..<gh {
            for c in 0..<gw {
                let cell = (r * gw + c) * C
                // Same column → same first half; same row → same second half.
                XCTAssertEqual(Array(t[cell..<(cell + C / 2)]), Array(t[(c * C)..<(c * C + C / 2)]))
                XCTAssertEqual(Array(t[(cell + C / 2)..<(cell + C)]),
                               Array(t[(r * gw * C + C / 2)..<(r * gw * C + C)]))
            }
        }
    }

    // MARK: TimestepFeatures

    func testTimestepFeaturesMatchDiTFormula() {
        let sigmas: [Float] = [0, 0.25, 0.731, 1]
        for F in [8, 7] {
            var out = [Float](repeating: .nan, count: sigmas.count * F)
            TimestepFeatures.forward(out: &out, t: sigmas, B: sigmas.count, F: F)
            let half = F / 2
            for (b, sigma) in sigmas.enumerated() {
                for i in 0..<half {
                    let arg = Double(sigma) * 1000 * exp(-log(10000.0) * Double(i) / Double(half))
                    XCTAssertEqual(out[b * F + i], Float(cos(arg)), accuracy: 1e-6, "F \(F) b \(b) cos \(i)")
                    XCTAssertEqual(out[b * F + half + i], Float(sin(arg)), accuracy: 1e-6, "F \(F) b \(b) sin \(i)")
                }
                if F % 2 == 1 { XCTAssertEqual(out[b * F + F - 1], 0, "odd F pads with a zero column") }
            }
        }
        // The lowest frequency is 1 at scale 1000: σ = 1 → cos(1000), sin(1000) in the first pair.
        var one = [Float](repeating: 0, count: 4)
        TimestepFeatures.forward(out: &one, t: [1], B: 1, F: 4)
        XCTAssertEqual(one[0], 0.56237907, accuracy: 1e-6)
        XCTAssertEqual(one[2], 0.82687954, accuracy: 1e-6)
    }

    func testTimestepFeaturesHonourScale() {
        var a = [Float](repeating: 0, count: 6), b = a
        TimestepFeatures.forward(out: &a, t: [0.5], B: 1, F: 6, scale: 1)
        TimestepFeatures.forward(out: &b, t: [500], B: 1, F: 6, scale: 0.001)
        for i in 0..<6 { XCTAssertEqual(a[i], b[i], accuracy: 1e-6) }
        XCTAssertEqual(a[0], Float(cos(0.5)), accuracy: 1e-7)
    }
}

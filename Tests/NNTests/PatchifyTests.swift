import XCTest
import Tensor
import NN

final class PatchifyTests: XCTestCase {
    // Non-square image and 3 channels, so a swapped H/W or (px, channel) order cannot pass.
    let B = 2, H = 8, W = 12, C = 3, p = 4
    var count: Int { B * H * W * C }

    private func patchify(_ x: [Float]) -> [Float] {
        var out = [Float](repeating: .nan, count: count)
        Patchify.forward(out: &out, inp: x, B: B, H: H, W: W, C: C, p: p)
        return out
    }

    func testUnpatchifyInvertsPatchifyExactly() {
        let x = GradientCheck.random(count, seed: 1)
        let patches = patchify(x)
        var back = [Float](repeating: .nan, count: count)
        Patchify.unpatchify(out: &back, inp: patches, B: B, H: H, W: W, C: C, p: p)
        XCTAssertEqual(back, x)
        XCTAssertNotEqual(patches, x, "patchify must actually reorder the pixels")
    }

    func testKnownPixelLandsAtItsPatchAndOffset() {
        // Pixel (b 1, y 5, x 9, channel 2): patch row 1, patch column 2 of a 2×3 grid → patch 5;
        // inside it (py 1, px 1, channel 2) → offset (1·4 + 1)·3 + 2 = 17.
        var x = [Float](repeating: 0, count: count)
        x[((1 * H + 5) * W + 9) * C + 2] = 1
        let patches = patchify(x)
        let patchLen = p * p * C, perSample = (H / p) * (W / p) * patchLen
        let expected = 1 * perSample + 5 * patchLen + 17
        XCTAssertEqual(patches[expected], 1)
        XCTAssertEqual(patches.reduce(0, +), 1)
    }

    func testBackwardIsTheAdjointOfPatchify() {
        let x = GradientCheck.random(count, seed: 2)
        let y = GradientCheck.random(count, seed: 3)
        var dx = [Float](repeating: 0, count: count)
        Patchify.backward(dinp: &dx, dout: y, B: B, H: H, W: W, C: C, p: p)
        let lhs = GradientCheck.dot(patchify(x), y), rhs = GradientCheck.dot(x, dx)
        XCTAssertEqual(lhs, rhs, accuracy: 1e-9 * max(1, abs(lhs)))
    }

    func testBackwardAccumulatesIntoInputGradient() {
        let y = GradientCheck.random(count, seed: 4)
        let prefill = GradientCheck.random(count, seed: 5)
        var fresh = [Float](repeating: 0, count: count)
        Patchify.backward(dinp: &fresh, dout: y, B: B, H: H, W: W, C: C, p: p)
        var dx = prefill
        Patchify.backward(dinp: &dx, dout: y, B: B, H: H, W: W, C: C, p: p)
        XCTAssertEqual(dx, zip(prefill, fresh).map { $0 + $1 })
    }
}

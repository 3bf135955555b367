import XCTest
import NN

final class EMATests: XCTestCase {
    func testDecayWarmsUpThenCapsAtMaxDecay() {
        var ema = EMA(values: [0], maxDecay: 0.9)
        XCTAssertEqual(ema.currentDecay, 0.1, accuracy: 1e-7)
        ema.updates = 1
        XCTAssertEqual(ema.currentDecay, 2.0 / 11.0, accuracy: 1e-7)
        ema.updates = 8
        XCTAssertEqual(ema.currentDecay, 0.5, accuracy: 1e-7)
        ema.updates = 70
        XCTAssertEqual(ema.currentDecay, 71.0 / 80.0, accuracy: 1e-7)
        ema.updates = 81
        XCTAssertEqual(ema.currentDecay, 0.9, accuracy: 1e-7)
        ema.updates = 100_000
        XCTAssertEqual(ema.currentDecay, 0.9, accuracy: 1e-7)
    }

    func testFirstUpdateMovesNinetyPercentTowardTheWeights() {
        var ema = EMA(values: [1, 2, 3])
        ema.update(from: [11, 12, 13])
        XCTAssertEqual(ema.updates, 1)
        for (got, want) in zip(ema.shadow, [Float(10), 11, 12]) { XCTAssertEqual(got, want, accuracy: 1e-5) }
        // Second update uses d = 2/11.
        ema.update(from: [0, 0, 0])
        for (got, want) in zip(ema.shadow, [Float(10), 11, 12].map { $0 * 2 / 11 }) {
            XCTAssertEqual(got, want, accuracy: 1e-5)
        }
    }

    func testShadowConvergesToConstantWeights() {
        let target: [Float] = [1, -2, 3]
        var ema = EMA(values: [0, 0, 0], maxDecay: 0.99)
        for _ in 0..<1500 { ema.update(from: target) }
        for (got, want) in zip(ema.shadow, target) { XCTAssertEqual(got, want, accuracy: 1e-3) }
        XCTAssertEqual(ema.currentDecay, 0.99, accuracy: 1e-7)
    }
}

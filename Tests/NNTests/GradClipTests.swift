import XCTest
import NN

final class GradClipTests: XCTestCase {
    func testClipReturnsPreClipNormAndScalesToMaxNorm() {
        var g: [Float] = [3, 0, 4, 0, 0, 12]
        let norm = GradClip.clipGlobalNorm(&g, maxNorm: 1)
        XCTAssertEqual(norm, 13, accuracy: 1e-5)
        let after = g.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        XCTAssertEqual(after, 1, accuracy: 1e-6)
        XCTAssertEqual(g[0], 3.0 / 13.0, accuracy: 1e-7)
        XCTAssertEqual(g[5], 12.0 / 13.0, accuracy: 1e-7)
    }

    func testClipLeavesGradientsBelowMaxNormUntouched() {
        var g: [Float] = [3, 0, 4, 0, 0, 12]
        let before = g
        XCTAssertEqual(GradClip.clipGlobalNorm(&g, maxNorm: 20), 13, accuracy: 1e-5)
        XCTAssertEqual(g, before)
    }

    func testNonFiniteNormIsReportedAndGradientsLeftForCallerToSkip() {
        var g: [Float] = [1, .nan, 2]
        XCTAssertTrue(GradClip.clipGlobalNorm(&g, maxNorm: 1).isNaN)
        XCTAssertEqual(g[0], 1)
        XCTAssertEqual(g[2], 2)
    }

    func testNormOfManySmallGradientsIsAccurate() {
        // 10⁵ squares of 0.01: a float32 running sum drifts visibly; the double sum does not.
        var g = [Float](repeating: 0.01, count: 100_000)
        let norm = GradClip.clipGlobalNorm(&g, maxNorm: 100)
        XCTAssertEqual(Double(norm), Double(Float(0.01)) * 100_000.0.squareRoot(), accuracy: 1e-6)
    }
}

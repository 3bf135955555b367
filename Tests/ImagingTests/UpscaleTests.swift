import Imaging
import XCTest

final class UpscaleTests: XCTestCase {
    func testEveryOutputPixelCopiesItsSourcePixel() {
        var image = Image(width: 3, height: 2)
        for y in 0..<2 { for x in 0..<3 { image[x, y] = (UInt8(10 * x), UInt8(100 + y), UInt8(x * 3 + y)) } }
        let big = image.upscaled(by: 4)
        XCTAssertEqual(big.width, 12)
        XCTAssertEqual(big.height, 8)
        for y in 0..<8 { for x in 0..<12 { XCTAssertTrue(big[x, y] == image[x / 4, y / 4], "(\(x), \(y))") } }
    }

    func testSampleSizeUpscalesTo128AndFactorOneIsIdentity() {
        let image = Image(width: 32, height: 32, fill: (1, 2, 3))
        let big = image.upscaled(by: 4)
        XCTAssertEqual(big.width, 128)
        XCTAssertEqual(big.height, 128)
        XCTAssertEqual(big, Image(width: 128, height: 128, fill: (1, 2, 3)))
        XCTAssertEqual(image.upscaled(by: 1), image)
    }
}

import Imaging
import Tensor
import XCTest

final class TensorImageTests: XCTestCase {
    func testUnitToByteRoundsAndClamps() {
        let cases: [(Float, UInt8)] = [
            (-1, 0), (1, 255), (0, 128),                  // 127.5 rounds away from zero
            (-2, 0), (5, 255), (-.infinity, 0), (.infinity, 255), (.nan, 0),
            (2 * 10 / 255 - 1, 10),                       // exact byte centres map back
            (2 * 10.49 / 255 - 1, 10), (2 * 10.51 / 255 - 1, 11),
        ]
        for (x, expected) in cases {
            XCTAssertEqual(Image.byte(fromUnit: x), expected, "x = \(x)")
        }
    }

    func testEveryByteSurvivesFloatRoundTrip() {
        for p in 0...255 {
            XCTAssertEqual(Image.byte(fromUnit: Image.unit(fromByte: UInt8(p))), UInt8(p))
        }
        XCTAssertEqual(Image.unit(fromByte: 0), -1)
        XCTAssertEqual(Image.unit(fromByte: 255), 1)
    }

    func testTensorLayoutIsHeightWidthChannel() {
        let (h, w) = (2, 3)
        var data = [Float](repeating: -1, count: h * w * 3)
        data[(1 * w + 2) * 3 + 1] = 1     // green at x = 2, y = 1
        let image = Image(tensor: Tensor(shape: [h, w, 3], data: data))
        XCTAssertEqual(image.width, 3)
        XCTAssertEqual(image.height, 2)
        XCTAssertTrue(image[2, 1] == (0, 255, 0))
        XCTAssertTrue(image[1, 2 - 1] == (0, 0, 0))
        XCTAssertEqual(image.tensor().shape, [h, w, 3])
        XCTAssertEqual(image.tensor().data, data)
        XCTAssertEqual(Image(floats: image.floats(), width: w, height: h), image)
    }

    func testBatchSplitsAlongFirstAxisAndStacksBack() {
        var rng = RNG(seed: 3)
        let batch = Tensor(randomNormal: [3, 4, 5, 3], rng: &rng)
        let images = Image.batch(from: batch)
        XCTAssertEqual(images.count, 3)
        for (b, image) in images.enumerated() {
            XCTAssertEqual(image.width, 5)
            XCTAssertEqual(image.height, 4)
            let single = Tensor(shape: [4, 5, 3], data: Array(batch.data[(b * 60)..<((b + 1) * 60)]))
            XCTAssertEqual(image, Image(tensor: single))
        }
        let stacked = Image.tensor(of: images)
        XCTAssertEqual(stacked.shape, [3, 4, 5, 3])
        XCTAssertEqual(Image.batch(from: stacked), images)
    }
}

import XCTest
@testable import Tracking

final class CRC32CTests: XCTestCase {
    /// RFC 3720 appendix B.4 and the "check" value of the CRC catalogue.
    func testChecksumMatchesPublishedVectors() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
        XCTAssertEqual(CRC32C.checksum((0..<32).map { UInt8($0) }), 0x46DD_794E)
        XCTAssertEqual(CRC32C.checksum([UInt8]()), 0)
    }

    /// TensorFlow's Mask: rotate right 15, add 0xa282ead8 (wrapping); the unmask undoes it.
    func testMaskIsTensorFlowsRotationAndOffset() {
        for crc: UInt32 in [0, 1, 0xE306_9283, 0xFFFF_FFFF] {
            let m = CRC32C.masked(crc)
            let rot = m &- 0xA282_EAD8
            XCTAssertEqual((rot >> 17) | (rot << 15), crc)
        }
        XCTAssertEqual(CRC32C.masked(0), 0xA282_EAD8)
    }

    /// A frame is length (8 bytes LE), masked CRC of those bytes, the data, masked CRC of the data.
    func testRecordFrameLayout() {
        let data = Array("hello".utf8)
        let frame = TFRecordWriter.frame(data)
        XCTAssertEqual(frame.count, 8 + 4 + 5 + 4)
        XCTAssertEqual(Array(frame[0..<8]), [5, 0, 0, 0, 0, 0, 0, 0])
        func le32(_ i: Int) -> UInt32 { frame[i..<i + 4].reversed().reduce(0) { $0 << 8 | UInt32($1) } }
        XCTAssertEqual(le32(8), CRC32C.masked(CRC32C.checksum(frame[0..<8])))
        XCTAssertEqual(Array(frame[12..<17]), data)
        XCTAssertEqual(le32(17), CRC32C.masked(CRC32C.checksum(data)))
    }
}

import XCTest
@testable import Tracking

final class ProtoWriterTests: XCTestCase {
    /// The examples of the protobuf encoding guide: 150 as field 1 is 08 96 01; "testing" as field 2
    /// is 12 07 74 65 73 74 69 6e 67; a negative int64 takes ten bytes.
    func testEncodingGuideExamples() {
        var w = ProtoWriter()
        w.int64(1, 150)
        XCTAssertEqual(w.bytes, [0x08, 0x96, 0x01])
        w = ProtoWriter()
        w.string(2, "testing")
        XCTAssertEqual(w.bytes, [0x12, 0x07] + Array("testing".utf8))
        w = ProtoWriter()
        w.int64(2, -1)
        XCTAssertEqual(w.bytes, [0x10] + [UInt8](repeating: 0xFF, count: 9) + [0x01])
    }

    /// Fixed-width fields are little-endian IEEE values after a key with wire type 1 (double) or 5 (float).
    func testFixedWidthFields() {
        var w = ProtoWriter()
        w.double(1, 1.0)
        XCTAssertEqual(w.bytes, [0x09, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F])
        w = ProtoWriter()
        w.float(2, 1.0)
        XCTAssertEqual(w.bytes, [0x15, 0, 0, 0x80, 0x3F])
        w = ProtoWriter()
        w.packedDoubles(6, [1, 2])
        XCTAssertEqual(Array(w.bytes.prefix(2)), [0x32, 16])
    }

    /// The text value has the layout of tensorboard.plugins.text.summary_v2.text_pb("config", "hi"),
    /// whose serialized bytes (tensorboard 2.21) are written out here.
    func testTextValueMatchesTensorBoardsOwnSerialization() {
        var w = ProtoWriter()
        w.message(1) { SummaryValue(tag: "config", .text("hi")).encode(into: &$0) }
        let expected = "0a1c0a06636f6e666967420808071200420268694a080a060a0474657874"
        XCTAssertEqual(w.bytes.map { String(format: "%02x", $0) }.joined(), expected)
    }

    /// Buckets cover (limit[i-1], limit[i]] with the smallest value in bucket 0; counts and moments add up.
    func testHistogramBucketsAndMoments() {
        let xs: [Double] = [0, 0.1, 0.5, 0.5, 1, .nan]
        let h = Histogram(xs, buckets: 4)
        XCTAssertEqual(h.min, 0); XCTAssertEqual(h.max, 1); XCTAssertEqual(h.num, 5)
        XCTAssertEqual(h.sum, 2.1, accuracy: 1e-12)
        XCTAssertEqual(h.sumSquares, 0.01 + 0.25 + 0.25 + 1, accuracy: 1e-12)
        XCTAssertEqual(h.bucketLimit, [0.25, 0.5, 0.75, 1])
        XCTAssertEqual(h.bucket, [2, 2, 0, 1])
        let single = Histogram([3, 3])
        XCTAssertEqual(single.bucket, [2]); XCTAssertEqual(single.bucketLimit, [3])
    }
}

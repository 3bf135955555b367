import Foundation
import XCTest
import Tensor

/// Every way a safetensors file can be malformed is rejected with its own error, never a crash.
final class MalformedSafeTensorsTests: XCTestCase {
    let source = "bad.safetensors"

    func decodeError(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> SafeTensorsError? {
        do {
            let decoded = try SafeTensorsFile.decode(bytes, source: source)
            XCTFail("decoded a malformed file: \(decoded.order)", file: file, line: line)
        } catch let error as SafeTensorsError {
            XCTAssertTrue(error.description.hasPrefix(source), error.description, file: file, line: line)
            return error
        } catch {
            XCTFail("unexpected error type \(error)", file: file, line: line)
        }
        return nil
    }

    func assertRejects(header: String, data: [UInt8] = [], _ expected: SafeTensorsError,
                       file: StaticString = #filePath, line: UInt = #line) {
        let error = decodeError(SafeTensorsBytes.file(header: header, data: data), file: file, line: line)
        XCTAssertEqual(error, expected, file: file, line: line)
    }

    /// A one-tensor header "t" with the given field text.
    func entry(dtype: String = #""F32""#, shape: String = "[1]", offsets: String = "[0,4]") -> String {
        #"{"t":{"dtype":\#(dtype),"shape":\#(shape),"data_offsets":\#(offsets)}}"#
    }

    let four = SafeTensorsBytes.f32([1])

    func testMissingFileIsReportedByPath() throws {
        let dir = try SafeTensorsBytes.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertThrowsError(try SafeTensorsFile.read(path: dir + "/nope.safetensors")) {
            XCTAssertEqual($0 as? SafeTensorsError, .fileNotFound(file: dir + "/nope.safetensors"))
        }
        XCTAssertThrowsError(try SafeTensorsFile.read(path: dir)) {
            XCTAssertEqual($0 as? SafeTensorsError, .unreadable(file: dir, reason: "not a regular file"))
        }
    }

    func testWriteIntoMissingDirectoryFailsNamingThePath() {
        let path = "/nonexistent-flowrl-dir/model.safetensors"
        XCTAssertThrowsError(try SafeTensorsFile.write(path: path, tensors: [])) {
            guard case .writeFailed(file: path, _)? = $0 as? SafeTensorsError else {
                return XCTFail("\($0)")
            }
        }
    }

    func testShortFileIsRejected() {
        XCTAssertEqual(decodeError([]), .tooShort(file: source, size: 0))
        XCTAssertEqual(decodeError([8, 0, 0, 0, 0, 0, 0]), .tooShort(file: source, size: 7))
    }

    func testHeaderLengthBeyondTheFileIsRejected() {
        let bytes = SafeTensorsBytes.littleEndian(100) + Array("{}".utf8)
        XCTAssertEqual(decodeError(bytes), .headerBeyondFile(file: source, headerLength: 100, fileSize: 10))
    }

    func testHeaderOverOneHundredMegabytesIsRejectedBeforeReading() {
        XCTAssertEqual(decodeError(SafeTensorsBytes.littleEndian(100_000_001) + Array("{}".utf8)),
                       .headerTooLarge(file: source, headerLength: 100_000_001))
        XCTAssertEqual(decodeError(SafeTensorsBytes.littleEndian(.max)), .headerTooLarge(file: source, headerLength: .max))
    }

    func testHeaderThatIsNotUTF8IsRejected() {
        for bad: [UInt8] in [[0x7B, 0xFF, 0x7D], [0x7B, 0xC0, 0xAF, 0x7D], [0x7B, 0xED, 0xA0, 0x80, 0x7D]] {
            XCTAssertEqual(decodeError(SafeTensorsBytes.file(headerBytes: bad)), .headerNotUTF8(file: source))
        }
    }

    func testHeaderThatIsNotJSONIsRejected() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let notJSON = ["", "{", #"{"t":}"#, "{} x", #"{"a":1,}"#, #"{"a":01}"#, #"{"a":"\x"}"#,
                       #"{"a":"\ud800"}"#, "{\"a\":\"\u{01}\"}", #"{'a':1}"#, "nul", deep]
        for text in notJSON {
            guard case .headerNotJSON(file: source, _)? = decodeError(SafeTensorsBytes.file(header: text)) else {
                XCTFail("not reported as invalid JSON: \(text.prefix(20))")
                continue
            }
        }
    }

    func testHeaderThatIsNotAnObjectIsRejected() {
        for text in ["[1,2]", #""x""#, "3", "null"] {
            assertRejects(header: text, .headerNotObject(file: source))
        }
    }

    func testEntryWithoutRequiredFieldsIsRejected() {
        assertRejects(header: #"{"t":3}"#, .entryNotObject(file: source, tensor: "t"))
        assertRejects(header: #"{"t":{"shape":[1],"data_offsets":[0,4]}}"#, data: four,
                      .missingField(file: source, tensor: "t", field: "dtype"))
        assertRejects(header: #"{"t":{"dtype":"F32","data_offsets":[0,4]}}"#, data: four,
                      .missingField(file: source, tensor: "t", field: "shape"))
        assertRejects(header: #"{"t":{"dtype":"F32","shape":[1]}}"#, data: four,
                      .missingField(file: source, tensor: "t", field: "data_offsets"))
    }

    func testFieldsOfTheWrongTypeAreRejected() {
        let cases: [(String, String)] = [
            (entry(dtype: "32"), "dtype"), (entry(dtype: "null"), "dtype"),
            (entry(shape: #""1""#), "shape"), (entry(shape: #"["1"]"#), "shape"), (entry(shape: "[[1]]"), "shape"),
            (entry(offsets: "[0]"), "data_offsets"), (entry(offsets: "[0,4,8]"), "data_offsets"),
            (entry(offsets: #"{"a":0}"#), "data_offsets"), (entry(offsets: #"[0,"4"]"#), "data_offsets"),
        ]
        for (header, field) in cases {
            guard case .wrongFieldType(file: source, tensor: "t", field: field, _)? =
                    decodeError(SafeTensorsBytes.file(header: header, data: four)) else {
                XCTFail("not reported as a wrong \(field) type: \(header)")
                continue
            }
        }
    }

    func testUnsupportedDtypeIsNamed() {
        for dtype in ["I32", "F64", "U8", "f32", ""] {
            let error = decodeError(SafeTensorsBytes.file(header: entry(dtype: "\"\(dtype)\""), data: four))
            XCTAssertEqual(error, .unsupportedDtype(file: source, tensor: "t", dtype: dtype))
            XCTAssertTrue(error?.description.contains("\"\(dtype)\"") ?? false)
        }
    }

    func testNegativeOrNonIntegerShapeIsRejected() {
        for shape in ["[-1]", "[1.5]", "[1.0]", "[1e0]", "[2,-3]", "[99999999999999999999]"] {
            guard case .invalidShape(file: source, tensor: "t", _)? =
                    decodeError(SafeTensorsBytes.file(header: entry(shape: shape), data: four)) else {
                XCTFail("not reported as an invalid shape: \(shape)")
                continue
            }
        }
    }

    func testShapeWhoseByteSizeOverflowsIsRejected() {
        for shape in ["[4294967296,4294967296]", "[9223372036854775807,2]", "[4611686018427387904]"] {
            assertRejects(header: entry(shape: shape), data: four, .sizeOverflow(file: source, tensor: "t"))
        }
    }

    func testInvalidOffsetsAreRejected() {
        for offsets in ["[-4,0]", "[0,4.0]", "[0,99999999999999999999]"] {
            guard case .invalidOffsets(file: source, tensor: "t", _)? =
                    decodeError(SafeTensorsBytes.file(header: entry(offsets: offsets), data: four)) else {
                XCTFail("not reported as invalid offsets: \(offsets)")
                continue
            }
        }
        assertRejects(header: entry(shape: "[0]", offsets: "[4,0]"), data: four,
                      .invalidOffsets(file: source, tensor: "t", reason: "end 0 is before begin 4"))
    }

    func testOffsetsBeyondTheDataAreRejected() {
        assertRejects(header: entry(shape: "[2]", offsets: "[0,8]"), data: four,
                      .offsetsOutOfRange(file: source, tensor: "t", start: 0, end: 8, dataSize: 4))
        assertRejects(header: entry(offsets: "[9223372036854775803,9223372036854775807]"), data: four,
                      .offsetsOutOfRange(file: source, tensor: "t", start: 9223372036854775803,
                                         end: 9223372036854775807, dataSize: 4))
    }

    func testOverlappingTensorsAreRejected() {
        let header = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
        assertRejects(header: header, data: SafeTensorsBytes.f32([1, 2, 3]),
                      .overlappingTensors(file: source, tensor: "b", previous: "a"))
    }

    func testHoleBetweenTensorsIsRejected() {
        let header = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#
        assertRejects(header: header, data: SafeTensorsBytes.f32([1, 2, 3]),
                      .holeBeforeTensor(file: source, tensor: "b", holeStart: 4, holeEnd: 8))
        assertRejects(header: entry(offsets: "[4,8]"), data: SafeTensorsBytes.f32([1, 2]),
                      .holeBeforeTensor(file: source, tensor: "t", holeStart: 0, holeEnd: 4))
    }

    func testTrailingBytesNotCoveredByAnyTensorAreRejected() {
        assertRejects(header: entry(), data: SafeTensorsBytes.f32([1, 2]), .dataNotCovered(file: source, covered: 4, dataSize: 8))
        assertRejects(header: "{}", data: [0], .dataNotCovered(file: source, covered: 0, dataSize: 1))
    }

    func testByteLengthDisagreeingWithShapeAndDtypeIsRejected() {
        assertRejects(header: entry(shape: "[3]", offsets: "[0,8]"), data: SafeTensorsBytes.f32([1, 2]),
                      .byteLengthMismatch(file: source, tensor: "t", expected: 12, actual: 8))
        assertRejects(header: entry(dtype: #""F16""#, shape: "[1]", offsets: "[0,4]"), data: four,
                      .byteLengthMismatch(file: source, tensor: "t", expected: 2, actual: 4))
    }

    func testDuplicateTensorNamesAreRejected() {
        let one = #"{"dtype":"F32","shape":[1],"data_offsets":[0,4]}"#
        assertRejects(header: #"{"a":\#(one),"a":\#(one)}"#, data: four, .duplicateName(file: source, name: "a"))
        // Escapes spell the same key differently; the decoded names are what must be unique.
        assertRejects(header: #"{"a":\#(one),"\u0061":\#(one)}"#, data: four, .duplicateName(file: source, name: "a"))
        assertRejects(header: #"{"__metadata__":{},"__metadata__":{}}"#, .duplicateName(file: source, name: "__metadata__"))
        assertRejects(header: #"{"t":{"dtype":"F32","dtype":"F16","shape":[1],"data_offsets":[0,4]}}"#, data: four,
                      .duplicateField(file: source, tensor: "t", field: "dtype"))
    }

    func testMetadataMustMapStringsToStrings() {
        assertRejects(header: #"{"__metadata__":{"step":1}}"#, .metadataNotString(file: source, key: "step"))
        assertRejects(header: #"{"__metadata__":{"a":"x","b":["y"]}}"#, .metadataNotString(file: source, key: "b"))
        assertRejects(header: #"{"__metadata__":["x"]}"#, .metadataNotObject(file: source))
        assertRejects(header: #"{"__metadata__":{"a":"x","a":"y"}}"#,
                      .duplicateField(file: source, tensor: "__metadata__", field: "a"))
    }

    func testEncodeRejectsNamesAndShapesPythonCouldNotRead() {
        let t = Tensor(shape: [1], data: [1])
        XCTAssertThrowsError(try SafeTensorsFile.encode(tensors: [("a", t), ("a", t)])) {
            XCTAssertEqual($0 as? SafeTensorsError, .duplicateName(file: "<memory>", name: "a"))
        }
        XCTAssertThrowsError(try SafeTensorsFile.encode(tensors: [("__metadata__", t)])) {
            XCTAssertEqual($0 as? SafeTensorsError, .reservedName(file: "<memory>", name: "__metadata__"))
        }
        var broken = t
        broken.data.append(2) // the stored properties are public, so a caller can desynchronise them
        XCTAssertThrowsError(try SafeTensorsFile.encode(tensors: [("b", broken)])) {
            XCTAssertEqual($0 as? SafeTensorsError, .shapeMismatch(file: "<memory>", tensor: "b", shape: [1], count: 2))
        }
    }

    func testErrorMessagesNameFileAndTensor() {
        let error = SafeTensorsError.byteLengthMismatch(file: "m.safetensors", tensor: "w", expected: 12, actual: 8)
        XCTAssertTrue(error.description.contains("m.safetensors"))
        XCTAssertTrue(error.description.contains("\"w\""))
    }
}

import Foundation
import Imaging
import Tensor
import XCTest

final class PNGTests: XCTestCase {
    /// Left half a smooth gradient (favours Sub/Up/Paeth filters), right half noise (favours None).
    private func testImage(width: Int = 37, height: Int = 23, seed: UInt64 = 7) -> Image {
        var rng = RNG(seed: seed)
        var image = Image(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width {
                image[x, y] = x < width / 2
                    ? (UInt8(x * 255 / width), UInt8(y * 255 / height), UInt8((x + y) % 256))
                    : (UInt8(rng.int(below: 256)), UInt8(rng.int(below: 256)), UInt8(rng.int(below: 256)))
            }
        }
        return image
    }

    private let sampleText: [(String, String)] = [
        ("prompt", "a red circle left of a blue square"),
        ("seed", "1234"),
        ("config", String(repeating: "{\"lr\": 0.0003} ", count: 100)),   // long: goes in zTXt
        ("note", "naïve → UTF-8 ✓"),                                       // non-ASCII: iTXt
    ]

    func testEncodeDecodeRoundTripPreservesPixelsAndText() throws {
        let image = testImage()
        let bytes = try PNG.encode(image, text: sampleText)
        let (decoded, text) = try PNG.decode(bytes, source: "memory")
        XCTAssertEqual(decoded, image)
        XCTAssertEqual(text, Dictionary(uniqueKeysWithValues: sampleText))
    }

    func testCompressionLevelChangesSizeNotPixels() throws {
        let image = testImage(width: 64, height: 64)
        let fast = try PNG.encode(image, compressionLevel: 0)
        let small = try PNG.encode(image, compressionLevel: 9)
        XCTAssertLessThan(small.count, fast.count)
        XCTAssertEqual(try PNG.decode(fast, source: "fast").image, image)
    }

    func testWrittenFileIsReadByIndependentPythonReader() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("nested/sample.png").path
        let image = testImage()
        try PNG.write(image, to: path, text: sampleText)
        let output = try PythonPNG.run(PythonPNG.reader, [path])
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: output) as? [String: Any])
        XCTAssertEqual(json["width"] as? Int, image.width)
        XCTAssertEqual(json["height"] as? Int, image.height)
        let hex = image.pixels.map { String(format: "%02x", $0) }.joined()
        XCTAssertEqual(json["pixels"] as? String, hex)
        XCTAssertEqual(json["text"] as? [String: String], Dictionary(uniqueKeysWithValues: sampleText))
        // The rename leaves no temporary file behind.
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("nested").path)
        XCTAssertEqual(left, ["sample.png"])
    }

    func testDecodesPNGsWrittenByIndependentWriter() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try PythonPNG.run(PythonPNG.writer, [directory.path])
        func read(_ name: String) throws -> (image: Image, text: [String: String]) {
            try PNG.read(path: directory.appendingPathComponent(name).path)
        }

        // 2-bit palette with tRNS: entries 2 and 3 are half and fully transparent over black.
        let palette = try read("palette.png")
        let entries: [(UInt8, UInt8, UInt8)] = [(255, 0, 0), (0, 255, 0), (0, 0, 128), (0, 0, 0)]
        XCTAssertEqual(palette.image.width, 7)
        XCTAssertEqual(palette.image.height, 5)
        for y in 0..<5 {
            for x in 0..<7 { XCTAssertTrue(palette.image[x, y] == entries[(x + 2 * y) % 4], "palette (\(x), \(y))") }
        }
        XCTAssertEqual(palette.text, ["prompt": "a red circle", "latin": "café",
                                      "long": String(repeating: "x", count: 50), "utf8": "π ≈ 3.14"])

        // 16-bit RGBA: 8-bit value is round(v / 257); column 0 is transparent, so black.
        let rgba = try read("rgba16.png").image
        func to8(_ v: Int) -> UInt8 { UInt8((Double(v) / 257).rounded()) }
        for y in 0..<4 {
            for x in 0..<6 {
                let expected = x == 0 ? (0, 0, 0)
                    : (to8((x * 4099 + y * 257) & 0xffff), to8((x * 31 + y * 7919) & 0xffff), to8(0x12ff))
                XCTAssertTrue(rgba[x, y] == expected, "rgba16 (\(x), \(y)): \(rgba[x, y]) vs \(expected)")
            }
        }

        let gray = try read("gray_interlaced.png").image
        XCTAssertEqual(gray.width, 13)
        for y in 0..<11 {
            for x in 0..<13 {
                let g = UInt8((x * 13 + y * 29) % 256)
                XCTAssertTrue(gray[x, y] == (g, g, g), "interlaced gray (\(x), \(y))")
            }
        }

        let bits = try read("gray1.png").image
        for y in 0..<3 {
            for x in 0..<10 {
                let g: UInt8 = (x + y) % 2 == 1 ? 255 : 0
                XCTAssertTrue(bits[x, y] == (g, g, g), "1-bit gray (\(x), \(y))")
            }
        }
    }

    func testNonPNGFileIsReportedByName() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("x.png").path
        try Data("hello, not an image".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try PNG.read(path: path)) { error in
            XCTAssertEqual(error as? PNGError, .notPNG(source: path))
            XCTAssertEqual("\(error)", "\(path) is not a PNG file")
        }
        XCTAssertThrowsError(try PNG.decode([], source: "empty")) { error in
            XCTAssertEqual("\(error)", "empty is not a PNG file")
        }
    }

    func testMissingFileIsReportedByName() {
        let path = "/nonexistent-flowrl-dir/outputs/x.png"
        XCTAssertThrowsError(try PNG.read(path: path)) { error in
            XCTAssertEqual("\(error)", "\(path) does not exist")
        }
    }

    func testTruncatedPNGGivesLibpngMessage() throws {
        let bytes = try PNG.encode(testImage(), text: sampleText)
        for cut in [12, 40, bytes.count / 2, bytes.count - 5] {
            XCTAssertThrowsError(try PNG.decode(Array(bytes.prefix(cut)), source: "outputs/cut.png")) { error in
                guard case .corrupt(let source, let message)? = error as? PNGError else {
                    return XCTFail("cut at \(cut): expected .corrupt, got \(error)")
                }
                XCTAssertEqual(source, "outputs/cut.png")
                XCTAssertFalse(message.isEmpty)
                XCTAssertTrue("\(error)".hasPrefix("outputs/cut.png is a damaged PNG: "), "\(error)")
            }
        }
    }

    func testDamagedImageDataOrChecksumIsRejected() throws {
        let bytes = try PNG.encode(testImage())
        let idat = try XCTUnwrap((4..<(bytes.count - 4)).first { Array(bytes[$0..<($0 + 4)]) == Array("IDAT".utf8) })
        let length = bytes[(idat - 4)..<idat].reduce(0) { $0 << 8 | Int($1) }
        var badCRC = bytes
        badCRC[idat + 4 + length] ^= 0xFF          // first byte of IDAT's CRC
        XCTAssertThrowsError(try PNG.decode(badCRC, source: "bad.png")) { error in
            XCTAssertTrue("\(error)".hasPrefix("bad.png is a damaged PNG: "), "\(error)")
            XCTAssertTrue("\(error)".contains("CRC"), "\(error)")
        }
        var badData = bytes
        badData[idat + 6] ^= 0xFF                  // inside the zlib stream
        XCTAssertThrowsError(try PNG.decode(badData, source: "bad.png")) { error in
            guard case .corrupt? = error as? PNGError else { return XCTFail("expected .corrupt, got \(error)") }
        }
    }

    func testAbsurdDimensionsAreRefusedBeforeAllocation() throws {
        // A well-formed IHDR announcing 20000 × 20000 and nothing else.
        var ihdr: [UInt8] = Array("IHDR".utf8)
        for v in [UInt32(20000), UInt32(20000)] { ihdr += withUnsafeBytes(of: v.bigEndian, Array.init) }
        ihdr += [8, 2, 0, 0, 0]
        var bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + ihdr
        bytes += withUnsafeBytes(of: crc32(ihdr).bigEndian, Array.init)
        XCTAssertThrowsError(try PNG.decode(bytes, source: "huge.png")) { error in
            guard case .tooLarge(let source, let message)? = error as? PNGError else {
                return XCTFail("expected .tooLarge, got \(error)")
            }
            XCTAssertEqual(source, "huge.png")
            XCTAssertTrue(message.contains("20000x20000"), message)
        }
    }

    func testInvalidTextKeyIsRejectedWithItsName() {
        for key in ["", " padded", "double  space", String(repeating: "k", count: 80), "tab\tkey"] {
            XCTAssertThrowsError(try PNG.encode(Image(width: 2, height: 2), text: [(key, "v")])) { error in
                guard case .invalidText(let message)? = error as? PNGError else {
                    return XCTFail("key \"\(key)\": expected .invalidText, got \(error)")
                }
                XCTAssertTrue(message.contains("\"\(key.prefix(100))\""), message)
            }
        }
    }

    func testWriteIntoUnwritablePlaceNamesThePath() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let blocker = directory.appendingPathComponent("file").path
        try Data([1]).write(to: URL(fileURLWithPath: blocker))
        let path = blocker + "/x.png"   // a directory that is a regular file
        XCTAssertThrowsError(try PNG.write(Image(width: 1, height: 1), to: path)) { error in
            XCTAssertTrue("\(error)".hasPrefix("cannot write \(path)"), "\(error)")
        }
    }

    /// Bitwise CRC-32 (the PNG polynomial), enough for building one test chunk.
    private func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}

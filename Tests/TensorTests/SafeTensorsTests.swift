import Foundation
import XCTest
import Tensor

/// Builds safetensors bytes by hand, so tests control every byte the parser sees.
enum SafeTensorsBytes {
    /// 8-byte little-endian length of `header`, the header's UTF-8, then `data`.
    static func file(header: String, data: [UInt8] = []) -> [UInt8] {
        file(headerBytes: Array(header.utf8), data: data)
    }

    static func file(headerBytes: [UInt8], data: [UInt8] = []) -> [UInt8] {
        littleEndian(UInt64(headerBytes.count)) + headerBytes + data
    }

    static func littleEndian(_ v: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) }
    }

    static func f32(_ values: [Float]) -> [UInt8] {
        values.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * UInt32($0))) } }
    }

    static func u16(_ values: [UInt16]) -> [UInt8] {
        values.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] }
    }

    static func temporaryDirectory() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("flowrl-st-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }
}

final class SafeTensorsTests: XCTestCase {
    func sampleTensors() -> [(name: String, tensor: Tensor)] {
        var rng = RNG(seed: 7)
        return [
            ("blocks.0.attn.qkv.weight", Tensor(randomNormal: [2, 3, 4], rng: &rng)),
            ("scale", Tensor(shape: [], data: [2.5])),
            ("bias", Tensor(shape: [5], data: [-1, 0, 1, .infinity, -0.0])),
            ("empty", Tensor(zeros: [0, 3])),
            ("naïve \"quoted\"\n", Tensor(shape: [1], data: [.leastNonzeroMagnitude])),
        ]
    }

    func testRoundTripPreservesTensorsOrderAndMetadata() throws {
        let tensors = sampleTensors()
        let metadata = ["step": "100", "format": "pt", "note": "ünïcode \"and\" \\ escapes\n"]
        let bytes = try SafeTensorsFile.encode(tensors: tensors, metadata: metadata)
        let file = try SafeTensorsFile.decode(bytes)
        XCTAssertEqual(file.order, tensors.map(\.name))
        XCTAssertEqual(file.metadata, metadata)
        XCTAssertEqual(file.tensors.count, tensors.count)
        for (name, tensor) in tensors {
            let read = try XCTUnwrap(file.tensors[name], name)
            XCTAssertEqual(read.shape, tensor.shape, name)
            // Bit patterns, so that -0.0 and infinities are checked exactly.
            XCTAssertEqual(read.data.map(\.bitPattern), tensor.data.map(\.bitPattern), name)
        }
    }

    func testWriteThenReadRoundTripsThroughDiskAndLeavesNoTemporaryFile() throws {
        let dir = try SafeTensorsBytes.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/model.safetensors"
        let first = sampleTensors()
        try SafeTensorsFile.write(path: path, tensors: first, metadata: ["step": "1"])
        // A second write replaces the first completely, as a checkpoint overwrite would.
        let second = [(name: "only", tensor: Tensor(shape: [2], data: [3, 4]))]
        try SafeTensorsFile.write(path: path, tensors: second, metadata: ["step": "2"])
        let file = try SafeTensorsFile.read(path: path)
        XCTAssertEqual(file.order, ["only"])
        XCTAssertEqual(file.tensors["only"], second[0].tensor)
        XCTAssertEqual(file.metadata, ["step": "2"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["model.safetensors"])
    }

    func testHeaderIsPaddedWithSpacesToAMultipleOfEight() throws {
        for nameLength in 1...9 {
            let name = String(repeating: "w", count: nameLength)
            let bytes = try SafeTensorsFile.encode(tensors: [(name, Tensor(shape: [1], data: [1]))])
            let headerLength = Int(bytes[0]) | Int(bytes[1]) << 8
            XCTAssertEqual(headerLength % 8, 0, name)
            let header = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self)
            let json = header.trimmingCharacters(in: .whitespaces)
            XCTAssertTrue(json.hasSuffix("}"), header)
            XCTAssertEqual(header.count - json.count, (8 - json.utf8.count % 8) % 8, "only trailing spaces pad")
            XCTAssertEqual(bytes.count, 8 + headerLength + 4)
        }
    }

    func testEncodingMatchesTheReferenceLayoutByteForByte() throws {
        // The reference implementation's own serialization test: "attn.0", F32, shape [1,2,3],
        // values 0…5, whose 64-byte header needs no padding.
        let tensor = Tensor(shape: [1, 2, 3], data: [0, 1, 2, 3, 4, 5])
        let bytes = try SafeTensorsFile.encode(tensors: [("attn.0", tensor)])
        let expected = SafeTensorsBytes.file(
            header: #"{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}"#,
            data: SafeTensorsBytes.f32([0, 1, 2, 3, 4, 5]))
        XCTAssertEqual(bytes, expected)
    }

    func testEmptyFileEncodesToTheReferenceBytes() throws {
        let bytes = try SafeTensorsFile.encode(tensors: [])
        XCTAssertEqual(bytes, [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32])
        let file = try SafeTensorsFile.decode(bytes)
        XCTAssertTrue(file.tensors.isEmpty)
        XCTAssertEqual(file.order, [])
    }

    func testF16DecodesToKnownValues() throws {
        let bits: [UInt16] = [0x3C00, 0xC000, 0x3555, 0x7BFF, 0x0400, 0x0001, 0x8000, 0x7C00, 0xFC00]
        let expected: [Float] = [1, -2, 0.333251953125, 65504, 6.103515625e-05, 5.9604644775390625e-08,
                                 -0.0, .infinity, -.infinity]
        let header = #"{"h":{"dtype":"F16","shape":[9],"data_offsets":[0,18]}}"#
        let file = try SafeTensorsFile.decode(SafeTensorsBytes.file(header: header, data: SafeTensorsBytes.u16(bits)))
        let h = try XCTUnwrap(file.tensors["h"])
        XCTAssertEqual(h.shape, [9])
        XCTAssertEqual(h.data.map(\.bitPattern), expected.map(\.bitPattern))

        let nan = try SafeTensorsFile.decode(SafeTensorsBytes.file(
            header: #"{"n":{"dtype":"F16","shape":[],"data_offsets":[0,2]}}"#, data: SafeTensorsBytes.u16([0x7E00])))
        XCTAssertTrue(try XCTUnwrap(nan.tensors["n"]?.data.first).isNaN)
    }

    #if !(os(macOS) && arch(x86_64))
    func testF16DecodeAgreesWithFloat16ForEveryBitPattern() throws {
        let bits = (0...UInt16.max).map { $0 }
        let header = #"{"all":{"dtype":"F16","shape":[65536],"data_offsets":[0,131072]}}"#
        let file = try SafeTensorsFile.decode(SafeTensorsBytes.file(header: header, data: SafeTensorsBytes.u16(bits)))
        let values = try XCTUnwrap(file.tensors["all"]).data
        var mismatches = 0
        for (b, v) in zip(bits, values) {
            let reference = Float(Float16(bitPattern: b))
            if reference.isNaN ? !v.isNaN : reference.bitPattern != v.bitPattern { mismatches += 1 }
        }
        XCTAssertEqual(mismatches, 0)
    }
    #endif

    func testBF16DecodesToKnownValues() throws {
        let bits: [UInt16] = [0x3F80, 0xC040, 0x4049, 0x0001, 0x8000, 0x7F80, 0x7F7F]
        let expected: [Float] = [1, -3, 3.140625, Float(bitPattern: 0x0001_0000), -0.0, .infinity,
                                 Float(bitPattern: 0x7F7F_0000)]
        let header = #"{"b":{"dtype":"BF16","shape":[7],"data_offsets":[0,14]}}"#
        let file = try SafeTensorsFile.decode(SafeTensorsBytes.file(header: header, data: SafeTensorsBytes.u16(bits)))
        XCTAssertEqual(try XCTUnwrap(file.tensors["b"]).data.map(\.bitPattern), expected.map(\.bitPattern))
    }

    func testMixedDtypesAtUnalignedOffsetsDecode() throws {
        // An F16 of odd length pushes the next F32 off 4-byte alignment; reading must not care.
        let header = #"{"h":{"dtype":"F16","shape":[1],"data_offsets":[0,2]},"f":{"dtype":"F32","shape":[2],"data_offsets":[2,10]}}"#
        let data = SafeTensorsBytes.u16([0x3800]) + SafeTensorsBytes.f32([1.5, -7])
        let file = try SafeTensorsFile.decode(SafeTensorsBytes.file(header: " " + header + "\n\t ", data: data))
        XCTAssertEqual(file.tensors["h"]?.data, [0.5])
        XCTAssertEqual(file.tensors["f"]?.data, [1.5, -7])
    }

    func testOrderFollowsDataOffsetsNotHeaderOrder() throws {
        let header = #"{"second":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"first":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
        let file = try SafeTensorsFile.decode(SafeTensorsBytes.file(header: header, data: SafeTensorsBytes.f32([1, 2])))
        XCTAssertEqual(file.order, ["first", "second"])
        XCTAssertEqual(file.tensors["first"]?.data, [1])
        XCTAssertEqual(file.tensors["second"]?.data, [2])
    }

    func testPythonWrittenFixtureReadsWithoutPython() throws {
        let url = try XCTUnwrap(Bundle.module.resourceURL).appendingPathComponent("Fixtures/python_f32_f16.safetensors")
        let file = try SafeTensorsFile.read(path: url.path)
        XCTAssertEqual(file.order, ["scalar", "weight", "half"])
        XCTAssertEqual(file.metadata, ["format": "np", "writer": "python"])
        XCTAssertEqual(file.tensors["scalar"], Tensor(shape: [], data: [3.25]))
        XCTAssertEqual(file.tensors["weight"], Tensor(shape: [2, 3], data: [-1, -0.5, 0, 0.5, 1, 1.5]))
        XCTAssertEqual(file.tensors["half"],
                       Tensor(shape: [6], data: [1, -2, 0.333251953125, 65504, 6.103515625e-05, 5.9604644775390625e-08]))
    }

    func testDecodeNeverCrashesOnTruncatedOrMutatedFiles() throws {
        let valid = try SafeTensorsFile.encode(tensors: Array(sampleTensors().prefix(3)), metadata: ["k": "v"])
        var outcomes = (ok: 0, rejected: 0)
        func attempt(_ bytes: [UInt8]) {
            do { _ = try SafeTensorsFile.decode(bytes); outcomes.ok += 1 } catch is SafeTensorsError {
                outcomes.rejected += 1
            } catch {
                XCTFail("decode threw a non-SafeTensorsError: \(error)")
            }
        }
        for n in 0..<valid.count { attempt(Array(valid.prefix(n))) }
        var rng = RNG(seed: 2024)
        let interesting: [UInt8] = [0, 0x22, 0x2C, 0x2D, 0x30, 0x39, 0x5B, 0x5D, 0x7B, 0x7D, 0x5C, 0x80, 0xFF]
        for _ in 0..<3000 {
            var bytes = valid
            for _ in 0...rng.int(below: 3) {
                let i = rng.int(below: bytes.count)
                bytes[i] = rng.int(below: 2) == 0 ? interesting[rng.int(below: interesting.count)]
                                                  : UInt8(truncatingIfNeeded: rng.next())
            }
            attempt(bytes)
        }
        // Both outcomes occur: mutations in the float data still decode, the rest are rejected.
        XCTAssertGreaterThan(outcomes.ok, 0)
        XCTAssertGreaterThan(outcomes.rejected, valid.count)
    }
}

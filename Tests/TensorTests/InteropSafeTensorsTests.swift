import Foundation
import XCTest
import Tensor

/// Files written here load in Python's `safetensors` unchanged, and files it writes load here.
/// Skipped when `python3` with `safetensors` and `numpy` is not installed.
final class InteropSafeTensorsTests: XCTestCase {
    var directory = ""

    /// Probed once: starting Python with numpy costs most of a second.
    static let pythonAvailable: Bool = (try? python("import safetensors, numpy").status) == 0

    override func setUpWithError() throws {
        guard Self.pythonAvailable else { throw XCTSkip("python safetensors not installed") }
        directory = try SafeTensorsBytes.temporaryDirectory()
    }

    override func tearDown() {
        if !directory.isEmpty { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// Runs `python3 -c script args…`, returning its exit status and combined output.
    static func python(_ script: String, _ args: [String] = []) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + args
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func testPythonLoadsSwiftWrittenFileWithSameValues() throws {
        var rng = RNG(seed: 11)
        let tensors: [(name: String, tensor: Tensor)] = [
            ("blocks.0.attn.qkv.weight", Tensor(randomNormal: [2, 3, 4], rng: &rng)),
            ("scale", Tensor(shape: [], data: [0.1])),
            ("bias", Tensor(randomNormal: [5], rng: &rng)),
        ]
        let path = directory + "/swift.safetensors"
        try SafeTensorsFile.write(path: path, tensors: tensors, metadata: ["step": "7", "name": "ünï"])
        let script = """
        import json, sys
        from safetensors import safe_open
        from safetensors.numpy import load_file
        t = load_file(sys.argv[1])
        with safe_open(sys.argv[1], framework="np") as f:
            meta = f.metadata()
        print(json.dumps({"metadata": meta, "tensors": {k: {"dtype": str(v.dtype), "shape": list(v.shape),
              "values": [float(x) for x in v.reshape(-1)]} for k, v in t.items()}}))
        """
        let result = try Self.python(script, [path])
        XCTAssertEqual(result.status, 0, result.output)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        XCTAssertEqual(json["metadata"] as? [String: String], ["step": "7", "name": "ünï"])
        let loaded = try XCTUnwrap(json["tensors"] as? [String: [String: Any]])
        XCTAssertEqual(Set(loaded.keys), Set(tensors.map(\.name)))
        for (name, tensor) in tensors {
            let entry = try XCTUnwrap(loaded[name], name)
            XCTAssertEqual(entry["dtype"] as? String, "float32", name)
            XCTAssertEqual(entry["shape"] as? [Int], tensor.shape, name)
            // Python prints the float32 widened to double, so converting back is exact.
            let values = try XCTUnwrap(entry["values"] as? [Double], name).map { Float($0) }
            XCTAssertEqual(values, tensor.data, name)
        }
    }

    func testSwiftReadsPythonWrittenF32AndF16() throws {
        let path = directory + "/python.safetensors"
        let script = """
        import sys, numpy as np
        from safetensors.numpy import save_file
        save_file({"w": np.array([[0.5, -1.25], [3.0, 1e-3]], dtype=np.float32),
                   "h": np.array([1.0, -0.5, 0.1, 1000.0, 2**-24], dtype=np.float16),
                   "s": np.array(-2.0, dtype=np.float32)},
                  sys.argv[1], metadata={"writer": "python"})
        """
        let result = try Self.python(script, [path])
        XCTAssertEqual(result.status, 0, result.output)
        let file = try SafeTensorsFile.read(path: path)
        XCTAssertEqual(file.metadata, ["writer": "python"])
        XCTAssertEqual(Set(file.order), ["w", "h", "s"])
        XCTAssertEqual(file.tensors["w"], Tensor(shape: [2, 2], data: [0.5, -1.25, 3.0, 1e-3]))
        XCTAssertEqual(file.tensors["s"], Tensor(shape: [], data: [-2]))
        // 0.1 in binary16 is 0x2E66 = 0.0999755859375.
        XCTAssertEqual(file.tensors["h"], Tensor(shape: [5], data: [1, -0.5, 0.0999755859375, 1000, 5.9604644775390625e-08]))
    }

    func testSwiftEncodingIsByteIdenticalToPythonForF32() throws {
        // Python orders tensors by dtype then name; giving ours in name order makes the files equal.
        // The metadata value's length leaves the JSON 3 bytes short of a multiple of 8, so the
        // padding is compared too.
        let path = directory + "/python.safetensors"
        let script = """
        import sys, numpy as np
        from safetensors.numpy import save_file
        save_file({"alpha": np.arange(6, dtype=np.float32).reshape(2, 3) / 7,
                   "beta": np.array([1.5, -2.5, 1e30], dtype=np.float32)}, sys.argv[1], metadata={"k": "v1234"})
        """
        let result = try Self.python(script, [path])
        XCTAssertEqual(result.status, 0, result.output)
        let alpha = Tensor(shape: [2, 3], data: (0..<6).map { Float($0) / 7 })
        let beta = Tensor(shape: [3], data: [1.5, -2.5, 1e30])
        let ours = try SafeTensorsFile.encode(tensors: [("alpha", alpha), ("beta", beta)], metadata: ["k": "v1234"])
        let theirs = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(ours, theirs, String(decoding: theirs.prefix(200), as: UTF8.self))
    }
}

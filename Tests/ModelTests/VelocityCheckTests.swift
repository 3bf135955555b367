import Foundation
import XCTest
import NN
import Tensor
@testable import Model

/// `flowrl bench --velocity-check`, the bridge to bench/torch_reference.py.
final class VelocityCheckTests: XCTestCase {
    let config = ModelConfig(width: 16, depth: 1, heads: 2, vocabSize: 26, maxTextTokens: 4, mlpRatio: 2,
                             timeFeatures: 8, imageSize: 8, patchSize: 4)

    private func modelDirectory() throws -> (String, Parameters) {
        var rng = RNG(seed: 3)
        var p = VelocityNetwork.initialParameters(config, rng: &rng)
        for i in 0..<p.count { p.values[i] += 0.05 * rng.normal() }
        let dir = NSTemporaryDirectory() + "velocity-check-\(UUID().uuidString)"
        try ModelCheckpoint.save(directory: dir, config: config, params: p)
        return (dir, p)
    }

    /// The written velocity is the network's forward output for the file's x, σ and caption ids.
    func testVelocityCheckWritesTheForwardVelocity() throws {
        let (dir, params) = try modelDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var rng = RNG(seed: 4)
        let B = 3, D = config.imageElements
        let x = Tensor(randomNormal: [B, 8, 8, 3], rng: &rng)
        let sigma = Tensor(shape: [B], data: [0.1, 0.5, 1])
        let ids: [Int32] = [3, 4, 0, 0, 7, 0, 0, 0, 1, 2, 5, 25]
        let tokens = Tensor(shape: [B, 4], data: ids.map(Float.init))
        try SafeTensorsFile.write(path: dir + "/in.safetensors", tensors: [("x", x), ("sigma", sigma), ("tokens", tokens)])
        try VelocityCheck.run(input: dir + "/in.safetensors", checkpoint: dir, output: dir + "/out.safetensors")
        let v = try XCTUnwrap(SafeTensorsFile.read(path: dir + "/out.safetensors").tensors["velocity"])
        let net = VelocityNetwork(config: config, maxBatch: B)
        net.forward(params, x: x.data, sigma: sigma.data, tokens: ids, batch: B)
        XCTAssertEqual(v.shape, [B, 8, 8, 3])
        XCTAssertEqual(v.data, Array(UnsafeBufferPointer(start: net.output, count: B * D)))
        XCTAssertGreaterThan(v.maxAbs(), 0)
    }

    /// A missing tensor and an id outside the vocabulary are errors naming the file and tensor.
    func testVelocityCheckNamesTheBadTensor() throws {
        let (dir, _) = try modelDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = dir + "/in.safetensors"
        try SafeTensorsFile.write(path: input, tensors: [("x", Tensor(zeros: [1, 8, 8, 3])), ("sigma", Tensor(zeros: [1]))])
        XCTAssertThrowsError(try VelocityCheck.run(input: input, checkpoint: dir, output: dir + "/o")) {
            XCTAssertEqual($0 as? VelocityCheckError, .missingTensor(file: input, name: "tokens"))
            XCTAssertTrue("\($0)".contains("tokens"))
        }
        try SafeTensorsFile.write(path: input, tensors: [("x", Tensor(zeros: [1, 8, 8, 3])), ("sigma", Tensor(zeros: [1])),
                                                         ("tokens", Tensor(shape: [1, 4], data: [1, 2, 26, 0]))])
        XCTAssertThrowsError(try VelocityCheck.run(input: input, checkpoint: dir, output: dir + "/o")) {
            XCTAssertEqual($0 as? VelocityCheckError, .badToken(file: input, index: 2, value: 26, vocabSize: 26))
        }
    }
}

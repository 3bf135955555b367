import Foundation
import NN
import Tensor

/// The network's velocity for inputs read from a file, so an independent implementation
/// (bench/torch_reference.py) can check its numbers against flowrl's.
///
/// The input safetensors holds `x` (B, H, W, 3), `sigma` (B) and `tokens` (B, L), all F32 (caption
/// ids are small integers, exact in float32); the output holds `velocity` (B, H, W, 3).
public enum VelocityCheck {
    /// Reads `input`, runs the model of `checkpoint` on it and writes `output`.
    public static func run(input: String, checkpoint: String, output: String) throws {
        let (config, params) = try ModelCheckpoint.load(directory: ModelCheckpoint.resolve(checkpoint))
        let file = try SafeTensorsFile.read(path: input)
        func tensor(_ name: String) throws -> Tensor {
            guard let t = file.tensors[name] else { throw VelocityCheckError.missingTensor(file: input, name: name) }
            return t
        }
        let x = try tensor("x"), sigma = try tensor("sigma"), tokens = try tensor("tokens")
        let B = sigma.data.count, S = config.imageSize, L = config.maxTextTokens
        func expect(_ t: Tensor, _ name: String, _ shape: [Int]) throws {
            guard t.shape == shape else {
                throw VelocityCheckError.badShape(file: input, name: name, shape: t.shape, expected: shape)
            }
        }
        try expect(sigma, "sigma", [B])
        try expect(x, "x", [B, S, S, config.channels])
        try expect(tokens, "tokens", [B, L])
        var ids = [Int32](repeating: 0, count: B * L)
        for (i, v) in tokens.data.enumerated() {
            guard v >= 0, v < Float(config.vocabSize), v == v.rounded() else {
                throw VelocityCheckError.badToken(file: input, index: i, value: v, vocabSize: config.vocabSize)
            }
            ids[i] = Int32(v)
        }
        let net = VelocityNetwork(config: config, maxBatch: max(B, 1))
        net.forward(params, x: x.data, sigma: sigma.data, tokens: ids, batch: B)
        let v = Array(UnsafeBufferPointer(start: net.output, count: B * config.imageElements))
        try SafeTensorsFile.write(path: output, tensors: [("velocity", Tensor(shape: x.shape, data: v))])
    }
}

/// A velocity-check input that does not fit the model, naming the file and tensor.
public enum VelocityCheckError: Error, CustomStringConvertible, Equatable {
    case missingTensor(file: String, name: String)
    case badShape(file: String, name: String, shape: [Int], expected: [Int])
    case badToken(file: String, index: Int, value: Float, vocabSize: Int)

    public var description: String {
        switch self {
        case let .missingTensor(file, name): "\(file) has no tensor \"\(name)\" (needs x, sigma, tokens)"
        case let .badShape(file, name, shape, expected): "\(file): tensor \"\(name)\" has shape \(shape), expected \(expected)"
        case let .badToken(file, index, value, vocab):
            "\(file): tokens[\(index)] = \(value) is not a caption id in 0..<\(vocab)"
        }
    }
}

import Foundation
import NN
import Tensor

/// A reward model directory: `config.json` (RewardModelConfig, snake_case) beside
/// `model.safetensors` (one F32 tensor per dotted parameter name), as `learned:PATH` reads it.
public enum RewardModelCheckpoint {
    public static let configFile = "config.json"
    public static let weightsFile = "model.safetensors"

    /// Writes config.json and model.safetensors into `directory` (created if needed); each file
    /// is written to a temporary name and renamed, so a reader never sees half a file.
    public static func save(directory: String, config: RewardModelConfig, params: Parameters,
                            metadata: [String: String] = [:]) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            try enc.encode(config).write(to: URL(fileURLWithPath: directory + "/" + configFile), options: .atomic)
        } catch {
            throw RewardError.badModel(path: directory, reason: "cannot write \(configFile): \(error.localizedDescription)")
        }
        let tensors = params.infos.map { info in
            (name: info.name, tensor: Tensor(shape: info.shape, data: Array(params.values[info.offset..<(info.offset + info.count)])))
        }
        try SafeTensorsFile.write(path: directory + "/" + weightsFile, tensors: tensors, metadata: metadata)
    }

    /// Reads a reward model directory, checking the config strictly and every tensor's name and shape.
    public static func load(directory: String) throws -> (config: RewardModelConfig, params: Parameters) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw RewardError.badModel(path: directory, reason: "no such directory (train one with `flowrl reward-model train --out \(directory)`)")
        }
        let configPath = directory + "/" + configFile
        guard let data = FileManager.default.contents(atPath: configPath) else {
            throw RewardError.badModel(path: directory, reason: "\(configFile) is missing")
        }
        let config: RewardModelConfig
        do { config = try RewardModelConfig.decodeStrictly(data) } catch let p as ConfigProblem {
            throw RewardError.badModel(path: directory, reason: "\(configFile) \(p.reason)")
        }
        let weightsPath = directory + "/" + weightsFile
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile.read(path: weightsPath) } catch {
            throw RewardError.badModel(path: directory, reason: "\(error)")
        }
        var params = Parameters(RewardNetwork.parameterSpecs(config))
        for info in params.infos {
            guard let t = file.tensors[info.name] else {
                throw RewardError.badModel(path: directory, reason: "\(weightsFile) has no tensor '\(info.name)'")
            }
            guard t.shape == info.shape else {
                throw RewardError.badModel(path: directory, reason: "tensor '\(info.name)' has shape \(t.shape), config.json implies \(info.shape)")
            }
            guard t.data.allSatisfy(\.isFinite) else {
                throw RewardError.badModel(path: directory, reason: "tensor '\(info.name)' holds NaN or infinite values")
            }
            params.values.replaceSubrange(info.offset..<(info.offset + info.count), with: t.data)
        }
        let known = Set(params.names)
        if let extra = file.order.first(where: { !known.contains($0) }) {
            throw RewardError.badModel(path: directory, reason: "\(weightsFile) has a tensor '\(extra)' the model does not have")
        }
        return (config, params)
    }
}

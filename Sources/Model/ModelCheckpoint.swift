import Foundation
import NN
import Tensor

/// A model directory: `config.json` (ModelConfig, snake_case) beside `model.safetensors`
/// (one F32 tensor per dotted parameter name). The bundled base model in models/base is one.
public enum ModelCheckpoint {
    public static let configFile = "config.json"
    public static let weightsFile = "model.safetensors"

    /// Reads a config.json strictly (unknown keys and wrong types are errors).
    public static func readConfig(_ path: String) throws -> ModelConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CheckpointError.missingFile(path)
        }
        let config: ModelConfig
        do {
            config = try StrictJSON.decode(ModelConfig.self, from: data, allowedKeys: ModelConfig.CodingKeys.allKeys)
        } catch let e as StrictJSONError {
            throw CheckpointError.badConfig(path, e.description)
        } catch {
            throw CheckpointError.badConfig(path, "\(error)")
        }
        if let problem = config.problem { throw CheckpointError.badConfig(path, problem) }
        return config
    }

    /// The model directory meant by `path`: the path itself when it holds model.safetensors, else
    /// the `model/` export inside a run directory (pretrain or train), else the path unchanged (so
    /// that loading reports what is missing there).
    public static func resolve(_ path: String) -> String {
        let fm = FileManager.default
        if fm.fileExists(atPath: path + "/" + weightsFile) { return path }
        if fm.fileExists(atPath: path + "/model/" + weightsFile) { return path + "/model" }
        return path
    }

    /// Loads config and weights from a model directory, checking every tensor's name and shape.
    public static func load(directory dir: String) throws -> (ModelConfig, Parameters) {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw CheckpointError.missingDirectory(dir)
        }
        let config = try readConfig(dir + "/" + configFile)
        let params = try loadWeights(dir + "/" + weightsFile, config: config)
        return (config, params)
    }

    /// Reads a safetensors file into a parameter layout of `config`; every expected tensor must be
    /// present with its exact shape and nothing else may be there.
    public static func loadWeights(_ path: String, config: ModelConfig) throws -> Parameters {
        guard FileManager.default.fileExists(atPath: path) else { throw CheckpointError.missingFile(path) }
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile.read(path: path) } catch {
            throw CheckpointError.corrupt(path, "\(error)")
        }
        var params = Parameters(VelocityNetwork.parameterSpecs(config))
        try fill(&params.values, infos: params.infos, from: file, path: path)
        return params
    }

    /// Copies the tensors of `file` into a flat buffer laid out by `infos`, checking names and shapes.
    public static func fill(_ values: inout [Float], infos: [ParameterInfo], from file: SafeTensorsFile, path: String) throws {
        for info in infos {
            guard let t = file.tensors[info.name] else { throw CheckpointError.missingTensor(path, info.name) }
            guard t.shape == info.shape else {
                throw CheckpointError.wrongShape(path, info.name, expected: info.shape, found: t.shape)
            }
            values.replaceSubrange(info.offset..<(info.offset + info.count), with: t.data)
        }
        let known = Set(infos.map(\.name))
        if let extra = file.order.first(where: { !known.contains($0) }) {
            throw CheckpointError.unexpectedTensor(path, extra)
        }
    }

    /// The tensors of a flat buffer laid out by `infos`, in order, for writing.
    public static func tensors(_ values: [Float], infos: [ParameterInfo]) -> [(name: String, tensor: Tensor)] {
        infos.map { info in
            (info.name, Tensor(shape: info.shape, data: Array(values[info.offset..<(info.offset + info.count)])))
        }
    }

    /// Writes config.json and model.safetensors into `dir` (created if needed), each atomically.
    public static func save(directory dir: String, config: ModelConfig, params: Parameters,
                            metadata: [String: String] = [:]) throws {
        try AtomicFiles.makeDirectory(dir)
        try AtomicFiles.write(try encodeConfig(config), to: dir + "/" + configFile)
        try SafeTensorsFile.write(path: dir + "/" + weightsFile,
                                  tensors: tensors(params.values, infos: params.infos), metadata: metadata)
    }

    public static func encodeConfig(_ config: ModelConfig) throws -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try enc.encode(config)
    }
}

/// Problems with a checkpoint or model directory, each naming the file and tensor at fault.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    case missingDirectory(String)
    case missingFile(String)
    case badConfig(String, String)
    case corrupt(String, String)
    case missingTensor(String, String)
    case unexpectedTensor(String, String)
    case wrongShape(String, String, expected: [Int], found: [Int])
    case noCheckpoint(String)

    public var description: String {
        switch self {
        case .missingDirectory(let d): return "checkpoint directory \(d) does not exist"
        case .missingFile(let f): return "\(f) does not exist"
        case let .badConfig(f, why): return "\(f): \(why)"
        case let .corrupt(f, why): return "\(f) is not a valid checkpoint: \(why)"
        case let .missingTensor(f, n): return "\(f) has no tensor '\(n)' (written for another model configuration?)"
        case let .unexpectedTensor(f, n): return "\(f) has a tensor '\(n)' the model does not have (written for another model configuration?)"
        case let .wrongShape(f, n, e, s): return "\(f): tensor '\(n)' has shape \(s), the model expects \(e)"
        case .noCheckpoint(let d): return "no complete checkpoint in \(d) to resume from"
        }
    }
}

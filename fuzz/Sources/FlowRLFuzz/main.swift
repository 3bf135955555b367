import Foundation
import Imaging
import Model
import RL
import Rewards
import Shapes
import Tensor

// libFuzzer harness for flowrl's parsers of untrusted input. FLOWRL_FUZZ_TARGET picks one:
//   safetensors  SafeTensorsFile.decode; what decodes must re-encode and decode to the same bits
//   png          PNG.decode; what decodes must have w·h·3 bytes and survive encode → decode
//   caption      Caption.parse; a parsed caption's canonical text parses to it again and tokenizes
//   config       StrictJSON.decode of ModelConfig / TrainConfig / PretrainConfig (first byte picks),
//                then `problem`; an accepted config survives encode → decode, and an accepted
//                ModelConfig's parameter layout can be computed without trapping and stays sane
//   reward-spec  RewardRegistry.parse (no reward is built, so no process is started)
// Any thrown error is a correct rejection; a trap, a failed property (fatalError) or a hang is a
// finding, written by libFuzzer as crash-<sha1> / timeout-<sha1>.

func fuzzSafeTensors(_ bytes: [UInt8]) {
    guard let file = try? SafeTensorsFile.decode(bytes, source: "fuzz") else { return }
    let named = file.order.map { ($0, file.tensors[$0]!) }
    guard named.count == file.tensors.count else { fatalError("order lists \(named.count) of \(file.tensors.count) tensors") }
    let again: SafeTensorsFile
    do { again = try SafeTensorsFile.decode(try SafeTensorsFile.encode(tensors: named, metadata: file.metadata)) } catch {
        fatalError("a decoded file does not re-encode: \(error)")
    }
    guard again.order == file.order, again.metadata == file.metadata else { fatalError("names or metadata changed") }
    for name in file.order {
        let a = file.tensors[name]!, b = again.tensors[name]!
        guard a.shape == b.shape, a.data.map(\.bitPattern) == b.data.map(\.bitPattern) else { fatalError("tensor \(name) changed") }
    }
}

func fuzzPNG(_ bytes: [UInt8]) {
    guard let (image, _) = try? PNG.decode(bytes, source: "fuzz") else { return }
    guard image.width > 0, image.height > 0, image.pixels.count == image.width * image.height * 3 else {
        fatalError("decoded \(image.width)×\(image.height) with \(image.pixels.count) bytes")
    }
    do {
        let back = try PNG.decode(try PNG.encode(image, compressionLevel: 1), source: "re-encoded").image
        guard back == image else { fatalError("encode → decode changed the pixels") }
    } catch {
        fatalError("a decoded image does not re-encode: \(error)")
    }
}

let tokenizer = Tokenizer(maxTokens: ModelConfig().maxTextTokens)

func fuzzCaption(_ bytes: [UInt8]) {
    let text = String(decoding: bytes, as: UTF8.self)
    guard let caption = try? Caption.parse(text) else { return }
    guard let again = try? Caption.parse(caption.text), again == caption else {
        fatalError("canonical text \"\(caption.text)\" of \"\(text)\" does not parse back")
    }
    do { _ = try tokenizer.encode(caption.text) } catch { fatalError("\"\(caption.text)\" parses but does not tokenize: \(error)") }
}

/// Decodes strictly; on success checks `problem`, then that encoding and decoding again is the identity.
func roundTrip<T: Codable & Equatable>(_ type: T.Type, _ data: Data, keys: Set<String>) -> T? {
    guard let value = try? StrictJSON.decode(T.self, from: data, allowedKeys: keys) else { return nil }
    do {
        let again = try StrictJSON.decode(T.self, from: try JSONEncoder().encode(value), allowedKeys: keys)
        guard again == value else { fatalError("\(T.self) changed in encode → decode") }
    } catch {
        fatalError("\(T.self) does not survive encode → decode: \(error)")
    }
    return value
}

func fuzzConfig(_ bytes: [UInt8]) {
    guard let first = bytes.first else { return }
    let data = Data(bytes.dropFirst())
    switch first % 3 {
    case 0:
        guard let c = roundTrip(ModelConfig.self, data, keys: ModelConfig.CodingKeys.allKeys), c.problem == nil else { return }
        // What ModelCheckpoint.loadWeights allocates before it reads a single tensor.
        var total = 0
        for spec in VelocityNetwork.parameterSpecs(c) {
            var n = 1
            for d in spec.shape {
                let (p, o) = n.multipliedReportingOverflow(by: d)
                guard !o, d >= 0 else { fatalError("accepted config: \(spec.name) has shape \(spec.shape)") }
                n = p
            }
            total += n
            guard total <= 1 << 28 else { fatalError("accepted config needs over 2^28 parameters (\(spec.name) \(spec.shape))") }
        }
    case 1:
        guard let c = roundTrip(TrainConfig.self, data, keys: TrainConfig.CodingKeys.allKeys), c.problem == nil else { return }
        _ = c.rollout
        _ = c.evaluation
    default:
        guard let c = roundTrip(PretrainConfig.self, data, keys: PretrainConfig.CodingKeys.allKeys) else { return }
        _ = c.problem
    }
}

func fuzzRewardSpec(_ bytes: [UInt8]) {
    guard let terms = try? RewardRegistry.parse(String(decoding: bytes, as: UTF8.self)) else { return }
    guard !terms.isEmpty, terms.allSatisfy({ $0.weight.isFinite && RewardRegistry.known.contains($0.name) }) else {
        fatalError("parse accepted \(terms)")
    }
}

/// Valid inputs of every target for libFuzzer to start from, and a dictionary of the tokens
/// the formats use (so mutations reach past the first key check).
func writeSeeds(to dir: String) throws {
    var files: [String: [UInt8]] = [:]
    let t = Tensor(shape: [2, 3], data: [1, -2, 0.5, .infinity, 0, 3])
    files["safetensors/one"] = try SafeTensorsFile.encode(tensors: [("w", t)])
    files["safetensors/meta"] = try SafeTensorsFile.encode(tensors: [("a.b", Tensor(shape: [1], data: [7])),
                                                                     ("empty", Tensor(shape: [0, 4], data: []))],
                                                           metadata: ["step": "3", "quote\"": "\u{1}é"])
    var f16 = String(decoding: try SafeTensorsFile.encode(tensors: [("h", Tensor(shape: [2], data: [1, 2]))]), as: UTF8.self)
    f16 = f16.replacingOccurrences(of: "\"F32\",\"shape\":[2]", with: "\"F16\",\"shape\":[4]")
    files["safetensors/f16"] = Array(f16.utf8)
    files["png/1x1"] = try PNG.encode(Image(width: 1, height: 1, fill: (255, 0, 0)))
    files["png/text"] = try PNG.encode(Image(width: 32, height: 32, fill: (9, 99, 199)), text: [("prompt", "a red circle")])
    files["config/model"] = [0] + Array(try JSONEncoder().encode(ModelConfig()))
    files["config/train"] = [1] + Array(try JSONEncoder().encode(TrainConfig()))
    files["config/pretrain"] = [2] + Array(try JSONEncoder().encode(PretrainConfig()))
    files["config/small"] = [0] + Array(#"{"width": 16, "depth": 1, "heads": 2, "image_size": 8}"#.utf8)
    for (i, spec) in ["geneval", "geneval:1,compress:0.1", "learned@0.5:models/reward", "geneval:1,external@2:python3 s.py a,b"].enumerated() {
        files["reward-spec/\(i)"] = Array(spec.utf8)
    }
    var dict = ["\"dtype\"", "\"shape\"", "\"data_offsets\"", "\"__metadata__\"", "\"F32\"", "\"F16\"", "\"BF16\"",
                "IHDR", "IDAT", "IEND", "tEXt", "zTXt", "iTXt", "PLTE", "tRNS"]
    dict += ModelConfig.CodingKeys.allKeys.map { "\"\($0)\"" } + TrainConfig.CodingKeys.allKeys.map { "\"\($0)\"" }
    dict += PretrainConfig.CodingKeys.allKeys.map { "\"\($0)\"" } + Vocabulary.words + RewardRegistry.known
    let fm = FileManager.default
    for (name, bytes) in files {
        let path = dir + "/" + name
        try fm.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
    let escaped = Set(dict).sorted().map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
    try escaped.joined(separator: "\n").write(toFile: dir + "/flowrl.dict", atomically: true, encoding: .utf8)
}

if let dir = ProcessInfo.processInfo.environment["FLOWRL_FUZZ_SEEDS"] {
    do { try writeSeeds(to: dir) } catch {
        FileHandle.standardError.write(Data("cannot write seeds: \(error)\n".utf8))
        exit(1)
    }
    exit(0)
}

let target = ProcessInfo.processInfo.environment["FLOWRL_FUZZ_TARGET"] ?? ""
let targets: [String: ([UInt8]) -> Void] = [
    "safetensors": fuzzSafeTensors, "png": fuzzPNG, "caption": fuzzCaption, "config": fuzzConfig,
    "reward-spec": fuzzRewardSpec,
]
guard targets[target] != nil else {
    FileHandle.standardError.write(Data("set FLOWRL_FUZZ_TARGET to one of: \(targets.keys.sorted().joined(separator: ", "))\n".utf8))
    exit(2)
}

@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(_ argc: UnsafeMutablePointer<Int32>,
               _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
               _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(runDriver(&argc, &argv) { data, size in
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    targets[target]!(bytes)
    return 0
})

import Foundation
import Model
import NN
import Tensor

/// A temporary directory holding what `TrainRun` reads: a tiny 32×32 model in `base/`, three
/// training prompts in `train.txt` and the given held-out prompts in `test.txt`.
enum TinyRunFixture {
    static func make(prefix: String, testPrompts: String) throws -> String {
        let root = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let model = ModelConfig(width: 16, depth: 1, heads: 2, vocabSize: Tokenizer.vocabSize, maxTextTokens: 12,
                                mlpRatio: 2, timeFeatures: 8, imageSize: 32, patchSize: 4)
        var rng = RNG(seed: 2)
        try ModelCheckpoint.save(directory: root + "/base", config: model,
                                 params: VelocityNetwork.initialParameters(model, rng: &rng))
        try "a red circle\ntwo blue squares\na green triangle\n".write(toFile: root + "/train.txt", atomically: true, encoding: .utf8)
        try testPrompts.write(toFile: root + "/test.txt", atomically: true, encoding: .utf8)
        return root
    }
}

import Foundation
import Shapes
import Tensor

/// Hyper-parameters of the learned reward model, saved as `config.json` (snake_case keys)
/// beside `model.safetensors`. Every field has its default here.
public struct RewardModelConfig: Codable, Equatable, Sendable {
    /// Side of the square RGB input in pixels.
    public var imageSize: Int = 32
    /// Side of the first-level pixel patches.
    public var patchSize: Int = 4
    /// Features per 4×4 pixel patch (D1).
    public var patchWidth: Int = 32
    /// Features per patch after the 3×3 neighbourhood level (D2).
    public var contextWidth: Int = 48
    /// Features per cell of 2×2 patches (D3).
    public var mergeWidth: Int = 64
    /// Width of the word embeddings and of the caption vector (E).
    public var textWidth: Int = 32
    /// Hidden width of the scoring head (H).
    public var hiddenWidth: Int = 128
    /// Word slots of a caption (padded with id 0).
    public var maxWords: Int = Vocabulary.maxCaptionWords
    /// Word ids including padding id 0: the caption vocabulary plus one.
    public var vocabSize: Int = Vocabulary.words.count + 1

    public init() {}

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case imageSize = "image_size", patchSize = "patch_size", patchWidth = "patch_width", contextWidth = "context_width"
        case mergeWidth = "merge_width", textWidth = "text_width", hiddenWidth = "hidden_width"
        case maxWords = "max_words", vocabSize = "vocab_size"
    }

    /// First-level patches per side, (imageSize / patchSize).
    public var grid: Int { imageSize / patchSize }

    /// Why this configuration cannot be built, or nil.
    public var problem: String? {
        let positive: [(String, Int)] = [("image_size", imageSize), ("patch_size", patchSize), ("patch_width", patchWidth),
                                         ("context_width", contextWidth), ("merge_width", mergeWidth), ("text_width", textWidth),
                                         ("hidden_width", hiddenWidth), ("max_words", maxWords), ("vocab_size", vocabSize)]
        if let (key, v) = positive.first(where: { $0.1 < 1 || $0.1 > 4096 }) { return "\(key) must be in 1…4096, got \(v)" }
        if imageSize % patchSize != 0 { return "image_size \(imageSize) is not a multiple of patch_size \(patchSize)" }
        if grid % 2 != 0 { return "image_size / patch_size = \(grid) must be even (2×2 patches are merged)" }
        if vocabSize != Vocabulary.words.count + 1 {
            return "vocab_size \(vocabSize) does not match the caption vocabulary (\(Vocabulary.words.count + 1))"
        }
        if maxWords < Vocabulary.maxCaptionWords {
            return "max_words \(maxWords) is shorter than the longest caption (\(Vocabulary.maxCaptionWords) words)"
        }
        return nil
    }

    /// Decodes `data` strictly: unknown keys, wrong types and invalid values are errors naming the key.
    public static func decodeStrictly(_ data: Data) throws -> RewardModelConfig {
        let config: RewardModelConfig
        do { config = try StrictJSON.decode(RewardModelConfig.self, from: data, allowedKeys: CodingKeys.allKeys) } catch {
            throw ConfigProblem("\(error)")
        }
        if let p = config.problem { throw ConfigProblem(p) }
        return config
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = RewardModelConfig()
        imageSize = try c.decodeIfPresent(Int.self, forKey: .imageSize) ?? d.imageSize
        patchSize = try c.decodeIfPresent(Int.self, forKey: .patchSize) ?? d.patchSize
        patchWidth = try c.decodeIfPresent(Int.self, forKey: .patchWidth) ?? d.patchWidth
        contextWidth = try c.decodeIfPresent(Int.self, forKey: .contextWidth) ?? d.contextWidth
        mergeWidth = try c.decodeIfPresent(Int.self, forKey: .mergeWidth) ?? d.mergeWidth
        textWidth = try c.decodeIfPresent(Int.self, forKey: .textWidth) ?? d.textWidth
        hiddenWidth = try c.decodeIfPresent(Int.self, forKey: .hiddenWidth) ?? d.hiddenWidth
        maxWords = try c.decodeIfPresent(Int.self, forKey: .maxWords) ?? d.maxWords
        vocabSize = try c.decodeIfPresent(Int.self, forKey: .vocabSize) ?? d.vocabSize
    }
}

/// A reason a config.json was refused, wrapped into `RewardError.badModel` with its path.
struct ConfigProblem: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}

import Foundation

/// The velocity network's hyper-parameters, saved as `config.json` beside `model.safetensors`.
/// Keys on disk are snake_case (mlx-swift convention); every field has its default here.
public struct ModelConfig: Codable, Equatable, Sendable {
    /// Side of the square RGB image in pixels.
    public var imageSize: Int = 32
    public var channels: Int = 3
    /// Side of a square patch; (imageSize / patchSize)² image tokens.
    public var patchSize: Int = 4
    /// Transformer width C.
    public var width: Int = 128
    public var depth: Int = 6
    public var heads: Int = 4
    /// Hidden width of each MLP as a multiple of C.
    public var mlpRatio: Int = 4
    /// Caption tokens per sample (padded); words beyond it are an error. The longest caption of
    /// the grammar has 10 words; 12 leaves room without paying for many padding tokens.
    public var maxTextTokens: Int = 12
    /// Number of token ids including padding id 0: the caption vocabulary plus one.
    public var vocabSize: Int = Tokenizer.vocabSize
    /// Sinusoidal timestep features fed to the time MLP.
    public var timeFeatures: Int = 128

    public init() {}

    public init(width: Int, depth: Int, heads: Int, vocabSize: Int, maxTextTokens: Int = 16,
                mlpRatio: Int = 4, timeFeatures: Int = 128, imageSize: Int = 32, patchSize: Int = 4) {
        self.width = width
        self.depth = depth
        self.heads = heads
        self.vocabSize = vocabSize
        self.maxTextTokens = maxTextTokens
        self.mlpRatio = mlpRatio
        self.timeFeatures = timeFeatures
        self.imageSize = imageSize
        self.patchSize = patchSize
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case imageSize = "image_size", channels, patchSize = "patch_size", width, depth, heads
        case mlpRatio = "mlp_ratio", maxTextTokens = "max_text_tokens", vocabSize = "vocab_size"
        case timeFeatures = "time_features"
    }

    /// Decodes strictly: a key this struct does not know is an error rather than silently ignored.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ModelConfig()
        imageSize = try c.decodeIfPresent(Int.self, forKey: .imageSize) ?? d.imageSize
        channels = try c.decodeIfPresent(Int.self, forKey: .channels) ?? d.channels
        patchSize = try c.decodeIfPresent(Int.self, forKey: .patchSize) ?? d.patchSize
        width = try c.decodeIfPresent(Int.self, forKey: .width) ?? d.width
        depth = try c.decodeIfPresent(Int.self, forKey: .depth) ?? d.depth
        heads = try c.decodeIfPresent(Int.self, forKey: .heads) ?? d.heads
        mlpRatio = try c.decodeIfPresent(Int.self, forKey: .mlpRatio) ?? d.mlpRatio
        maxTextTokens = try c.decodeIfPresent(Int.self, forKey: .maxTextTokens) ?? d.maxTextTokens
        vocabSize = try c.decodeIfPresent(Int.self, forKey: .vocabSize) ?? d.vocabSize
        timeFeatures = try c.decodeIfPresent(Int.self, forKey: .timeFeatures) ?? d.timeFeatures
    }

    public var gridSide: Int { imageSize / patchSize }
    public var imageTokens: Int { gridSide * gridSide }
    /// Joint sequence length: caption tokens then image tokens.
    public var sequenceLength: Int { maxTextTokens + imageTokens }
    public var patchDim: Int { patchSize * patchSize * channels }
    public var hidden: Int { width * mlpRatio }
    /// Floats per image (H·W·3).
    public var imageElements: Int { imageSize * imageSize * channels }

    /// A sentence naming what is wrong, or nil when the shapes fit together.
    public var problem: String? {
        if imageSize <= 0 || patchSize <= 0 || imageSize % patchSize != 0 {
            return "image_size \(imageSize) must be a positive multiple of patch_size \(patchSize)"
        }
        if width <= 0 || heads <= 0 || width % heads != 0 { return "width \(width) must be a positive multiple of heads \(heads)" }
        if width % 4 != 0 { return "width \(width) must be divisible by 4 (2-D sin-cos positions)" }
        if depth <= 0 { return "depth must be positive, got \(depth)" }
        if mlpRatio <= 0 { return "mlp_ratio must be positive, got \(mlpRatio)" }
        if maxTextTokens <= 0 { return "max_text_tokens must be positive" }
        if vocabSize < 2 { return "vocab_size must be at least 2" }
        if timeFeatures <= 0 || timeFeatures % 2 != 0 { return "time_features must be a positive even number" }
        if channels != 3 { return "channels must be 3 (RGB)" }
        // Upper bounds, checked before anything is allocated: a corrupt or hostile config.json must
        // give this sentence, not an attempt to allocate petabytes (found by fuzzing the loader).
        let limits: [(String, Int, Int)] = [("image_size", imageSize, 1024), ("patch_size", patchSize, 64),
                                            ("width", width, 8192), ("depth", depth, 256), ("heads", heads, 256),
                                            ("mlp_ratio", mlpRatio, 16), ("max_text_tokens", maxTextTokens, 1024),
                                            ("vocab_size", vocabSize, 1 << 20), ("time_features", timeFeatures, 8192)]
        for (key, value, limit) in limits where value > limit { return "\(key) \(value) is larger than the supported \(limit)" }
        let parameters = VelocityNetwork.parameterSpecs(self).reduce(0) { $0 + $1.shape.reduce(1, *) }
        if parameters > 1 << 28 { return "the configuration has \(parameters) parameters, more than the supported \(1 << 28)" }
        return nil
    }

    /// Multiply-adds of one forward pass for one sample, counted from the layer shapes
    /// (matrix products only; elementwise work is a few percent). FLOPs = 2 × this.
    public var forwardMACsPerSample: Int {
        let T = sequenceLength, C = width, H = hidden
        let perBlock = T * (3 * C * C + C * C + 2 * C * H)   // qkv, proj, mlp
            + 2 * T * T * C                                   // q·kᵀ and att·v over all heads
            + 6 * C * C                                       // adaLN
        let embed = imageTokens * patchDim * C + timeFeatures * C + C * C
        let final = 2 * C * C + imageTokens * C * patchDim
        return depth * perBlock + embed + final
    }
}

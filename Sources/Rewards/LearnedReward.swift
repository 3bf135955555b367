import Foundation
import Imaging
import NN
import Shapes
import Tensor

/// `learned:PATH`: the reward model in directory PATH (see `RewardNetwork`), a prediction of
/// the judge's partial credit in (0, 1).
///
/// This is the realistic proxy of the over-optimization study: it agrees with the judge on the
/// images it was trained on, and a policy optimizing it finds the images where it does not.
/// Images must be `config.image_size` square (32×32).
public final class LearnedReward: Reward, @unchecked Sendable {
    public let name = "learned"
    public let directory: String
    public let config: RewardModelConfig
    let params: Parameters
    /// Guards `network`'s buffers: one batch at a time.
    private let lock = NSLock()
    private let network: RewardNetwork

    /// Loads the model in `directory`.
    public convenience init(directory: String) throws {
        let (config, params) = try RewardModelCheckpoint.load(directory: directory)
        self.init(config: config, params: params, directory: directory)
    }

    /// A reward from a model already in memory (`directory` only names it in messages).
    public init(config: RewardModelConfig, params: Parameters, directory: String = "<memory>") {
        self.directory = directory
        self.config = config
        self.params = params
        network = RewardNetwork(config: config, maxBatch: 64)
    }

    public func score(images: [Image], prompts: [String]) throws -> RewardScores {
        try checkCounts(images: images, prompts: prompts)
        let captions = try parseCaptions(prompts, reward: name)
        let side = config.imageSize
        if let i = images.firstIndex(where: { $0.width != side || $0.height != side }) {
            throw RewardError.badImage(reward: name, index: i,
                                       reason: "it is \(images[i].width)×\(images[i].height), the model reads \(side)×\(side)")
        }
        let values = predict(images: images, captions: captions)
        return RewardScores(single: name, values)
    }

    /// The model's predictions, in batches of at most the network's `maxBatch`.
    public func predict(images: [Image], captions: [Caption]) -> [Float] {
        lock.lock()
        defer { lock.unlock() }
        return Self.predict(network: network, params: params, images: images, captions: captions)
    }

    /// Runs `network` with `params` over any number of images.
    static func predict(network: RewardNetwork, params: Parameters, images: [Image], captions: [Caption]) -> [Float] {
        let D = network.imageElements, L = network.config.maxWords
        var out: [Float] = []
        out.reserveCapacity(images.count)
        var start = 0
        while start < images.count {
            let n = min(network.maxBatch, images.count - start)
            var pixels = [Float]()
            pixels.reserveCapacity(n * D)
            var tokens = [Int32]()
            tokens.reserveCapacity(n * L)
            for i in start..<(start + n) {
                pixels += images[i].floats()
                tokens += CaptionTokens.encode(captions[i], slots: L)
            }
            params.values.withUnsafeBufferPointer { w in
                pixels.withUnsafeBufferPointer { x in
                    tokens.withUnsafeBufferPointer { t in
                        let p = network.forward(w.baseAddress!, images: x.baseAddress!, tokens: t.baseAddress!, batch: n)
                        out.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
                    }
                }
            }
            start += n
        }
        return out
    }
}

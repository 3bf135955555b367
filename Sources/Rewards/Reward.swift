import Imaging
import Shapes
import Tensor

/// A reward function that scores a whole rollout batch in one call.
///
/// `prompts[i]` is the caption image `i` was generated for. Rewards are batched because the
/// expensive ones (a learned model, an external process) amortise their cost over the batch;
/// cheap ones simply loop. Implementations are `Sendable` so a trainer may hold one across
/// tasks; the ones with mutable state (`ExternalReward`, `LearnedReward`) serialise calls.
public protocol Reward: Sendable {
    /// The name under which the reward appears in metrics and error messages.
    var name: String { get }
    /// Scores `images` against `prompts` (equal counts).
    func score(images: [Image], prompts: [String]) throws -> RewardScores
}

/// The rewards of one batch: the value trained on, and each named part of it for metrics.jsonl.
public struct RewardScores: Sendable, Equatable {
    /// The reward per image.
    public var total: [Float]
    /// Raw (unweighted) values of every sub-reward, keyed by name ("geneval", "compress",
    /// "geneval_strict", …); each array has one entry per image.
    public var components: [String: [Float]]

    public init(total: [Float], components: [String: [Float]] = [:]) {
        self.total = total
        self.components = components
    }

    /// Scores of a reward that is a single number per image, reported under its own name.
    public init(single name: String, _ values: [Float]) {
        self.init(total: values, components: [name: values])
    }
}

extension Reward {
    /// Throws unless there is one prompt per image: a mismatch would silently misalign rewards.
    func checkCounts(images: [Image], prompts: [String]) throws {
        guard images.count == prompts.count else {
            throw RewardError.countMismatch(reward: name, images: images.count, prompts: prompts.count)
        }
    }
}

/// `body(image, caption, objects)` for every image, with the objects the detector finds in it:
/// one detection per image, images split across cores (each is independent, and each range
/// initialises only its own entries). Every detector-based reward and the gold metrics use it.
func mapDetections<T>(_ images: [Image], _ captions: [Caption],
                      _ body: (Image, Caption, [DetectedObject]) -> T) -> [T] {
    precondition(images.count == captions.count, "one caption per image")
    return [T](unsafeUninitializedCapacity: images.count) { buffer, initialized in
        guard let base = buffer.baseAddress else { return }
        let out = UncheckedSendable(base)
        Parallel.forRanges(images.count) { range in
            for i in range { (out.value + i).initialize(to: body(images[i], captions[i], Detector.detect(images[i]))) }
        }
        initialized = images.count
    }
}

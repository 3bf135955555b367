import Imaging
import Shapes

/// `extras`: minus the number of detected objects beyond those the caption names.
///
/// GenEval's rules allow objects a caption does not mention, and partial credit pays for every
/// named shape found, so a policy trained on `geneval` learns to draw a third or fourth blob: each
/// one is another chance that a named shape turns up (README "Results"). On position captions that
/// also costs accuracy, because every (first, second) pair must stand in the relation. This term
/// prices the hack: with n the objects the caption names (the sum of its counts) and m the objects
/// the detector finds, it is −max(0, m − n). Added with a small weight, e.g.
/// `geneval:1,extras:0.3`, it makes an extra blob cost more than the partial credit it buys on
/// average.
public struct ExtrasReward: Reward {
    public let name = "extras"

    public init() {}

    public func score(images: [Image], prompts: [String]) throws -> RewardScores {
        try checkCounts(images: images, prompts: prompts)
        let captions = try parseCaptions(prompts, reward: name)
        let scores = mapDetections(images, captions) { _, caption, objects in Self.score(caption, objectCount: objects.count) }
        return RewardScores(single: name, scores)
    }

    /// −(objects beyond the caption's named ones), 0 when there are none.
    static func score(_ caption: Caption, objectCount m: Int) -> Float {
        let named = caption.requirements.reduce(0) { $0 + $1.count }
        return -Float(max(0, m - named))
    }
}

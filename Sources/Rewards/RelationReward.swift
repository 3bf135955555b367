import Imaging
import Shapes

/// `relation`: whether a position caption's two objects stand in its relation, judged on their
/// colours alone; 0 for captions without a relation.
///
/// Why it exists: in `geneval`'s partial credit the relation is a third of a position caption's
/// score and counts only when both shapes are detected, so most of the reward's spread inside a
/// group comes from shapes and colours, and a base model that draws blobby shapes gets almost no
/// signal about where to put them. This reward isolates the layout: with A the detected objects of
/// the first colour and B those of the second (any shape), it is the share of pairs (a, b) that
/// stand in the relation by `Judge.positionMargin` px, 0 when either side is absent. When both
/// objects share a colour, colour cannot tell them apart and shape is used as well.
///
/// Its value on captions without a relation is a constant 0, which adds nothing to a group's
/// advantages (every member of a group has the same prompt), so `geneval:1,relation:1` is geneval
/// with extra weight on the layout of position captions only.
public struct RelationReward: Reward {
    public let name = "relation"

    public init() {}

    public func score(images: [Image], prompts: [String]) throws -> RewardScores {
        try checkCounts(images: images, prompts: prompts)
        let captions = try parseCaptions(prompts, reward: name)
        let scores = mapDetections(images, captions) { _, caption, objects -> Float in
            guard case let .position(a, relation, b) = caption.content else { return 0 }
            return Self.score(a, relation, b, objects: objects)
        }
        return RewardScores(single: name, scores)
    }

    /// The share of (first, second) pairs among `objects` that stand in `relation`.
    static func score(_ a: ColoredShape, _ relation: Relation, _ b: ColoredShape, objects: [DetectedObject]) -> Float {
        let sameColour = a.color == b.color
        func members(_ s: ColoredShape) -> [DetectedObject] {
            objects.filter { $0.color == s.color && (!sameColour || $0.shape == s.shape) }
        }
        let first = members(a), second = members(b)
        guard !first.isEmpty, !second.isEmpty else { return 0 }
        var held = 0
        for x in first {
            for y in second where SceneSampler.holds(relation, x.centroid, y.centroid, margin: Judge.positionMargin) { held += 1 }
        }
        return Float(held) / Float(first.count * second.count)
    }
}

import Imaging

/// The verdict on one image for one caption.
public struct Judgement: Sendable {
    /// Every part of the caption holds (GenEval's "correct").
    public var strict: Bool
    /// Mean of the per-part scores in [0, 1]; 1 exactly when `strict`.
    public var partial: Float
    /// What the detector found.
    public var objects: [DetectedObject]
    /// One entry per part that failed, for logs, `flowrl score` and the failure breakdown.
    public var failures: [JudgeFailure]
}

/// Why one part of a caption failed.
public struct JudgeFailure: Sendable, Equatable {
    public enum Kind: String, CaseIterable, Codable, Sendable {
        /// No object of a named shape was found, in any colour.
        case missing
        /// The shape is there, but only in another colour (a colour-binding error).
        case color
        /// An exact count is wrong (too few or too many of the named kind).
        case count
        /// Both objects are there but some pair does not stand in the named relation.
        case relation
    }
    public var kind: Kind
    /// One sentence for a person.
    public var message: String
}

/// Checks an image against a caption with GenEval's rules, on what `Detector` finds.
///
/// Strict rules (GenEval's `evaluate`):
/// - every named object must be present (at least `count` objects of that shape, and of that
///   colour when the caption names one); objects the caption does not mention are allowed;
/// - counting captions also fail with more than n matching objects ("exactly three green
///   circles"; circles of other colours are a different kind and do not count);
/// - position captions need every pair (first object, second object) to stand in the relation
///   by at least `positionMargin` px between centroids along the relation's axis.
///
/// Partial credit, the mean over the caption's parts, each in [0, 1]:
/// - a required object: 1 if present, ½ if only its shape is present in another colour
///   (so that getting the shape right is rewarded before the colour is), else 0;
/// - a count of n: 1 − |m − n| / n with m the matching objects, where a missing one can be
///   half-made-up by a same-shape object of the wrong colour; floored at 0;
/// - a relation: the fraction of (first, second) pairs that stand in it, 0 if either is absent.
public enum Judge {
    /// Centroid separation a relation needs along its axis: about 0.1 of the canvas as in
    /// GenEval, half the separation the scene sampler guarantees, so that detection jitter on
    /// a correct image cannot fail it and a swapped image fails by at least 9 px.
    public static let positionMargin: Float = 3

    /// Judges `image` against `caption`.
    public static func judge(_ caption: Caption, _ image: Image) -> Judgement {
        judge(caption, objects: Detector.detect(image))
    }

    /// Judges already-detected objects against `caption`.
    public static func judge(_ caption: Caption, objects: [DetectedObject]) -> Judgement {
        var scores: [Float] = []
        var failures: [JudgeFailure] = []
        var groups: [[DetectedObject]] = []
        for req in caption.requirements {
            let matches = objects.filter { $0.shape == req.shape && (req.color == nil || $0.color == req.color) }
            let wrongColor = req.color == nil ? 0 : objects.filter { $0.shape == req.shape && $0.color != req.color }.count
            groups.append(matches)
            let name = describe(req)
            if req.exact {
                let n = Float(req.count), m = Float(matches.count)
                let effective = m < n ? m + 0.5 * min(n - m, Float(wrongColor)) : m
                scores.append(max(0, 1 - abs(effective - n) / n))
                if matches.count != req.count {
                    failures.append(JudgeFailure(kind: .count, message: "expected exactly \(name), found \(matches.count)"))
                }
            } else if matches.count >= req.count {
                scores.append(1)
            } else {
                scores.append(wrongColor > 0 ? 0.5 : 0)
                failures.append(wrongColor > 0
                    ? JudgeFailure(kind: .color, message: "expected \(name), found the shape in another colour only")
                    : JudgeFailure(kind: .missing, message: "expected \(name), found none"))
            }
        }
        if let relation = caption.relation, groups.count == 2 {
            let (a, b) = (groups[0], groups[1])
            var held = 0
            for x in a { for y in b where SceneSampler.holds(relation, x.centroid, y.centroid, margin: positionMargin) { held += 1 } }
            let pairs = a.count * b.count
            scores.append(pairs == 0 ? 0 : Float(held) / Float(pairs))
            // With no pair, an object is already reported missing; the relation is not the cause.
            if pairs > 0 && held < pairs {
                failures.append(JudgeFailure(kind: .relation, message:
                    "\(pairs - held) of \(pairs) pairs are not \(relation.words.joined(separator: " ")) by \(positionMargin) px"))
            }
        }
        let partial = scores.isEmpty ? 0 : scores.reduce(0, +) / Float(scores.count)
        return Judgement(strict: scores.allSatisfy { $0 == 1 }, partial: partial, objects: objects, failures: failures)
    }

    static func describe(_ r: ObjectRequirement) -> String {
        let color = r.color.map { $0.rawValue + " " } ?? ""
        let noun = r.count == 1 ? r.shape.rawValue : r.shape.plural
        return r.exact ? "\(r.count) \(color)\(noun)" : "a \(color)\(noun)"
    }
}

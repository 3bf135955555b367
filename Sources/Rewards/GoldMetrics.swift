import Imaging
import Shapes
import Tensor

/// The gold metrics of one category (or of everything), for `eval` and the trainer's eval steps.
public struct GoldScores: Codable, Sendable, Equatable {
    public var images: Int
    /// Fraction of images the judge passes strictly (GenEval's accuracy).
    public var strictAccuracy: Double
    /// Mean partial credit (what the `geneval` reward optimizes; reported for comparison).
    public var partial: Double
    /// Mean `GoldMetrics.quality`, in [0, 1], higher is better.
    public var quality: Double
    /// Mean over prompts of `GoldMetrics.diversity` (nil when no prompt has two images).
    public var diversity: Double?
    /// Prompts with at least two images, over which `diversity` is averaged.
    public var diversityPrompts: Int
    /// Images failing with each `JudgeFailure.Kind` (raw value → count); an image that fails in
    /// two ways counts under both. Nil in records written before it existed.
    public var failures: [String: Int]?
    /// Mean number of objects the detector finds per image. Above what the captions name, it
    /// counts extra blobs, which the judge allows and a policy can learn to add (more chances
    /// that a named shape is found). Nil in records written before it existed.
    public var objects: Double?
    /// Fraction of prompts with at least one strictly passing image among their K (pass@K). A
    /// policy that learned to draw its best sample every time would reach it, so pass@K − strict
    /// is the headroom GRPO, which only reweights what the policy samples, can hope to collect.
    /// Nil in records written before it existed.
    public var passAtK: Double?

    public init(images: Int = 0, strictAccuracy: Double = 0, partial: Double = 0, quality: Double = 0,
                diversity: Double? = nil, diversityPrompts: Int = 0, failures: [String: Int]? = nil,
                objects: Double? = nil, passAtK: Double? = nil) {
        self.images = images
        self.strictAccuracy = strictAccuracy
        self.partial = partial
        self.quality = quality
        self.diversity = diversity
        self.diversityPrompts = diversityPrompts
        self.failures = failures
        self.objects = objects
        self.passAtK = passAtK
    }

    /// Fraction of the images failing with `kind` (0 when unknown).
    public func failureRate(_ kind: JudgeFailure.Kind) -> Double {
        guard images > 0, let n = failures?[kind.rawValue] else { return 0 }
        return Double(n) / Double(images)
    }

    enum CodingKeys: String, CodingKey {
        case images, strictAccuracy = "strict_accuracy", partial, quality, diversity
        case diversityPrompts = "diversity_prompts", failures, objects, passAtK = "pass_at_k"
    }
}

/// Gold metrics of a set of images, per caption category and overall.
public struct GoldReport: Codable, Sendable, Equatable {
    /// Keyed by `CaptionCategory.rawValue`; categories without images are absent.
    public var categories: [String: GoldScores]
    public var overall: GoldScores
}

/// The judgements over-optimization is measured by, never used as a training reward: strict
/// alignment (the judge), quality and diversity.
///
/// - quality = 1 − mean |image − clean re-render| over all pixels and channels on the [0, 1]
///   scale, where the clean re-render draws the objects the detector found (shape, colour,
///   centroid, size) on the nearest palette background. A clean render scores about 0.99 (the
///   detector's size and centroid estimates are not exact), pixel noise of std σ costs about
///   0.8 σ, blur and smears cost at every edge, and blobs the detector cannot explain (artifacts,
///   fused or half-drawn objects, off-palette colours) cost their whole area.
/// - diversity = mean over pairs of images of one prompt of the same per-pixel mean absolute
///   distance, in [0, 1]; 0 means every sample is identical (mode collapse).
public enum GoldMetrics {
    /// A clean render of what the detector sees in `image`.
    public static func cleanRerender(_ image: Image) -> Image {
        cleanRerender(image, objects: Detector.detect(image))
    }

    /// A clean render of `objects` on the palette background nearest to `image`'s.
    public static func cleanRerender(_ image: Image, objects: [DetectedObject]) -> Image {
        let bg = Detector.estimateBackground(image)
        let background = Background.allCases.min { a, b in
            let da = a.unit - bg, db = b.unit - bg
            return (da * da).sum() < (db * db).sum()
        } ?? .black
        return Renderer.render(Scene(background: background, objects: objects.map(\.sceneObject)))
    }

    /// Quality of one image (see the type's documentation); images that are not 32×32 score 0.
    public static func quality(_ image: Image) -> Float {
        quality(image, objects: Detector.detect(image))
    }

    static func quality(_ image: Image, objects: [DetectedObject]) -> Float {
        guard image.width == Scene.width, image.height == Scene.height else { return 0 }
        return 1 - distance(image, cleanRerender(image, objects: objects))
    }

    /// Mean absolute difference of two equally sized images on the [0, 1] scale.
    public static func distance(_ a: Image, _ b: Image) -> Float {
        precondition(a.width == b.width && a.height == b.height, "distance between images of different sizes")
        guard !a.pixels.isEmpty else { return 0 }
        var sum = 0
        a.pixels.withUnsafeBufferPointer { p in
            b.pixels.withUnsafeBufferPointer { q in
                for i in 0..<p.count { sum += abs(Int(p[i]) - Int(q[i])) }
            }
        }
        return Float(sum) / (255 * Float(a.pixels.count))
    }

    /// Mean pairwise distance among `images` (samples of one prompt); nil for fewer than two.
    public static func diversity(_ images: [Image]) -> Float? {
        guard images.count >= 2 else { return nil }
        var total: Float = 0, pairs = 0
        for i in 0..<images.count {
            for j in (i + 1)..<images.count {
                total += distance(images[i], images[j])
                pairs += 1
            }
        }
        return total / Float(pairs)
    }

    /// Strict alignment, quality and diversity of `images` (image i drawn for `prompts[i]`), per
    /// category and overall; images of the same prompt text form one diversity group.
    public static func evaluate(images: [Image], prompts: [String]) throws -> GoldReport {
        guard images.count == prompts.count else {
            throw RewardError.countMismatch(reward: "gold", images: images.count, prompts: prompts.count)
        }
        let captions = try parseCaptions(prompts, reward: "gold")
        // One detection per image serves the judge, the re-render and the object count.
        let verdicts = mapDetections(images, captions) { image, caption, objects in
            let j = Judge.judge(caption, objects: objects)
            return (strict: j.strict, partial: j.partial, quality: quality(image, objects: objects),
                    kinds: Set(j.failures.map(\.kind)), objects: objects.count)
        }
        var byPrompt: [String: [Int]] = [:]
        for (i, p) in prompts.enumerated() { byPrompt[p, default: []].append(i) }
        func summarize(_ indices: [Int]) -> GoldScores {
            let n = Double(max(indices.count, 1))
            let members = Set(indices)
            let groups = byPrompt.values.filter { members.contains($0[0]) }
            let diversities = groups.compactMap { group in diversity(group.map { images[$0] }) }
            let solved = groups.filter { group in group.contains { verdicts[$0].strict } }.count
            return GoldScores(images: indices.count,
                              strictAccuracy: Double(indices.filter { verdicts[$0].strict }.count) / n,
                              partial: indices.reduce(0.0) { $0 + Double(verdicts[$1].partial) } / n,
                              quality: indices.reduce(0.0) { $0 + Double(verdicts[$1].quality) } / n,
                              diversity: diversities.isEmpty ? nil : diversities.reduce(0.0) { $0 + Double($1) } / Double(diversities.count),
                              diversityPrompts: diversities.count,
                              failures: Dictionary(uniqueKeysWithValues: JudgeFailure.Kind.allCases.map { kind in
                                  (kind.rawValue, indices.filter { verdicts[$0].kinds.contains(kind) }.count)
                              }),
                              objects: Double(indices.reduce(0) { $0 + verdicts[$1].objects }) / n,
                              passAtK: Double(solved) / Double(max(groups.count, 1)))
        }
        var categories: [String: GoldScores] = [:]
        for category in CaptionCategory.allCases {
            let indices = captions.indices.filter { captions[$0].category == category }
            if !indices.isEmpty { categories[category.rawValue] = summarize(indices) }
        }
        return GoldReport(categories: categories, overall: summarize(Array(images.indices)))
    }
}

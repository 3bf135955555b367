import Imaging
import Shapes
import Tensor

/// One labelled image for the reward model: the label is the judge's partial credit.
public struct RewardExample: Sendable {
    public var image: Image
    public var caption: Caption
    public var label: Float

    public init(image: Image, caption: Caption, label: Float) {
        self.image = image
        self.caption = caption
        self.label = label
    }

    /// `image` labelled by the judge for `caption`.
    public init(judging image: Image, caption: Caption) {
        self.init(image: image, caption: caption, label: Judge.judge(caption, image).partial)
    }
}

/// Synthetic training data for the reward model: renders that are right, partly right and
/// wrong for their caption, degraded the way a generative model degrades images, each labelled
/// by the judge.
///
/// Recipe per example: a caption from the pool; a scene that is correct for it (30 %), made for
/// another caption (15 %), or correct with one or two edits (55 %: an object removed, recoloured,
/// given another shape, moved, two objects' places swapped, or a random object added); then with
/// probability 40 % one or two pixel degradations (blur σ 0.3–1.5 px, noise std 0.02–0.15,
/// a 3–12 px rectangle erased, 1–4 palette-coloured specks). The mix puts about a third of the
/// labels at 1 and spreads the rest over the judge's partial-credit levels (0, ¼, ⅓, ½, ⅔, ¾).
public enum RewardModelData {
    /// Example `index` of the stream for `seed`: a pure function of (seed, index, captions), so
    /// a training run does not depend on how generation is split over threads.
    public static func example(index: Int, seed: UInt64, captions: [Caption]) -> RewardExample {
        var rng = RNG(seed: RNG.derive(seed, index))
        let (image, caption) = render(captions: captions, rng: &rng)
        return RewardExample(judging: image, caption: caption)
    }

    /// An image of the recipe and the caption it was made for.
    static func render(captions: [Caption], rng: inout RNG) -> (Image, Caption) {
        let caption = captions[rng.int(below: captions.count)]
        var scene: Scene
        let r = rng.uniform()
        if r < 0.30 {
            scene = SceneSampler.sample(for: caption, rng: &rng)
        } else if r < 0.45 {
            scene = SceneSampler.sample(for: captions[rng.int(below: captions.count)], rng: &rng)
        } else {
            scene = SceneSampler.sample(for: caption, rng: &rng)
            edit(&scene, rng: &rng)
            if rng.uniform() < 0.3 { edit(&scene, rng: &rng) }
        }
        var image = Renderer.render(scene)
        if rng.uniform() < 0.4 {
            degrade(&image, rng: &rng)
            if rng.uniform() < 0.25 { degrade(&image, rng: &rng) }
        }
        return (image, caption)
    }

    /// Examples `start ..< start + count` of the stream, generated in parallel.
    public static func examples(seed: UInt64, captions: [Caption], start: Int = 0, count: Int) -> [RewardExample] {
        precondition(!captions.isEmpty, "reward-model data needs at least one caption")
        var out = [RewardExample?](repeating: nil, count: count)
        out.withUnsafeMutableBufferPointer { buf in
            let slots = UncheckedSendable(buf)
            Parallel.forRanges(count) { range in
                for i in range { slots.value[i] = example(index: start + i, seed: seed, captions: captions) }
            }
        }
        return out.map { $0! }
    }

    /// One scene edit that may break the caption: remove, recolour, reshape, move, swap or add.
    static func edit(_ scene: inout Scene, rng: inout RNG) {
        let n = scene.objects.count
        switch rng.int(below: 6) {
        case 0 where n > 0:
            scene.objects.remove(at: rng.int(below: n))
        case 1 where n > 0:
            let i = rng.int(below: n)
            scene.objects[i].color = other(scene.objects[i].color, rng: &rng)
        case 2 where n > 0:
            let i = rng.int(below: n)
            scene.objects[i].shape = other(scene.objects[i].shape, rng: &rng)
        case 3 where n > 0:
            let i = rng.int(below: n)
            scene.objects[i].center = randomCenter(size: scene.objects[i].size, rng: &rng)
        case 4 where n > 1:
            let i = rng.int(below: n), j = (i + 1 + rng.int(below: n - 1)) % n
            (scene.objects[i].center, scene.objects[j].center) = (scene.objects[j].center, scene.objects[i].center)
        default:
            let size = SceneSampler.minSize + rng.uniform() * 3
            scene.objects.append(SceneObject(shape: Shape.allCases[rng.int(below: 3)],
                                             color: ObjectColor.allCases[rng.int(below: ObjectColor.allCases.count)],
                                             center: randomCenter(size: size, rng: &rng), size: size))
        }
    }

    /// One pixel degradation: blur, noise, an erased rectangle or specks.
    static func degrade(_ image: inout Image, rng: inout RNG) {
        switch rng.int(below: 4) {
        case 0: image = Perturbations.blur(image, sigma: 0.3 + 1.2 * rng.uniform())
        case 1: image = Perturbations.noise(image, std: 0.02 + 0.13 * rng.uniform(), rng: &rng)
        case 2: image = Perturbations.erase(image, rng: &rng)
        default: image = Perturbations.speckles(image, count: 1 + rng.int(below: 4), rng: &rng)
        }
    }

    static func randomCenter(size: Float, rng: inout RNG) -> SIMD2<Float> {
        let lo = size + SceneSampler.margin, span = max(Float(Scene.width) - 2 * lo, 0)
        return SIMD2(lo + span * rng.uniform(), lo + span * rng.uniform())
    }

    static func other<T: CaseIterable & Equatable>(_ value: T, rng: inout RNG) -> T {
        let rest = T.allCases.filter { $0 != value }
        return rest[rng.int(below: rest.count)]
    }
}

import ArgumentParser
import Foundation
import Imaging
import Rewards
import Shapes
import Tensor

/// `flowrl score`: one reward value per PNG for one prompt, as text or JSON.
///
/// Images must be 32×32: a PNG of another size is rejected (not resized), because a reward of a
/// resampled image would not be the reward of any image the model can draw.
struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score PNG images against a prompt with a reward (one line per image).",
        discussion: """
        Reward specs: geneval, geneval_strict, relation, extras, compress, incompress, aesthetic, learned:DIR, external:CMD, and weighted \
        sums such as geneval:1,compress:0.2 or geneval:1,learned@0.5:models/reward (external must be the \
        last term: its command runs to the end of the spec).
        """)

    @Option(help: "Reward spec (see below).") var reward: String = "geneval"
    @Option(help: "The caption the images were drawn for.") var prompt: String
    @Argument(help: "32×32 PNG files.") var images: [String]
    @Flag(help: "Print JSON with every reward component instead of one line per image.") var json = false
    @Flag(help: "After each image's line, the judge's verdict on the caption: what it detected and every part that failed.")
    var explain = false
    @Option(help: "Seconds an external reward process may stay silent before it is an error.") var timeout: Double = 60
    @OptionGroup var threading: ThreadOptions

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("give at least one PNG file to score") }
        guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be a positive number of seconds") }
    }

    func run() throws {
        Parallel.configure(threads: threading.threads)
        let caption = try Caption.parse(prompt)
        let loaded = try images.map { path -> Image in
            let image = try PNG.read(path: path).image
            guard image.width == Scene.width, image.height == Scene.height else {
                throw ValidationError("\(path) is \(image.width)×\(image.height); flowrl scores \(Scene.width)×\(Scene.height) images (resize it first)")
            }
            return image
        }
        let scorer = try RewardRegistry.make(reward, options: RewardOptions(externalTimeout: timeout))
        let scores = try scorer.score(images: loaded, prompts: [String](repeating: prompt, count: loaded.count))
        if json {
            let rows = images.indices.map { i in
                ScoreLine(file: images[i], reward: scores.total[i], components: scores.components.mapValues { $0[i] })
            }
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try enc.encode(ScoreReport(reward: scorer.name, prompt: prompt, images: rows)), as: UTF8.self))
        } else {
            for (i, (path, value)) in zip(images, scores.total).enumerated() {
                print(String(format: "%.4f", value) + "  " + path)
                guard explain else { continue }
                let verdict = Judge.judge(caption, loaded[i])
                let seen = verdict.objects.map { "\($0.color.rawValue) \($0.shape.rawValue) at (\(Int($0.centroid.x)), \(Int($0.centroid.y)))" }
                print("    detected: " + (seen.isEmpty ? "nothing" : seen.joined(separator: ", ")))
                print("    judge: " + (verdict.strict ? "correct" : verdict.failures.map { "\($0.kind.rawValue): \($0.message)" }.joined(separator: "; ")))
            }
        }
    }
}

/// The JSON output of `flowrl score --json`.
private struct ScoreReport: Encodable {
    let reward: String
    let prompt: String
    let images: [ScoreLine]
}

private struct ScoreLine: Encodable {
    let file: String
    let reward: Float
    let components: [String: Float]
}

import ArgumentParser
import Foundation
import Model
import RL
import Rewards
import Shapes
import Tensor

/// `flowrl eval`: the gold metrics of a checkpoint on held-out prompts (strict accuracy, partial
/// credit, quality, diversity), overall and per category.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Judge K fixed-seed images per held-out prompt: strict accuracy, partial credit, quality and diversity per category.")

    @Option(help: "Prompt file, one caption per line.") var prompts: String = "prompts/test.txt"
    @Option(parsing: .unconditional, help: "Images per prompt (fixed seeds).") var seeds: Int = 4
    @Option(parsing: .unconditional, help: "Euler steps.") var steps: Int = 20
    @Option(parsing: .unconditional, help: "Classifier-free guidance scale (1 = off).") var cfg: Float = 3
    @Option(parsing: .unconditional, help: "Seed from which the per-image seeds derive.") var seed: UInt64 = 20_261_130
    @Flag(help: "Print JSON instead of a table.") var json = false
    @OptionGroup var checkpoint: CheckpointOptions
    @OptionGroup var threading: ThreadOptions

    func validate() throws {
        guard seeds >= 1 else { throw ValidationError("--seeds must be at least 1, got \(seeds)") }
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
        guard cfg >= 0 else { throw ValidationError("--cfg must not be negative") }
    }

    func run() throws {
        Parallel.configure(threads: threading.threads)
        let list = try readPrompts(prompts)
        for p in list { _ = try Caption.parse(p) }
        let (config, params) = try checkpoint.load()
        var options = EvalOptions()
        options.seedsPerPrompt = seeds
        options.sampler = ODESamplerOptions(steps: steps, shift: 1, cfgScale: cfg)
        options.seed = seed
        let net = VelocityNetwork(config: config, maxBatch: 64)
        let start = Date()
        let result = try Evaluator.evaluate(network: net, params: params, prompts: list, options: options)
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try enc.encode(result.report), as: UTF8.self))
            return
        }
        print("checkpoint \(checkpoint.resolvedDirectory), \(list.count) prompts × \(seeds) seeds, \(steps) Euler steps, cfg \(cfg)")
        func row(_ name: String, _ s: GoldScores) -> String {
            name.padding(toLength: 12, withPad: " ", startingAt: 0)
                + String(format: " %7d %8.1f%% %7.1f%% %8.3f %8.3f", s.images, s.strictAccuracy * 100,
                         (s.passAtK ?? 0) * 100, s.partial, s.quality)
                + " " + (s.diversity.map { String(format: "%9.3f", $0) } ?? "        -")
                + String(format: " %7.2f", s.objects ?? 0)
                + JudgeFailure.Kind.allCases.map { String(format: " %8.1f%%", s.failureRate($0) * 100) }.joined()
        }
        // "pass@K" is the share of prompts with at least one strictly passing image among their K
        // seeds: what a policy that always drew its best sample would score.
        // "objects" is the mean number the detector found per image (extra blobs show there); the
        // last four columns say why images fail: the share of images with a named object
        // absent, present only in another colour, a wrong exact count, or a pair in the wrong place.
        let pass = "pass@\(seeds)"
        print("category      images    strict " + String(repeating: " ", count: max(0, 8 - pass.count)) + pass + "  partial  quality  diversity objects  missing     color     count  relation")
        for cat in CaptionCategory.allCases {
            if let s = result.report.categories[cat.rawValue] { print(row(cat.rawValue, s)) }
        }
        print(row("overall", result.report.overall))
        print(String(format: "(%.1f s)", Date().timeIntervalSince(start)))
    }
}

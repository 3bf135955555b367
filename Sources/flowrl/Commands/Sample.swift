import ArgumentParser
import Foundation
import Imaging
import Model
import NN
import RL
import Shapes
import Tensor

/// `flowrl sample`: images for one or more prompts from a checkpoint, as a labelled PNG grid.
struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate images for prompts and write them as a labelled PNG grid.")

    @Option(help: "The caption to draw (see prompts/ for the grammar).") var prompt: String?
    @Option(help: "A file of prompts, one per line: one grid row each.") var prompts: String?
    @Option(name: .customLong("n"), parsing: .unconditional, help: "Images per prompt.") var count: Int = 8
    @Option(parsing: .unconditional, help: "Seed of the first image; image i uses seed + i.") var seed: UInt64 = 0
    @Option(parsing: .unconditional, help: "Euler (or SDE) steps.") var steps: Int = 40
    @Option(parsing: .unconditional, help: "Classifier-free guidance scale (1 = off).") var cfg: Float = 3
    @Option(parsing: .unconditional, help: "Time shift of the schedule.") var shift: Float = 1
    @Flag(help: "Use Flow-GRPO's SDE sampler instead of the Euler ODE.") var sde = false
    @Option(name: .customLong("noise-level"), parsing: .unconditional, help: "SDE noise level a (with --sde).") var noiseLevel: Float = 0.7
    @Option(help: "Output PNG.") var out: String = "outputs/samples.png"
    @Option(parsing: .unconditional, help: "Upscaling factor of each 32×32 cell.") var upscale: Int = 4
    @OptionGroup var checkpoint: CheckpointOptions
    @OptionGroup var threading: ThreadOptions

    func validate() throws {
        guard (prompt == nil) != (prompts == nil) else { throw ValidationError("give exactly one of --prompt or --prompts") }
        guard count >= 1 else { throw ValidationError("--n must be at least 1, got \(count)") }
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
        guard cfg >= 0, shift > 0 else { throw ValidationError("--cfg must be ≥ 0 and --shift > 0") }
        guard (1...32).contains(upscale) else { throw ValidationError("--upscale must be between 1 and 32") }
        guard out.lowercased().hasSuffix(".png") else { throw ValidationError("--out must name a .png file, got \(out)") }
    }

    func run() throws {
        Parallel.configure(threads: threading.threads)
        let list = try prompt.map { [$0] } ?? readPrompts(prompts!)
        for p in list { _ = try Caption.parse(p) }
        let (config, params) = try checkpoint.load()
        let seeds = (0..<count).map { seed + UInt64($0) }
        let batch = min(list.count * count, 64)
        let net = VelocityNetwork(config: config, maxBatch: batch)
        let images: [[Float]]
        if sde {
            images = try SDESampler.sampleImages(network: net, params: params, prompts: list, seeds: seeds,
                                                 options: RolloutOptions(steps: steps, shift: shift, noiseLevel: noiseLevel, cfgScale: cfg))
        } else {
            images = try SampleGrid.generate(network: net, params: params, prompts: list, seeds: seeds,
                                             options: ODESamplerOptions(steps: steps, shift: shift, cfgScale: cfg))
        }
        let title = "\(checkpoint.resolvedDirectory)  \(sde ? "SDE" : "ODE") \(steps) steps  cfg \(cfg)  seeds \(seed)-\(seed + UInt64(count) - 1)"
        let grid = SampleGrid.render(images: images, prompts: list, seeds: seeds, side: config.imageSize,
                                     upscale: upscale, title: title)
        let dir = (out as NSString).deletingLastPathComponent
        if !dir.isEmpty { try AtomicFiles.makeDirectory(dir) }
        try PNG.write(grid, to: out, text: [("prompt", list.joined(separator: "; ")), ("seed", String(seed)),
                                            ("steps", String(steps)), ("cfg", String(cfg)),
                                            ("sampler", sde ? "sde" : "ode"),
                                            ("checkpoint", checkpoint.resolvedDirectory)])
        print("wrote \(out) (\(list.count) prompt\(list.count == 1 ? "" : "s") × \(count) images)")
    }
}

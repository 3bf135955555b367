import Imaging
import NN
import Tensor

/// Generates images for prompts with fixed seeds and lays them out as a labelled grid: one row per
/// prompt, one column per seed. Sample i of prompt p uses noise from RNG(seeds[i]) whatever the
/// prompt, so grids of different checkpoints line up cell by cell.
public enum SampleGrid {
    /// Images (prompts × seeds, row-major) in [−1, 1] as (H, W, 3) floats.
    public static func generate(network: VelocityNetwork, params: Parameters, prompts: [String], seeds: [UInt64],
                                options: ODESamplerOptions) throws -> [[Float]] {
        let c = network.config, D = c.imageElements
        let tokenizer = Tokenizer(maxTokens: c.maxTextTokens)
        var tokens: [Int32] = []
        var noise: [Float] = []
        var one = [Float](repeating: 0, count: D)
        for p in prompts {
            let ids = try tokenizer.encode(p)
            for s in seeds {
                tokens += ids
                var rng = RNG(seed: s)
                rng.fillNormal(&one)
                noise += one
            }
        }
        let n = prompts.count * seeds.count
        let out = ODESampler.sample(network: network, params: params, tokens: tokens, noise: noise, batch: n, options: options)
        return (0..<n).map { Array(out[($0 * D)..<(($0 + 1) * D)]) }
    }

    /// The grid image for `images` (prompts × seeds floats), each cell upscaled by `upscale`.
    public static func render(images: [[Float]], prompts: [String], seeds: [UInt64], side: Int,
                              upscale: Int = 4, title: String? = nil) -> Image {
        let rows = prompts.indices.map { p in
            seeds.indices.map { s in
                Image(floats: images[p * seeds.count + s], width: side, height: side).upscaled(by: upscale)
            }
        }
        return Grid.render(rows, rowLabels: prompts, title: title, style: GridStyle(maxLabelWidth: 160))
    }
}

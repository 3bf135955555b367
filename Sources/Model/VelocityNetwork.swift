import NN
import Tensor

/// The velocity network v_θ(x_σ, σ, caption): a small DiT with caption tokens joined to the image
/// tokens in every attention block (DESIGN.md §4).
///
/// Architecture, for a batch of B samples:
/// - caption ids (B, L) → token embedding + learned positions → L text tokens;
/// - x (B, 32, 32, 3) → 4×4 patches → linear → + image positions (initialised from the fixed
///   2-D sin-cos table: with small random positions a prototype ignored position and drew
///   scattered patches) → 64 image tokens;
/// - σ → sinusoidal features → Linear → SiLU → Linear = c; SiLU(c) feeds an adaLN-Zero linear in
///   every block (shift, scale, gate for attention and for the MLP);
/// - depth × [LN → modulate → joint attention (padding keys masked) → gated residual;
///   LN → modulate → MLP → gated residual];
/// - image tokens → LN → modulate → linear → unpatchify = v (B, 32, 32, 3).
///
/// The network owns its activation memory for up to `maxBatch` samples; weights live in a
/// `Parameters` value passed in, so the policy, the frozen reference and the EMA copy can share one
/// network. Backward accumulates into `params.grads`.
///
/// Samples are independent until the parameter gradients are summed, so a batch is split into
/// one shard per worker thread (`Parallel.workers`, fixed at init), each running the whole network
/// on its rows with single-threaded OpenBLAS and its own activations; shard gradients are summed
/// at the end. On 2 cores this beat multi-threaded OpenBLAS on the whole batch, whose threads
/// synchronise at every product and leave all elementwise work on one core. Summation order of
/// the gradients (not the forward values) depends on the worker count.
public final class VelocityNetwork {
    public let config: ModelConfig
    public let maxBatch: Int
    let layout: ParameterLayout
    /// One set of activations per worker thread, each for up to `shardCapacity` samples.
    let shards: [Activations]
    let shardCapacity: Int
    /// Gradient buffers of shards 1…; shard 0 accumulates straight into `params.grads`.
    let shardGrads: Arena
    let shardGradPointers: [UnsafeMutablePointer<Float>]
    let parameterCount: Int
    /// (B, H, W, 3) velocity of the last forward.
    let outputBuffer: UnsafeMutablePointer<Float>
    private let outputArena = Arena()
    /// The region object of `forEachShard`, made once.
    private var shardTask: ShardTask!

    /// Names and shapes of every parameter, in safetensors order.
    public static func parameterSpecs(_ config: ModelConfig) -> [(name: String, shape: [Int])] {
        ParameterLayout.specs(config)
    }

    /// Freshly initialised weights: Xavier-uniform linears, zero biases, zero adaLN and final layer
    /// (adaLN-Zero: every block starts as the identity and the output as zero velocity),
    /// N(0, 0.02) token embeddings and text positions, sin-cos image positions.
    public static func initialParameters(_ c: ModelConfig, rng: inout RNG) -> Parameters {
        var p = Parameters(parameterSpecs(c))
        func xavier(_ name: String) {
            let info = p[name]
            let (fanOut, fanIn) = (info.shape[0], info.shape[1])
            let bound = (6.0 / Float(fanIn + fanOut)).squareRoot()
            for i in 0..<info.count { p.values[info.offset + i] = (2 * rng.uniform() - 1) * bound }
        }
        func normal(_ name: String, std: Float) {
            let info = p[name]
            for i in 0..<info.count { p.values[info.offset + i] = rng.normal() * std }
        }
        normal("text_embed.weight", std: 0.02)
        normal("text_pos", std: 0.02)
        xavier("patch_embed.weight")
        p.set("image_pos", Tensor(shape: [c.imageTokens, c.width],
                                  data: PositionEmbedding.sinCos2D(C: c.width, gh: c.gridSide, gw: c.gridSide)))
        normal("time_embed.0.weight", std: 0.02)
        normal("time_embed.2.weight", std: 0.02)
        for i in 0..<c.depth {
            xavier("blocks.\(i).attn.qkv.weight")
            xavier("blocks.\(i).attn.proj.weight")
            xavier("blocks.\(i).mlp.fc1.weight")
            xavier("blocks.\(i).mlp.fc2.weight")
        }
        return p
    }

    public init(config: ModelConfig, maxBatch: Int) {
        precondition(config.problem == nil, config.problem ?? "")
        self.config = config
        self.maxBatch = maxBatch
        let specs = ParameterLayout.specs(config)
        let template = Parameters(specs)
        self.layout = ParameterLayout(config, template)
        self.parameterCount = template.count
        let workers = max(1, min(Parallel.workers, maxBatch))
        self.shardCapacity = (maxBatch + workers - 1) / workers
        self.shards = (0..<workers).map { _ in Activations(config: config, maxBatch: (maxBatch + workers - 1) / workers) }
        self.shardGrads = Arena()
        self.shardGradPointers = (1..<max(1, workers)).map { [shardGrads] _ in shardGrads.take(template.count) }
        self.outputBuffer = outputArena.take(maxBatch * config.imageElements)
        self.shardTask = ShardTask(network: self)
    }

    /// The rows of a batch of B samples that shard s handles.
    func shardRange(_ s: Int, batch B: Int) -> Range<Int> {
        let w = shards.count
        return (B * s / w)..<(B * (s + 1) / w)
    }

    /// Runs `pass` on every shard's rows, concurrently when there are several shards. The pass is
    /// handed to a task object the network keeps, so a forward or backward allocates nothing (a
    /// closure region would cost a small box per call, i.e. per denoising step of a rollout).
    func forEachShard(_ pass: ShardPass) {
        if shards.count == 1 { run(pass, shard: 0, rows: 0..<pass.batch); return }
        shardTask.pass = pass
        Parallel.forRanges(shards.count, task: shardTask)
        shardTask.pass = nil
    }

    /// One shard's part of a pass: the rows `rows` of the batch, on shard `s`'s activations.
    func run(_ pass: ShardPass, shard s: Int, rows: Range<Int>) {
        let D = config.imageElements, L = config.maxTextTokens
        switch pass {
        case let .forward(p, x, sigma, tokens, _):
            guard !rows.isEmpty else { return }
            forward(p, x: x + rows.lowerBound * D, sigma: sigma + rows.lowerBound,
                    tokens: tokens + rows.lowerBound * L, B: rows.count, acts: shards[s],
                    out: outputBuffer + rows.lowerBound * D)
        case let .backward(p, g, dout, _):
            let grads = s == 0 ? g : shardGradPointers[s - 1]
            if s > 0 { zero(grads, parameterCount) }
            guard !rows.isEmpty else { return }
            backward(p, grads, dout: dout + rows.lowerBound * D, B: rows.count, acts: shards[s])
        }
    }

    /// Floats of activation memory the network holds.
    public var activationFloats: Int { shards.reduce(0) { $0 + $1.arena.allocated } }

    /// The velocity written by the last `forward`: (B, H, W, 3).
    public var output: UnsafePointer<Float> { UnsafePointer(outputBuffer) }

    /// x (B, H, W, 3), sigma (B), tokens (B, L) → velocity (B, H, W, 3) in `output`.
    public func forward(_ params: Parameters, x: UnsafePointer<Float>, sigma: UnsafePointer<Float>,
                        tokens: UnsafePointer<Int32>, batch B: Int) {
        precondition(B <= maxBatch, "batch \(B) exceeds the network's planned \(maxBatch)")
        params.values.withUnsafeBufferPointer { P in
            forEachShard(.forward(params: P.baseAddress!, x: x, sigma: sigma, tokens: tokens, batch: B))
        }
    }

    /// Backward of the last `forward` (same batch): dout (B, H, W, 3) → params.grads +=.
    public func backward(_ params: inout Parameters, dout: UnsafePointer<Float>, batch B: Int) {
        precondition(B <= maxBatch)
        let values = params.values, n = parameterCount
        values.withUnsafeBufferPointer { P in
            params.grads.withUnsafeMutableBufferPointer { G in
                let g = G.baseAddress!
                forEachShard(.backward(params: P.baseAddress!, grads: g, dout: dout, batch: B))
                for s in shardGradPointers { for j in 0..<n { g[j] += s[j] } }
            }
        }
    }
}

/// One pass of the network over a batch, with the pointers it reads and writes: what a shard
/// needs to run its rows.
enum ShardPass {
    case forward(params: UnsafePointer<Float>, x: UnsafePointer<Float>, sigma: UnsafePointer<Float>,
                 tokens: UnsafePointer<Int32>, batch: Int)
    case backward(params: UnsafePointer<Float>, grads: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                  batch: Int)

    var batch: Int {
        switch self {
        case let .forward(_, _, _, _, b), let .backward(_, _, _, b): b
        }
    }
}

/// The network's shard region: runs the stored pass on shards `range`.
final class ShardTask: ParallelTask {
    unowned let network: VelocityNetwork
    var pass: ShardPass?
    init(network: VelocityNetwork) { self.network = network }

    func run(_ range: Range<Int>) {
        guard let pass else { return }
        for s in range { network.run(pass, shard: s, rows: network.shardRange(s, batch: pass.batch)) }
    }
}

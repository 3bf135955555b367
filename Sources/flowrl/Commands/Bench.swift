import ArgumentParser
import Foundation
import Model
import RL
import Tensor

/// `flowrl bench`: the machine's sgemm throughput (the reference every performance claim is a
/// ratio of), measured in the same process as the network and GRPO-iteration benchmarks.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure sgemm GFLOPS, the network's throughput and one default GRPO iteration.",
        discussion: """
        Run with OPENBLAS_NUM_THREADS set to --threads. Hidden helper modes for the PyTorch \
        comparison (bench/torch_reference.py): --write-model DIR saves a freshly initialised default \
        model; --velocity-check IN --checkpoint DIR --out OUT writes the velocity of the inputs in IN.
        """)

    @Option(help: "Threads: OpenBLAS threads and network shards.")
    var threads: Int = 2

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    @Option(help: "Batch size of the network benchmark.")
    var batch: Int = 64

    @Option(help: "Seconds each sgemm measurement runs at least.")
    var seconds: Double = 0.2

    @Option(help: "Reward of the GRPO iteration benchmark (a built-in reward spec).")
    var reward: String = "geneval"

    @Option(help: "GRPO iterations to run; the last is reported.")
    var iterations: Int = 1

    @Option(help: "Override TrainConfig's denoising steps in the iteration benchmark.") var steps: Int?
    @Option(help: "Override TrainConfig's group size (samples per prompt).") var groupSize: Int?
    @Option(help: "Override TrainConfig's trajectories per mini-batch.") var miniBatch: Int?

    @Flag(help: "Skip sgemm at the model's shapes.") var skipShapes = false
    @Flag(help: "Skip the network forward/backward benchmark.") var skipNetwork = false
    @Flag(help: "Skip the GRPO iteration benchmark.") var skipIteration = false

    @Flag(help: "Instead: count allocations of rollout and update at T and 2T steps (see bench/alloc_check.sh).")
    var allocCheck = false

    @Option(help: ArgumentHelp("Instead: write a freshly initialised default model to this directory.", visibility: .hidden))
    var writeModel: String?
    @Option(help: ArgumentHelp("Instead: velocity of the x/sigma/tokens in this safetensors file.", visibility: .hidden))
    var velocityCheck: String?
    @Option(help: ArgumentHelp("Model directory for --velocity-check.", visibility: .hidden))
    var checkpoint: String = "models/base"
    @Option(help: ArgumentHelp("Output safetensors of --velocity-check.", visibility: .hidden))
    var out: String = "velocity.safetensors"

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1, got \(batch)") }
        guard iterations >= 1 else { throw ValidationError("--iterations must be at least 1, got \(iterations)") }
        var cfg = TrainConfig()
        if let steps { cfg.steps = steps }
        if let groupSize { cfg.groupSize = groupSize }
        if let miniBatch { cfg.miniBatch = miniBatch }
        if let problem = cfg.problem { throw ValidationError(problem) }
    }

    func run() throws {
        if let dir = writeModel { return try BenchHelpers.writeModel(dir) }
        if let input = velocityCheck { return try VelocityCheck.run(input: input, checkpoint: checkpoint, output: out) }
        Parallel.configure(threads: threads)
        if allocCheck { return try BenchHelpers.allocationCheck(threads: threads, json: json) }
        var report = BenchReport(threads: threads)
        let threadCounts = threads == 1 ? [1] : [1, threads]
        for t in threadCounts {
            for size in [256, 512, 1024] {
                let r = SgemmBenchmark.measure(m: size, n: size, k: size, threads: t, minSeconds: seconds)
                report.sgemm.append(r)
                say(String(format: "sgemm %4d×%4d×%4d  threads %d  %7.1f GFLOPS", size, size, size, t, r.gflops))
            }
        }
        Parallel.configure(threads: threads)
        report.sgemmPeak = report.sgemm.filter { $0.threads == threads }.map(\.gflops).max() ?? 0
        let model = ModelConfig()
        // The iteration runs before the network benchmark: glibc keeps memory freed by an earlier
        // phase in its heap, which would hide part of the iteration's own peak.
        if !skipIteration {
            var cfg = TrainConfig()
            if let steps { cfg.steps = steps }
            if let groupSize { cfg.groupSize = groupSize }
            if let miniBatch { cfg.miniBatch = miniBatch }
            cfg.reward = reward
            cfg.threads = threads
            let it = try IterationBenchmark.measure(config: cfg, model: model, iterations: iterations)
            report.iteration = it
            say(String(format: "GRPO iteration (TrainConfig: %d samples × %d steps, %d updates of %d rows, reward %@):",
                       it.samples, it.steps, it.updates, it.rowsPerMiniBatch, it.reward))
            say(String(format: "  rollout %6.2f s   reward %6.2f s   update %6.2f s   total %6.2f s   (%.1f CPU s)",
                       it.rolloutSeconds, it.rewardSeconds, it.updateSeconds, it.totalSeconds, it.cpuSeconds))
            say("  peak resident during the iteration: \(mib(it.peakResidentBytes))"
                + " (formula: \(mib(it.predictedBytes)) + process baseline \(mib(it.baselineResidentBytes)))")
        }
        if !skipShapes {
            say("sgemm at the model's shapes (batch \(batch) over \(Parallel.workers) shards, 1 OpenBLAS thread per shard):")
            for shape in NetworkBenchmark.modelShapes(config: model, batch: batch, shards: Parallel.workers) {
                let r = NetworkBenchmark.measure(shape: shape, workers: Parallel.workers, minSeconds: seconds / 2)
                report.shapes.append(r)
                say(String(format: "  %@ %5d×%4d×%4d  1 thread %6.1f  %d concurrent %6.1f GFLOPS",
                           shape.name.padding(toLength: 26, withPad: " ", startingAt: 0), shape.m, shape.n, shape.k,
                           r.singleThreadGFLOPS, r.workers, r.concurrentGFLOPS))
            }
        }
        if !skipNetwork {
            let net = NetworkBenchmark.measure(config: model, batch: batch)
            report.network = net
            report.forwardBackwardOverPeak = report.sgemmPeak > 0 ? net.forwardBackwardGFLOPS / report.sgemmPeak : 0
            say(String(format: "network (default config) batch %d, %d threads:", batch, threads))
            say(String(format: "  forward           %8.1f ms  %6.1f GFLOPS  %6.1f images/s",
                       net.forwardSeconds * 1000, net.forwardGFLOPS, net.forwardImagesPerSecond))
            say(String(format: "  forward+backward  %8.1f ms  %6.1f GFLOPS  %6.1f images/s",
                       net.forwardBackwardSeconds * 1000, net.forwardBackwardGFLOPS, net.imagesPerSecond))
            say(String(format: "  achieved / sgemm peak (%.1f GFLOPS): %.0f%%", report.sgemmPeak,
                       report.forwardBackwardOverPeak! * 100))
        }
        report.maxResidentBytes = ProcessMemory.maxResidentBytes
        say("peak resident memory of the run (ru_maxrss): \(mib(report.maxResidentBytes))")
        if json { print(try report.encoded()) }
    }

    private func say(_ line: String) { if !json { print(line) } }
}

/// Everything one `flowrl bench` run measured, as printed by `--json` (snake_case keys).
struct BenchReport: Encodable {
    var threads: Int
    var sgemm: [SgemmBenchmark.Result] = []
    var sgemmPeak = 0.0
    var shapes: [NetworkBenchmark.ShapeResult] = []
    var network: NetworkBenchmark.Result?
    var forwardBackwardOverPeak: Double?
    var iteration: IterationBenchmark.Result?
    var maxResidentBytes = 0

    enum CodingKeys: String, CodingKey {
        case threads, sgemm, sgemmPeak = "sgemm_peak_gflops", shapes = "sgemm_model_shapes", network
        case forwardBackwardOverPeak = "forward_backward_over_peak", iteration = "grpo_iteration"
        case maxResidentBytes = "max_resident_bytes"
    }

    func encoded() throws -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        return String(decoding: try enc.encode(self), as: UTF8.self)
    }
}

func mib(_ bytes: Int?) -> String {
    guard let bytes else { return "n/a" }
    return String(format: "%.0f MiB", Double(bytes) / 1_048_576)
}

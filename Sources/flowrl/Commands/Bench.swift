import ArgumentParser
import Foundation
import Model
import Tensor

/// `flowrl bench`: the machine's sgemm throughput (the reference every performance claim is a
/// ratio of), measured in the same process as the network benchmarks.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure sgemm GFLOPS (1 and N threads) and the network's throughput.")

    @Option(help: "Largest thread count to measure (OpenBLAS threads).")
    var threads: Int = 2

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    @Option(help: "Batch size of the network benchmark.")
    var batch: Int = 64

    @Option(help: "Seconds each measurement runs at least.")
    var seconds: Double = 0.2

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1, got \(batch)") }
    }

    func run() throws {
        var results: [SgemmBenchmark.Result] = []
        let threadCounts = threads == 1 ? [1] : [1, threads]
        for t in threadCounts {
            for size in [256, 512, 1024] {
                let r = SgemmBenchmark.measure(m: size, n: size, k: size, threads: t, minSeconds: seconds)
                results.append(r)
                if !json {
                    print(String(format: "sgemm %4d×%4d×%4d  threads %d  %7.1f GFLOPS", size, size, size, t, r.gflops))
                }
            }
        }
        Parallel.configure(threads: threads)
        let peak = results.filter { $0.threads == threads }.map(\.gflops).max() ?? 0
        let net = NetworkBenchmark.measure(config: ModelConfig(), batch: batch)
        let ratio = peak > 0 ? net.forwardBackwardGFLOPS / peak : 0
        if json {
            struct Report: Encodable {
                let sgemm: [SgemmBenchmark.Result]
                let network: NetworkBenchmark.Result
                let sgemm_peak_gflops: Double
                let forward_backward_over_peak: Double
                let threads: Int
            }
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys]
            let data = try enc.encode(Report(sgemm: results, network: net, sgemm_peak_gflops: peak,
                                             forward_backward_over_peak: ratio, threads: threads))
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(String(format: "network (default config) batch %d, %d threads:", batch, threads))
            print(String(format: "  forward           %8.1f ms  %6.1f GFLOPS", net.forwardSeconds * 1000, net.forwardGFLOPS))
            print(String(format: "  forward+backward  %8.1f ms  %6.1f GFLOPS  %6.1f images/s",
                         net.forwardBackwardSeconds * 1000, net.forwardBackwardGFLOPS, net.imagesPerSecond))
            print(String(format: "  achieved / sgemm peak (%.1f GFLOPS): %.0f%%", peak, ratio * 100))
        }
    }
}

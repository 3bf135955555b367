import ArgumentParser
import Foundation
import Model
import NN
import RL
import Tensor

/// The non-timing modes of `flowrl bench`.
enum BenchHelpers {
    /// Saves a freshly initialised default model with every weight perturbed (so adaLN and the final
    /// layer are not zero and a velocity comparison exercises every branch).
    static func writeModel(_ dir: String) throws {
        let config = ModelConfig()
        var rng = RNG(seed: 11)
        var params = VelocityNetwork.initialParameters(config, rng: &rng)
        for i in 0..<params.count { params.values[i] += 0.02 * rng.normal() }
        try ModelCheckpoint.save(directory: dir, config: config, params: params)
        print("wrote a fresh default model (\(params.count) parameters) to \(dir)")
    }

    /// Prints the allocation counts of `AllocationCheck` at default settings.
    static func allocationCheck(threads: Int, json: Bool) throws {
        var cfg = TrainConfig()
        cfg.threads = threads
        let r = try AllocationCheck.run(config: cfg)
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys]
            print(String(decoding: try enc.encode(r), as: UTF8.self))
            return
        }
        func show(_ v: Int?) -> String { v.map(String.init) ?? "n/a" }
        if AllocationCounter.calls == nil {
            print("malloc calls are not counted: run bench/alloc_check.sh (LD_PRELOADs bench/malloc_count.c)")
        }
        for (i, steps) in r.steps.enumerated() {
            print("steps \(steps): rollout \(show(r.rolloutCalls[i])) mallocs (\(show(r.rolloutBytesRetained[i])) bytes kept), "
                  + "update \(show(r.updateCalls[i])) mallocs (\(show(r.updateBytesRetained[i])) bytes kept)")
        }
        if let a = r.rolloutCallsPerStep, let b = r.updateCallsPerStep {
            print(String(format: "mallocs per extra denoising step: rollout %.2f, update %.2f", a, b))
        }
    }
}

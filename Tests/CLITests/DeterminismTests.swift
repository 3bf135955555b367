import Foundation
import Model
import NN
import Tensor
import XCTest

/// What two runs are compared on: checkpoint tensors and metrics records without wall-clock keys.
enum Determinism {
    /// Keys that measure time, which no seed controls.
    static func isTiming(_ key: String) -> Bool { key.hasPrefix("seconds_") || key == "eval_seconds" }

    /// metrics.jsonl records as canonical JSON text (sorted keys, timing removed); with
    /// `trainOnly`, without the eval records.
    static func metrics(_ run: String, trainOnly: Bool = false) throws -> [String] {
        try MetricsLog.read(run + "/metrics.jsonl").filter { !trainOnly || $0["kind"] == nil }.map { record in
            let kept = record.filter { !isTiming($0.key) }
            return String(decoding: try JSONSerialization.data(withJSONObject: kept, options: [.sortedKeys]), as: UTF8.self)
        }
    }

    /// Every tensor of the checkpoint at `step`: weights, EMA weights and optimizer moments, by name.
    static func weights(_ run: String, step: Int) throws -> [String: [Float]] {
        let dir = CheckpointStore.directory(run: run, step: step)
        var all: [String: [Float]] = [:]
        for file in ["model", "ema", "optim"] {
            let f = try SafeTensorsFile.read(path: dir + "/\(file).safetensors")
            for (name, t) in f.tensors { all[file + "/" + name] = t.data }
        }
        return all
    }
}

/// Same seed and same thread count give the same run, bit for bit.
final class DeterminismTests: XCTestCase {
    func testSameSeedAndThreadsGiveIdenticalMetricsAndWeights() throws {
        let fx = try Fixture()
        defer { fx.remove() }
        // Two threads, so that the sharded batch and its gradient sum are part of what is checked.
        for run in ["a", "b"] {
            let r = try CLI.run(fx.trainArgs(run: run, iterations: 3, extra: ["--threads", "2", "--seed", "7"]), cwd: fx.root)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let a = try Determinism.metrics(fx.path("a")), b = try Determinism.metrics(fx.path("b"))
        XCTAssertEqual(a.count, 5)   // eval at 0, iterations 1–3, eval at 3
        XCTAssertEqual(a, b)
        let wa = try Determinism.weights(fx.path("a"), step: 3)
        XCTAssertEqual(wa, try Determinism.weights(fx.path("b"), step: 3))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: fx.path("a/model/model.safetensors"))),
                       try Data(contentsOf: URL(fileURLWithPath: fx.path("b/model/model.safetensors"))))

        // The comparison can fail: another seed moves the weights.
        let c = try CLI.run(fx.trainArgs(run: "c", iterations: 3, extra: ["--threads", "2", "--seed", "8"]), cwd: fx.root)
        XCTAssertEqual(c.status, 0, c.stderr)
        XCTAssertNotEqual(wa, try Determinism.weights(fx.path("c"), step: 3))
    }
}

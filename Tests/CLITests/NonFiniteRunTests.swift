import Foundation
import Model
import NN
import Tensor
import XCTest

/// The real binary's non-finite guard: iterations whose reward is not finite are skipped and
/// logged with their cause, K in a row stop the run with one clear line, and the run keeps (and
/// resumes from) its last good checkpoint.
final class NonFiniteRunTests: XCTestCase {
    func testNonFiniteRewardsAreSkippedThenStopTheRunAtItsLastGoodCheckpoint() throws {
        let fx = try Fixture()
        defer { fx.remove() }
        // Answers every request; from id 11 on (iteration 3: the start-up probe is id 0, the
        // held-out evaluation at step 0 scores its 2 images as ids 1–2 for eval_proxy, and each
        // iteration asks 4 images) with 3e38, which the weight 10 turns into +inf.
        try fx.write("scorer.sh", #"""
            while IFS= read -r line; do
              id=$(printf '%s' "$line" | sed -n 's/.*"id":\([0-9]*\).*/\1/p')
              if [ "$id" -ge 11 ]; then r=3e38; else r=0.0$id; fi
              printf '{"id":%s,"reward":%s}\n' "$id" "$r"
            done
            """#)
        let r = try CLI.run(fx.trainArgs(run: "run", iterations: 20, extra: ["--reward", "external@10:sh scorer.sh"]), cwd: fx.root)
        XCTAssertEqual(r.status, 1, r.stderr)
        let lines = r.stderr.split(separator: "\n")
        XCTAssertEqual(lines.last, "flowrl: 3 consecutive iterations with a non-finite reward (inf); stopping (last good checkpoint kept)")
        XCTAssertEqual(lines.filter { $0.contains("update skipped (non-finite reward (inf))") }.count, 3, r.stderr)
        XCTAssertFalse(r.stderr.contains("Fatal error"), r.stderr)

        let records = try MetricsLog.read(fx.path("run/metrics.jsonl")).filter { $0["kind"] == nil }
        XCTAssertEqual(records.compactMap { $0["step"] as? Int }, [1, 2, 3, 4, 5])
        XCTAssertEqual(records.map { $0["skipped"] as? String }, [nil, nil, "non-finite reward (inf)", "non-finite reward (inf)",
                                                                  "non-finite reward (inf)"])
        XCTAssertEqual(CheckpointStore.completeSteps(run: fx.path("run")), [1, 2])
        guard let (step, last) = try RunWatcher.loadLatest(run: fx.path("run")) else { return }
        XCTAssertEqual(step, 2)
        let (_, exported) = try ModelCheckpoint.load(directory: fx.path("run/model"))
        XCTAssertEqual(exported.values, last.ema.shadow, "model/ is not the last good checkpoint's EMA policy")

        // With a finite reward the run goes on from its last good iteration, logging each step once.
        let resumed = try CLI.run(fx.trainArgs(run: "run", iterations: 4, extra: ["--resume"]), cwd: fx.root)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(try RunWatcher.trainSteps(fx.path("run/metrics.jsonl")), [1, 2, 3, 4])
    }
}

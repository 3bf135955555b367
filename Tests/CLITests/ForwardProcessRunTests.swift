import Foundation
import Model
import XCTest

/// `flowrl train --algo diffusion-nft` and `--algo awm` write ordinary run directories and resume
/// bit for bit through the real binary (the old policy travels in the checkpoint as old.safetensors).
final class ForwardProcessRunTests: XCTestCase {
    var fx: Fixture!

    override func setUpWithError() throws { fx = try Fixture() }
    override func tearDown() { fx.remove() }

    func testForwardRunsResumeBitForBitThroughTheCLI() throws {
        for algo in ["diffusion-nft", "awm"] {
            // The old policy lags θ (rate 0.2 per optimizer step), so a resume that lost it would differ.
            let settings = ["--algo", algo, "--timestep-draws", "2", "--old-decay-rate", "0.2", "--kl-beta", "0.01", "--seed", "3"]
            let straight = try CLI.run(fx.trainArgs(run: "\(algo)-a", iterations: 3, extra: settings), cwd: fx.root)
            XCTAssertEqual(straight.status, 0, straight.stderr)
            let first = try CLI.run(fx.trainArgs(run: "\(algo)-b", iterations: 2, extra: settings), cwd: fx.root)
            XCTAssertEqual(first.status, 0, first.stderr)
            XCTAssertTrue(FileManager.default.fileExists(atPath: fx.path("\(algo)-b/ckpt/step_000002/old.safetensors")))
            let resumed = try CLI.run(["train", "--run", "\(algo)-b", "--resume", "--iterations", "3"], cwd: fx.root)
            XCTAssertEqual(resumed.status, 0, resumed.stderr)
            XCTAssertEqual(try Determinism.weights(fx.path("\(algo)-a"), step: 3), try Determinism.weights(fx.path("\(algo)-b"), step: 3),
                           "\(algo): resumed weights differ from the uninterrupted run's")
            let old = { (run: String) in try Data(contentsOf: URL(fileURLWithPath: self.fx.path(run + "/ckpt/step_000003/old.safetensors"))) }
            XCTAssertEqual(try old("\(algo)-a"), try old("\(algo)-b"), "\(algo): old policy differs")
            XCTAssertEqual(try Determinism.metrics(fx.path("\(algo)-a"), trainOnly: true),
                           try Determinism.metrics(fx.path("\(algo)-b"), trainOnly: true), algo)
            let saved = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fx.path("\(algo)-a/config.json")))) as! [String: Any]
            XCTAssertEqual(saved["algo"] as? String, algo)
            XCTAssertEqual((saved["old_decay_max"] as? NSNumber)?.floatValue, algo == "awm" ? 0.3 : 0.5)
            let train = try MetricsLog.read(fx.path("\(algo)-a/metrics.jsonl")).filter { $0["kind"] == nil }
            XCTAssertEqual(train.count, 3)
            XCTAssertNotNil(train[0]["old_drift"])
            XCTAssertTrue(FileManager.default.fileExists(atPath: fx.path("\(algo)-a/model/model.safetensors")))
        }
    }

    func testBadForwardSettingsEndInOneClearLine() throws {
        let r = try CLI.run(fx.trainArgs(run: "x", iterations: 1, extra: ["--algo", "awm", "--timestep-distribution", "gamma"]), cwd: fx.root)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("timestep_distribution"), r.stderr)
        let u = try CLI.run(fx.trainArgs(run: "y", iterations: 1, extra: ["--algo", "nft"]), cwd: fx.root)
        XCTAssertNotEqual(u.status, 0)
        XCTAssertTrue(u.stderr.contains("flowrl: unknown --algo 'nft'") && u.stderr.contains("diffusion-nft"), u.stderr)
    }
}

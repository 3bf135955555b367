import Foundation
import XCTest
import Imaging
import Model
import NN
import Rewards
import Tensor
@testable import RL

/// Brightness, except that the iterations listed in `nanIterations` (1-based) get NaN rewards.
/// Calls with a single image are the run's start-up probe, not iterations, and are not counted.
final class ScheduledNaNReward: Reward, @unchecked Sendable {
    let name = "scheduled-nan"
    let nanIterations: Set<Int>
    private let lock = NSLock()
    private var calls = 0

    init(nanIterations: Set<Int>) { self.nanIterations = nanIterations }

    func score(images: [Image], prompts: [String]) throws -> RewardScores {
        lock.lock(); defer { lock.unlock() }
        if images.count > 1 { calls += 1 }
        let poisoned = images.count > 1 && nanIterations.contains(calls)
        return RewardScores(single: name, images.map { img in
            poisoned ? .nan : Float(img.pixels.reduce(0) { $0 + Int($1) }) / Float(img.pixels.count * 255)
        })
    }
}

/// A non-finite reward skips the update, is logged with its cause, and K in a row stop the run
/// with a clear message, the newest checkpoint being the last good one.
final class NonFiniteGuardTests: XCTestCase {
    var root = ""

    override func setUpWithError() throws {
        root = try TinyRunFixture.make(prefix: "flowrl-guard", testPrompts: "a white square\n")
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: root) }

    func run(iterations: Int, nanIterations: Set<Int>, maxNonFinite: Int) -> TrainRun {
        var c = TrainConfig()
        c.base = root + "/base"; c.trainPrompts = root + "/train.txt"; c.testPrompts = root + "/test.txt"
        c.iterations = iterations; c.promptsPerIteration = 2; c.groupSize = 2; c.miniBatch = 2; c.steps = 3
        c.evalEvery = 1000; c.evalSeeds = 1; c.evalSteps = 2; c.checkpointEvery = 1; c.threads = 1
        c.maxNonFinite = maxNonFinite
        var r = TrainRun(directory: root + "/run", config: c, resume: false)
        r.rewardOverride = ScheduledNaNReward(nanIterations: nanIterations)
        r.log = { _ in }
        return r
    }

    /// Step → cause of every skipped train record.
    func skipped(_ records: [[String: Any]]) -> [Int: String] {
        var out: [Int: String] = [:]
        for r in records where r["kind"] == nil {
            if let s = r["skipped"] as? String, let step = r["step"] as? Int { out[step] = s }
        }
        return out
    }

    func updates(_ dir: String, step: Int) throws -> Int {
        try CheckpointStore.load(CheckpointStore.directory(run: dir, step: step), optimizerTemplate: AdamW(parameterCount: 0))
            .optimizer.step
    }

    func testConsecutiveNaNRewardsStopTheRunKeepingTheLastGoodCheckpoint() throws {
        XCTAssertThrowsError(try run(iterations: 20, nanIterations: Set(3...20), maxNonFinite: 3).run()) { error in
            XCTAssertEqual("\(error)", "3 consecutive iterations with a non-finite reward (nan); stopping (last good checkpoint kept)")
        }
        let dir = root + "/run"
        let records = try MetricsLog.read(dir + "/metrics.jsonl")
        XCTAssertEqual(skipped(records), [3: "non-finite reward (nan)", 4: "non-finite reward (nan)", 5: "non-finite reward (nan)"])
        XCTAssertEqual(records.filter { $0["kind"] == nil }.compactMap { $0["step"] as? Int }, [1, 2, 3, 4, 5])
        // Skipped iterations write no checkpoint, so the newest is the last good one, and it loads.
        XCTAssertEqual(CheckpointStore.completeSteps(run: dir), [1, 2])
        let latest = try CheckpointStore.load(try XCTUnwrap(CheckpointStore.latest(run: dir)), optimizerTemplate: AdamW(parameterCount: 0))
        XCTAssertEqual(((try JSONSerialization.jsonObject(with: latest.state)) as? [String: Any])?["iteration"] as? Int, 2)
        XCTAssertTrue(latest.params.values.allSatisfy(\.isFinite))
        // The exported model is that checkpoint's EMA policy.
        let (_, exported) = try ModelCheckpoint.load(directory: dir + "/model")
        XCTAssertEqual(exported.values, latest.ema.shadow)
    }

    func testFewerThanKConsecutiveNaNRewardsAreSkippedAndTheRunFinishes() throws {
        XCTAssertEqual(try run(iterations: 5, nanIterations: [2, 3], maxNonFinite: 3).run(), 0)
        let dir = root + "/run"
        XCTAssertEqual(skipped(try MetricsLog.read(dir + "/metrics.jsonl")),
                       [2: "non-finite reward (nan)", 3: "non-finite reward (nan)"])
        XCTAssertEqual(CheckpointStore.completeSteps(run: dir), [1, 4, 5])
        // The skipped iterations made no optimizer update: iteration 4 went on from what iteration 1 left.
        let perIteration = try updates(dir, step: 1)
        XCTAssertGreaterThan(perIteration, 0)
        XCTAssertEqual(try updates(dir, step: 4), 2 * perIteration)
        XCTAssertEqual(try updates(dir, step: 5), 3 * perIteration)
    }
}

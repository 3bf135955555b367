import XCTest
import NN
import Tensor
@testable import Model

/// Solid-colour scenes, except that the batches of the listed calls are NaN (a broken data source).
final class PoisonedData: PretrainData, @unchecked Sendable {
    let clean: SolidColourData
    let poisonedCalls: Set<Int>
    var calls = 0
    init(config: ModelConfig, poisonedCalls: Set<Int>) {
        clean = SolidColourData(config: config)
        self.poisonedCalls = poisonedCalls
    }
    func fill(x0: UnsafeMutablePointer<Float>, tokens: UnsafeMutablePointer<Int32>, count n: Int, rng: inout RNG) {
        clean.fill(x0: x0, tokens: tokens, count: n, rng: &rng)
        if poisonedCalls.contains(calls) { x0.update(repeating: .nan, count: n * clean.config.imageElements) }
        calls += 1
    }
}

final class PretrainNonFiniteTests: XCTestCase {
    func testNonFiniteStepChangesNoWeightMomentOrEMAAndTheNextStepTrains() {
        let cfg = PretrainerTests.config(steps: 10)
        let t = Pretrainer(config: cfg, model: PretrainerTests.tiny,
                           data: PoisonedData(config: PretrainerTests.tiny, poisonedCalls: [2]))
        XCTAssertFalse(t.trainStep().skipped)
        XCTAssertFalse(t.trainStep().skipped)
        let weights = t.params.values, shadow = t.ema.shadow, moments = t.optimizer.m, adamSteps = t.optimizer.step

        let bad = t.trainStep()
        XCTAssertTrue(bad.skipped)
        XCTAssertFalse(bad.loss.isFinite)
        XCTAssertEqual(t.step, 3, "a skipped step still counts, so data and schedule stay aligned")
        XCTAssertEqual(t.params.values, weights)
        XCTAssertEqual(t.ema.shadow, shadow)
        XCTAssertEqual(t.optimizer.m, moments)
        XCTAssertEqual(t.optimizer.step, adamSteps)

        let good = t.trainStep()
        XCTAssertFalse(good.skipped)
        XCTAssertTrue(good.loss.isFinite)
        XCTAssertNotEqual(t.params.values, weights)
        XCTAssertTrue(t.params.values.allSatisfy(\.isFinite))
    }
}

import XCTest
import NN
import Shapes
import Tensor
@testable import Model

/// `flowrl pretrain --init DIR --category-weights …`: a pretraining curriculum on a finished model.
final class CurriculumTests: XCTestCase {
    /// Weighted draws follow the weights (categories not named never appear), and no weights keeps
    /// the uniform stream of the bundled recipe: one `int(below: 6)` per caption.
    func testCategoryWeightsShapeTheDraws() {
        let tok = Tokenizer(maxTokens: 12)
        let weighted = ShapesPretrainData(tokenizer: tok, heldOut: [], categoryWeights: ["position": 3, "counting": 1])
        var rng = RNG(seed: 5)
        var counts: [CaptionCategory: Int] = [:]
        for _ in 0..<4000 { counts[weighted.category(rng: &rng), default: 0] += 1 }
        XCTAssertEqual(Set(counts.keys), [.position, .counting])
        XCTAssertEqual(Double(counts[.position]!) / 4000, 0.75, accuracy: 0.03)

        let uniform = ShapesPretrainData(tokenizer: tok, heldOut: [])
        var a = RNG(seed: 9), b = RNG(seed: 9)
        for _ in 0..<50 {
            XCTAssertEqual(uniform.category(rng: &a), CaptionCategory.allCases[b.int(below: CaptionCategory.allCases.count)])
        }
    }

    func testBadCategoryWeightsAreRefused() {
        var c = PretrainConfig()
        c.categoryWeights = ["positon": 1]
        XCTAssertTrue(c.problem?.contains("unknown category positon") ?? false, c.problem ?? "nil")
        c.categoryWeights = ["position": -1, "single": 1]
        XCTAssertTrue(c.problem?.contains("position must be a finite weight") ?? false, c.problem ?? "nil")
        c.categoryWeights = ["position": 0]
        XCTAssertTrue(c.problem?.contains("at least one weight must be positive") ?? false, c.problem ?? "nil")
        c.categoryWeights = ["position": 2, "color_attr": 1]
        XCTAssertNil(c.problem)
    }

    /// The new keys survive config.json; a run started from `initial` weights begins at them (EMA
    /// too) with fresh optimizer moments, and trains from there.
    func testInitialWeightsStartTheRun() throws {
        var cfg = PretrainerTests.config(steps: 4)
        cfg.categoryWeights = ["position": 3]
        cfg.initFrom = "models/base"
        let decoded = try JSONDecoder().decode(PretrainConfig.self, from: JSONEncoder().encode(cfg))
        XCTAssertEqual(decoded, cfg)

        let model = PretrainerTests.tiny, data = SolidColourData(config: model)
        let donor = Pretrainer(config: cfg, model: model, data: data)
        for _ in 0..<4 { donor.trainStep() }
        let started = Pretrainer(config: cfg, model: model, data: data, initial: donor.params)
        XCTAssertEqual(started.params.values, donor.params.values)
        XCTAssertEqual(started.ema.shadow, donor.params.values)
        XCTAssertEqual(started.step, 0)
        XCTAssertTrue(started.optimizer.m.allSatisfy { $0 == 0 })
        started.trainStep()
        XCTAssertNotEqual(started.params.values, donor.params.values)
    }
}

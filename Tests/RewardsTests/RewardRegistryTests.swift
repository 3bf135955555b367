import XCTest
import Imaging
@testable import Rewards

/// A reward that returns fixed values, to test combination without depending on real rewards.
private struct ConstantReward: Reward {
    let name: String
    let values: [Float]
    func score(images: [Image], prompts: [String]) throws -> RewardScores {
        RewardScores(total: values, components: [name: values, name + "_extra": values.map { -$0 }])
    }
}

final class RewardRegistryTests: XCTestCase {
    func testWeightedSumCombinesTermsWithTheirWeights() throws {
        let sum = WeightedSum(name: "a:2,b:-0.5", terms: [(2, ConstantReward(name: "a", values: [1, 2, 3])),
                                                         (-0.5, ConstantReward(name: "b", values: [4, 0, -2]))])
        let images = [Image](repeating: Fixtures.flat((0, 0, 0)), count: 3)
        let s = try sum.score(images: images, prompts: ["x", "y", "z"])
        XCTAssertEqual(s.total, [0, 4, 7])
        // Components keep each term's raw values, unweighted.
        XCTAssertEqual(s.components["a"], [1, 2, 3])
        XCTAssertEqual(s.components["b"], [4, 0, -2])
        XCTAssertEqual(s.components["b_extra"], [-4, 0, 2])
    }

    func testSpecOfRealRewardsSumsTheirTotals() throws {
        let images = [Fixtures.render("a red circle", seed: 1), Fixtures.noise(seed: 2)]
        let prompts = ["a red circle", "a red circle"]
        let sum = try RewardRegistry.make("geneval:1,compress:0.2")
        XCTAssertEqual(sum.name, "geneval:1,compress:0.2")
        let s = try sum.score(images: images, prompts: prompts)
        let g = try GenEvalReward().score(images: images, prompts: prompts).total
        let c = try CompressionReward(direction: .compress).score(images: images, prompts: prompts).total
        for i in 0..<2 { XCTAssertEqual(s.total[i], g[i] + 0.2 * c[i], accuracy: 1e-6) }
        XCTAssertEqual(Set(s.components.keys), ["geneval", "geneval_strict", "compress"])
    }

    func testSingleTermOfWeightOneIsTheRewardItself() throws {
        XCTAssertTrue(try RewardRegistry.make("geneval") is GenEvalReward)
        XCTAssertTrue(try RewardRegistry.make(" incompress ") is CompressionReward)
        XCTAssertTrue(try RewardRegistry.make("aesthetic:2") is WeightedSum)
    }

    func testParseReadsWeightsArgumentsAndLetsExternalTakeTheRest() throws {
        XCTAssertEqual(try RewardRegistry.parse("geneval:1, compress:0.2"),
                       [RewardTerm(name: "geneval", weight: 1), RewardTerm(name: "compress", weight: 0.2)])
        XCTAssertEqual(try RewardRegistry.parse("learned@0.5:models/reward,aesthetic:-1e-1"),
                       [RewardTerm(name: "learned", argument: "models/reward", weight: 0.5),
                        RewardTerm(name: "aesthetic", weight: -0.1)])
        XCTAssertEqual(try RewardRegistry.parse("geneval,external@2:python3 s.py --a x,y --b=1:2"),
                       [RewardTerm(name: "geneval"),
                        RewardTerm(name: "external", argument: "python3 s.py --a x,y --b=1:2", weight: 2)])
    }

    func testUnknownRewardErrorListsTheKnownOnes() {
        XCTAssertThrowsError(try RewardRegistry.parse("geneval:1,clip:0.5")) { error in
            XCTAssertEqual(error as? RewardError, .unknownReward(name: "clip", known: RewardRegistry.known))
            let message = "\(error)"
            XCTAssertTrue(message.contains("\"clip\""), message)
            for name in RewardRegistry.known { XCTAssertTrue(message.contains(name), message) }
        }
    }

    func testMalformedSpecsNameTheBadTerm() {
        let cases: [(spec: String, term: String)] = [
            ("geneval:abc", "geneval:abc"),
            ("geneval:1,compress:nan", "compress:nan"),
            ("compress:inf", "compress:inf"),
            ("geneval,,compress", ""),
            ("geneval,", "geneval,"),
            ("", ""),
            ("learned", "learned"),
            ("learned:", "learned:"),
            ("external", "external"),
            ("geneval:1,geneval:2", "geneval:2"),
            ("geneval@2", "geneval@2"),
            (":1", ":1"),
        ]
        for (spec, term) in cases {
            XCTAssertThrowsError(try RewardRegistry.parse(spec), spec) { error in
                guard case let .malformedSpec(s, t, reason)? = error as? RewardError else {
                    return XCTFail("\(spec): expected a malformed-spec error, got \(error)")
                }
                XCTAssertEqual(s, spec)
                XCTAssertEqual(t, term, "\(spec): \(reason)")
                XCTAssertTrue("\(error)".contains("\"\(term)\""), "\(error)")
            }
        }
    }

    func testRewardsRejectMismatchedCounts() {
        XCTAssertThrowsError(try GenEvalReward().score(images: [Fixtures.flat((0, 0, 0))], prompts: [])) { error in
            XCTAssertEqual(error as? RewardError, .countMismatch(reward: "geneval", images: 1, prompts: 0))
        }
    }
}

import Foundation
import Tensor
import XCTest
@testable import RL

/// `TrainSettings.resolve`: the one place a run's settings are merged (default recipe or saved run
/// ← config file ← study ← arm ← flags), with the algorithm-dependent ε and β filled in.
final class TrainSettingsTests: XCTestCase {
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// A shipped JSON object (a config or study file), by its path in the package.
    static func shippedJSON(_ path: String) throws -> [String: Any] {
        let data = try Data(contentsOf: packageRoot.appendingPathComponent(path))
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any], path)
    }

    func testNoSettingsRunTheShippedGuardCurriculumRecipe() throws {
        let config = try TrainSettings.resolve(layers: []).config
        XCTAssertEqual(config.algo, "grpo-guard")
        XCTAssertEqual(config.base, "models/base-curriculum")
        XCTAssertEqual(config.klBeta, 0.01)
        XCTAssertEqual(config.clipEpsilon, PolicyLosses.guardClipEpsilon)
        XCTAssertEqual(config.sdeSteps, 4); XCTAssertEqual(config.shift, 1)
        XCTAssertEqual(config.iterations, 300); XCTAssertEqual(config.evalEvery, 50)
        // The recipe is configs/guard-curriculum.json, given as a file or not at all.
        let file = try Self.shippedJSON("configs/guard-curriculum.json")
        XCTAssertEqual(try TrainSettings.resolve(layers: [file]).config, config)
        XCTAssertEqual(Set(file.keys), Set(TrainSettings.defaultRecipe.keys))
    }

    func testTheFlowGRPOBaselineConfigGivesThePreviousDefaults() throws {
        let file = try Self.shippedJSON("configs/flow-grpo-baseline.json")
        // The library's base values were `flowrl train`'s defaults before the recipe.
        XCTAssertEqual(try TrainSettings.resolve(layers: [file]).config, TrainConfig())
    }

    /// configs/nft-curriculum.json and configs/awm-curriculum.json are the forward arms of
    /// studies/forward-vs-guard.json as one file each (the study's layers: the recipe file, the
    /// study's config, the arm), so the numbers docs/results.md gives for those arms are what
    /// `flowrl train --config` of the files runs.
    func testTheForwardConfigsAreTheForwardStudysArms() throws {
        let study = try Self.shippedJSON("studies/forward-vs-guard.json")
        let arms = try XCTUnwrap(study["arms"] as? [[String: Any]])
        var studyConfig = try XCTUnwrap(study["config"] as? [String: Any])
        studyConfig["checkpoint_every"] = nil        // how often a study run saves, not what it trains
        let recipe = try Self.shippedJSON(try XCTUnwrap(study["config_file"] as? String))
        for (name, file, lr) in [("diffusion-nft", "configs/nft-curriculum.json", Float(1e-4)),
                                 ("awm", "configs/awm-curriculum.json", Float(3e-5))] {
            let arm = try XCTUnwrap(arms.first { $0["name"] as? String == name }?["settings"] as? [String: Any], name)
            let fromStudy = try TrainSettings.resolve(layers: [recipe, studyConfig, arm, ["seed": UInt64(0)]]).config
            let fromFile = try TrainSettings.resolve(layers: [try Self.shippedJSON(file)]).config
            XCTAssertEqual(fromFile, fromStudy, file)
            XCTAssertEqual(fromFile.algo, name); XCTAssertEqual(fromFile.lr, lr, file)
        }
    }

    func testNamingAnAlgorithmGivesItsOwnBetaAndEpsilon() throws {
        let guardRun = try TrainSettings.resolve(layers: [["algo": "grpo-guard"]]).config
        XCTAssertEqual(guardRun.klBeta, 0, "GRPO-Guard's own β is the paper's 0")
        XCTAssertEqual(guardRun.clipEpsilon, PolicyLosses.guardClipEpsilon)
        let flow = try TrainSettings.resolve(layers: [["algo": "flow-grpo"]]).config
        XCTAssertEqual(flow.klBeta, 0.01); XCTAssertEqual(flow.clipEpsilon, 2e-3)
        // Without RatioNorm the recipe's ratios are Flow-GRPO's, and so is its ε; its β stays.
        let noNorm = try TrainSettings.resolve(layers: [["ratio_norm": false]]).config
        XCTAssertEqual(noNorm.clipEpsilon, 2e-3); XCTAssertEqual(noNorm.klBeta, 0.01)
    }

    func testAGivenBetaOrEpsilonWinsInWhicheverLayer() throws {
        let same = try TrainSettings.resolve(layers: [["algo": "grpo-guard", "kl_beta": 0.02]]).config
        XCTAssertEqual(same.klBeta, 0.02)
        // A config file's β survives a flag that names the algorithm.
        let layered = try TrainSettings.resolve(layers: [["kl_beta": 0.05, "clip_epsilon": 3e-5], ["algo": "grpo-guard"]]).config
        XCTAssertEqual(layered.klBeta, 0.05); XCTAssertEqual(layered.clipEpsilon, 3e-5)
    }

    func testLaterLayersWinAndValuesArriveExactly() throws {
        // The study's layers: config file, study settings, arm, seed.
        let config = try TrainSettings.resolve(layers: [
            ["lr": 1e-4, "iterations": 50, "reward": "aesthetic"],
            ["lr": 3e-4, "eval_every": 5],
            ["algo": "flow-grpo", "lr": Float(2e-4)],
            ["seed": UInt64(7)],
        ]).config
        XCTAssertEqual(config.lr, Float(2e-4))
        XCTAssertEqual(config.iterations, 50); XCTAssertEqual(config.evalEvery, 5)
        XCTAssertEqual(config.reward, "aesthetic"); XCTAssertEqual(config.seed, 7)
        XCTAssertEqual(config.algo, "flow-grpo"); XCTAssertEqual(config.klBeta, 0.01); XCTAssertEqual(config.clipEpsilon, 2e-3)
        // Recipe keys no layer touched stay the recipe's.
        XCTAssertEqual(config.base, "models/base-curriculum"); XCTAssertEqual(config.sdeSteps, 4)
        XCTAssertEqual(try TrainSettings.resolve(layers: [["clip_epsilon": Float(1.4e-5)]]).config.clipEpsilon, Float(1.4e-5))
    }

    func testResumeWithAnotherAlgorithmTakesItsDefaultsAndListsTheChanges() throws {
        let saved = try TrainSettings.resolve(layers: [["algo": "flow-grpo", "lr": 1e-4]]).config
        let switched = try TrainSettings.resolve(saved: saved, layers: [["algo": "grpo-guard", "iterations": 400]])
        XCTAssertEqual(switched.config.klBeta, 0)
        XCTAssertEqual(switched.config.clipEpsilon, PolicyLosses.guardClipEpsilon)
        XCTAssertEqual(switched.config.lr, 1e-4, "settings unrelated to the algorithm stay the run's")
        XCTAssertEqual(switched.changedOnResume,
                       [#"algo: "flow-grpo" → "grpo-guard""#, "clip_epsilon: 0.002 → 1.4e-05", "kl_beta: 0.01 → 0"])
        // Given on that command line, ε and β are the user's.
        let given = try TrainSettings.resolve(saved: saved, layers: [["algo": "grpo-guard", "kl_beta": 0.01]])
        XCTAssertEqual(given.config.klBeta, 0.01)
        XCTAssertEqual(given.changedOnResume, [#"algo: "flow-grpo" → "grpo-guard""#, "clip_epsilon: 0.002 → 1.4e-05"])
    }

    func testResumeWithTheSameAlgorithmKeepsTheSavedBetaAndEpsilon() throws {
        var saved = try TrainSettings.resolve(layers: []).config   // GRPO-Guard with the recipe's β 0.01
        saved.clipEpsilon = 3e-5
        for layers in [[["algo": "grpo-guard"]], [["iterations": 600]], []] as [[[String: Any]]] {
            let resumed = try TrainSettings.resolve(saved: saved, layers: layers)
            XCTAssertEqual(resumed.config.klBeta, 0.01)
            XCTAssertEqual(resumed.config.clipEpsilon, 3e-5)
            XCTAssertEqual(resumed.changedOnResume, [], "\(layers)")
        }
    }

    func testBadLayersAreErrorsNamingLayerAndKey() {
        XCTAssertThrowsError(try TrainSettings.resolve(layers: [[:], ["learning_rate": 1e-4]])) { error in
            XCTAssertTrue("\(error)".hasPrefix("settings layer 2: unknown key 'learning_rate'"), "\(error)")
        }
        XCTAssertThrowsError(try TrainSettings.resolve(layers: [["iterations": "ten"]])) { error in
            XCTAssertEqual("\(error)", "settings layer 1: key 'iterations' has the wrong type")
        }
        XCTAssertThrowsError(try TrainSettings.resolve(layers: [["group_size": 1]])) { error in
            XCTAssertEqual(error as? TrainSettingsError, .invalid("group_size must be at least 2 (advantages compare samples of a group)"))
        }
    }
}

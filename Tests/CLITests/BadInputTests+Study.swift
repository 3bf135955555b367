import Foundation
import XCTest

/// Bad study files fail before anything runs: one line naming the file and what is wrong, and no
/// study directory created.
extension BadInputTests {
    /// Writes `study.json` around `arms`/`extra` on the tiny config and returns the command.
    func study(_ body: String) throws -> [String] {
        try fx.write("study.json", body)
        return ["study", "run", "study.json", "--out", "studies/s"]
    }

    static let twoArms = #""arms": [{"name": "a", "settings": {}}, {"name": "b", "settings": {"algo": "grpo-guard"}}]"#

    func testStudyWithUnknownKeyIsNamed() throws {
        let args = try study(#"{"name": "s", "config_file": "tiny.json", \#(BadInputTests.twoArms), "seeds": [0], "baseline": "a", "repeats": 3}"#)
        try CLI.assertRejected(args, mentions: "unknown key 'repeats'", in: fx)
    }

    func testStudyWithDuplicateArmNamesIsRejected() throws {
        let args = try study(#"{"name": "s", "config_file": "tiny.json", "arms": [{"name": "a"}, {"name": "a"}], "seeds": [0], "baseline": "a"}"#)
        try CLI.assertRejected(args, mentions: "arm name 'a' appears twice", in: fx)
    }

    func testStudyWithEmptySeedListIsRejected() throws {
        let args = try study(#"{"name": "s", "config_file": "tiny.json", \#(BadInputTests.twoArms), "seeds": [], "baseline": "a"}"#)
        try CLI.assertRejected(args, mentions: "'seeds' must be a non-empty list", in: fx)
    }

    func testStudyBaselineThatIsNotAnArmIsRejected() throws {
        let args = try study(#"{"name": "s", "config_file": "tiny.json", \#(BadInputTests.twoArms), "seeds": [0], "baseline": "c"}"#)
        try CLI.assertRejected(args, mentions: "baseline 'c' is not an arm (arms: a, b)", in: fx)
    }

    func testStudyArmSettingThatTrainRefusesNamesTheArm() throws {
        let args = try study(#"{"name": "s", "config_file": "tiny.json", "arms": [{"name": "a"}, {"name": "fast", "settings": {"lr": -1}}], "seeds": [0], "baseline": "a"}"#)
        try CLI.assertRejected(args, mentions: "arm 'fast': lr must be positive", in: fx)
    }

    func testStudyArmWithUnknownTrainKeyNamesArmAndKey() throws {
        let args = try study(#"{"name": "s", "config_file": "tiny.json", "arms": [{"name": "a"}, {"name": "b", "settings": {"learning_rate": 1e-4}}], "seeds": [0], "baseline": "a"}"#)
        try CLI.assertRejected(args, mentions: "arm 'b': unknown key 'learning_rate'", in: fx)
    }

    func testStudyArmWithUnknownAlgorithmIsRejected() throws {
        let args = try study(#"{"name": "s", "config_file": "tiny.json", "arms": [{"name": "a"}, {"name": "b", "settings": {"algo": "ppo"}}], "seeds": [0], "baseline": "a"}"#)
        try CLI.assertRejected(args, mentions: "arm 'b': unknown --algo 'ppo'", in: fx)
    }

    func testStudyArmWithMissingBaseModelIsRejected() throws {
        let args = try study(#"{"name": "s", "config_file": "tiny.json", "arms": [{"name": "a"}, {"name": "b", "settings": {"base": "nope"}}], "seeds": [0], "baseline": "a"}"#)
        try CLI.assertRejected(args, mentions: "arm 'b': base model nope does not exist", in: fx)
    }

    func testStudySeedInSharedConfigIsRejected() throws {
        let args = try study(#"{"name": "s", "config": {"seed": 3}, "config_file": "tiny.json", \#(BadInputTests.twoArms), "seeds": [0], "baseline": "a"}"#)
        try CLI.assertRejected(args, mentions: "'seed' cannot be a shared setting", in: fx)
    }

    func testStudyThatIsNotJSONIsRejected() throws {
        let args = try study(#"{"name": "s", "arms": ["#)
        try CLI.assertRejected(args, mentions: "study file study.json: the study is not valid JSON", in: fx)
    }

    func testStudyWithMissingConfigFileIsNamed() throws {
        let args = try study(#"{"name": "s", "config_file": "nope.json", \#(BadInputTests.twoArms), "seeds": [0], "baseline": "a"}"#)
        try CLI.assertRejected(args, mentions: "config_file nope.json does not exist", in: fx)
    }

    func testStudyWithNonIntegerSeedIsRejected() throws {
        let args = try study(#"{"name": "s", "config_file": "tiny.json", \#(BadInputTests.twoArms), "seeds": [0, 1.5], "baseline": "a"}"#)
        try CLI.assertRejected(args, mentions: "'seeds' must hold non-negative integers", in: fx)
    }

    func testStudyReportOfADirectoryThatIsNoStudyIsRejected() throws {
        try CLI.assertRejected(["study", "report", "base"], mentions: "base is not a study directory", in: fx)
    }
}

import Foundation
import Model
import NN
import Tensor
import XCTest

/// Mistakes a user can make end in one clear line on stderr, a non-zero exit, no crash, and no
/// file written, changed or removed (`CLI.assertRejected` snapshots the scratch directory around
/// each run; the binary runs inside it so that default output paths land there too).
final class BadInputTests: XCTestCase {
    var fx: Fixture!

    override func setUpWithError() throws { fx = try Fixture() }
    override func tearDown() { fx.remove() }

    func sample(checkpoint: String) -> [String] {
        ["sample", "--prompt", "a red circle", "--checkpoint", checkpoint, "--out", "out.png", "--n", "1", "--steps", "1"]
    }

    /// A copy of the tiny model in `name` whose model.safetensors is replaced by `bytes`.
    func model(_ name: String, weights bytes: [UInt8]) throws {
        try fx.write(name + "/config.json", String(decoding: ModelCheckpoint.encodeConfig(Fixture.model), as: UTF8.self))
        try fx.write(name + "/model.safetensors", bytes: bytes)
    }

    var baseWeights: [UInt8] { [UInt8](FileManager.default.contents(atPath: fx.path("base/model.safetensors"))!) }

    /// A run directory holding one complete checkpoint of the tiny model at step 1.
    func runWithCheckpoint(_ name: String, config: ModelConfig = Fixture.model) throws {
        var rng = RNG(seed: 5)
        let params = VelocityNetwork.initialParameters(config, rng: &rng)
        let ckpt = TrainingCheckpoint(config: config, params: params, optimizer: AdamW(parameterCount: params.count),
                                      ema: EMA(values: params.values), state: Data(#"{"iteration": 1, "step": 1}"#.utf8))
        try CheckpointStore.save(run: fx.path(name), step: 1, ckpt)
    }

    // MARK: checkpoints

    func testMissingCheckpointDirectoryIsNamed() throws {
        try CLI.assertRejected(sample(checkpoint: "nope"), mentions: "checkpoint directory nope does not exist", in: fx)
    }

    func testCheckpointWithoutWeightsNamesTheMissingFile() throws {
        try fx.write("noweights/config.json", String(decoding: ModelCheckpoint.encodeConfig(Fixture.model), as: UTF8.self))
        try CLI.assertRejected(sample(checkpoint: "noweights"), mentions: "noweights/model.safetensors does not exist", in: fx)
    }

    func testEmptyWeightsFileIsRejected() throws {
        try model("empty", weights: [])
        try CLI.assertRejected(sample(checkpoint: "empty"), mentions: "empty/model.safetensors", in: fx)
    }

    func testTruncatedWeightsFileIsRejected() throws {
        let bytes = baseWeights
        try model("truncated", weights: Array(bytes.prefix(bytes.count / 2)))
        try CLI.assertRejected(["eval", "--prompts", "test.txt", "--checkpoint", "truncated", "--seeds", "1", "--steps", "1"],
                               mentions: "truncated/model.safetensors", in: fx)
    }

    func testGarbageWeightsFileIsRejected() throws {
        var rng = RNG(seed: 9)
        try model("garbage", weights: (0..<4096).map { _ in UInt8(rng.int(below: 256)) })
        try CLI.assertRejected(sample(checkpoint: "garbage"), mentions: "garbage/model.safetensors", in: fx)
    }

    func testWeightsOfAnotherShapeNameTheTensor() throws {
        var wide = Fixture.model
        wide.width = 32
        var rng = RNG(seed: 3)
        let bytes = try SafeTensorsFile.encode(tensors: ModelCheckpoint.tensors(
            VelocityNetwork.initialParameters(wide, rng: &rng).values, infos: Parameters(VelocityNetwork.parameterSpecs(wide)).infos))
        try model("wide", weights: bytes)
        try CLI.assertRejected(["train", "--config", "tiny.json", "--base", "wide", "--run", "r"],
                               mentions: "the model expects", in: fx)
    }

    func testWeightsOfAnUnsupportedDtypeNameTheDtype() throws {
        // Same length as "F32", so every offset stays valid and only the dtype is wrong.
        var text = String(decoding: baseWeights, as: UTF8.self)
        text = text.replacingOccurrences(of: "\"dtype\":\"F32\"", with: "\"dtype\":\"F64\"")
        try model("f64", weights: Array(text.utf8))
        try CLI.assertRejected(sample(checkpoint: "f64"), mentions: "F64", in: fx)
    }

    func testModelConfigWithUnknownKeyIsNamed() throws {
        try model("colour", weights: baseWeights)
        try fx.write("colour/config.json", #"{"width": 16, "depth": 1, "colour": 3}"#)
        try CLI.assertRejected(sample(checkpoint: "colour"), mentions: "colour", in: fx)
    }

    func testModelConfigWithWrongTypeIsNamed() throws {
        try model("wrongtype", weights: baseWeights)
        try fx.write("wrongtype/config.json", #"{"width": "wide"}"#)
        try CLI.assertRejected(sample(checkpoint: "wrongtype"), mentions: "'width'", in: fx)
    }

    func testResumeFromACorruptCheckpointNamesTheFile() throws {
        try runWithCheckpoint("run")
        let optim = fx.path("run/ckpt/step_000001/optim.safetensors")
        let bytes = [UInt8](FileManager.default.contents(atPath: optim)!)
        try Data(bytes.prefix(bytes.count - 7)).write(to: URL(fileURLWithPath: optim))
        try CLI.assertRejected(fx.trainArgs(run: "run", iterations: 3, extra: ["--resume"]),
                               mentions: "optim.safetensors", in: fx)
    }

    func testResumeFromACheckpointWithDamagedStateNamesTheFile() throws {
        try runWithCheckpoint("run")
        try fx.write("run/ckpt/step_000001/state.json", #"{"iteration": 1"#)
        try CLI.assertRejected(fx.trainArgs(run: "run", iterations: 3, extra: ["--resume"]),
                               mentions: "state.json is not a valid checkpoint", in: fx)
    }

    func testResumeFromACheckpointOfAnotherModelIsRefused() throws {
        var other = Fixture.model
        other.depth = 2
        try runWithCheckpoint("run", config: other)
        try CLI.assertRejected(fx.trainArgs(run: "run", iterations: 3, extra: ["--resume"]), mentions: "different model", in: fx)
    }

    // MARK: config files

    func testTrainConfigWithUnknownKeyIsNamed() throws {
        try fx.write("bad.json", #"{"iterations": 5, "learning_rat": 0.1}"#)
        try CLI.assertRejected(["train", "--config", "bad.json"], mentions: "unknown key 'learning_rat'", in: fx)
    }

    func testTrainConfigWithAKeyWrittenTwiceIsNamed() throws {
        try fx.write("bad.json", #"{"iterations": 5, "lr": 0.1, "iterations": 6}"#)
        try CLI.assertRejected(["train", "--config", "bad.json"], mentions: "key 'iterations' appears twice", in: fx)
    }

    func testTrainConfigWithWrongTypeIsNamed() throws {
        try fx.write("bad.json", #"{"iterations": "many"}"#)
        try CLI.assertRejected(["train", "--config", "bad.json"], mentions: "'iterations' has the wrong type", in: fx)
    }

    func testPretrainConfigThatIsNotJSONIsNamed() throws {
        try fx.write("bad.json", "steps = 5\n")
        try CLI.assertRejected(["pretrain", "--config", "bad.json", "--run", "p"], mentions: "bad.json: not valid JSON", in: fx)
    }

    func testMissingConfigFileIsNamed() throws {
        try CLI.assertRejected(["train", "--config", "missing.json"], mentions: "missing.json does not exist", in: fx)
    }

    // MARK: prompts

    func testEmptyPromptFileIsRejected() throws {
        try fx.write("empty.txt", "\n  \n# only a comment\n")
        try CLI.assertRejected(fx.trainArgs(run: "r", iterations: 1, extra: ["--train-prompts", "empty.txt"]),
                               mentions: "empty.txt: has no prompts", in: fx)
    }

    func testPromptFileWordOutsideTheGrammarNamesWordAndLine() throws {
        try fx.write("bad.txt", "a red circle\na purple hexagon\n")
        let message = try CLI.assertRejected(fx.trainArgs(run: "r", iterations: 1, extra: ["--test-prompts", "bad.txt"]),
                                             mentions: "hexagon", in: fx)
        XCTAssertTrue(message.contains("line 2"), message)
    }

    func testPromptWithUnknownWordNamesTheWord() throws {
        try CLI.assertRejected(["sample", "--prompt", "a red hexagon", "--checkpoint", "base", "--out", "x.png"],
                               mentions: "hexagon", in: fx)
    }

    func testMissingPromptFileIsNamed() throws {
        try CLI.assertRejected(["eval", "--prompts", "missing.txt", "--checkpoint", "base"], mentions: "missing.txt", in: fx)
    }

    // MARK: rewards

    func testUnknownRewardListsTheKnownOnes() throws {
        let message = try CLI.assertRejected(fx.trainArgs(run: "r", iterations: 1, extra: ["--reward", "beauty"]),
                                             mentions: "unknown reward \"beauty\"", in: fx)
        XCTAssertTrue(message.contains("geneval"), message)
    }

    func testMalformedWeightedRewardSpecsNameTheTerm() throws {
        try CLI.assertRejected(fx.trainArgs(run: "r", iterations: 1, extra: ["--reward", "geneval:1,,compress:0.1"]),
                               mentions: "two commas", in: fx)
        try CLI.assertRejected(fx.trainArgs(run: "r", iterations: 1, extra: ["--reward", "geneval:lots"]),
                               mentions: "\"lots\"", in: fx)
    }

    func testExternalRewardCommandThatDoesNotExistFailsBeforeTheRunStarts() throws {
        try CLI.assertRejected(fx.trainArgs(run: "r", iterations: 1, extra: ["--reward", "external:/nonexistent/scorer"]),
                               mentions: "/nonexistent/scorer", in: fx)
        try fx.write("img.png", bytes: TinyPNG.encode(width: 32, height: 32) { x, _ in (UInt8(x * 8), 0, 0) })
        try CLI.assertRejected(["score", "--reward", "external:/nonexistent/scorer", "--prompt", "a red circle", "img.png"],
                               mentions: "exited with status 127", in: fx)
    }

    // MARK: counts

    func testNonPositiveCountsAreRejected() throws {
        try CLI.assertRejected(["train", "--iterations", "0"], mentions: "--iterations must be positive, got 0", in: fx)
        try CLI.assertRejected(["train", "--group-size", "-3"], mentions: "--group-size must be positive, got -3", in: fx)
        try CLI.assertRejected(fx.trainArgs(run: "r", iterations: 1, extra: ["--group-size", "1"]), mentions: "at least 2", in: fx)
        try CLI.assertRejected(["train", "--mini-batch", "0"], mentions: "--mini-batch", in: fx)
        try CLI.assertRejected(["pretrain", "--batch-size", "0"], mentions: "--batch-size must be positive, got 0", in: fx)
        try CLI.assertRejected(["pretrain", "--steps", "-5"], mentions: "--steps must be positive, got -5", in: fx)
        try CLI.assertRejected(["sample", "--prompt", "a red circle", "--n", "0"], mentions: "--n", in: fx)
        try CLI.assertRejected(["eval", "--threads", "0"], mentions: "--threads", in: fx)
        try CLI.assertRejected(fx.trainArgs(run: "r", iterations: 1, extra: ["--rollout-cfg", "-1"]),
                               mentions: "rollout_cfg must be a finite number", in: fx)
        try CLI.assertRejected(fx.trainArgs(run: "r", iterations: 1, extra: ["--shift", "0"]),
                               mentions: "shift must be a finite positive number, got 0.0", in: fx)
    }

    func testNonNumericCountIsRejected() throws {
        try CLI.assertRejected(["train", "--iterations", "ten"], mentions: "ten", in: fx)
    }

    // MARK: resume and run directories

    func testResumeNeedsARunWithACheckpoint() throws {
        try CLI.assertRejected(["train", "--resume"], mentions: "--run", in: fx)
        try CLI.assertRejected(fx.trainArgs(run: "fresh", iterations: 2, extra: ["--resume"]),
                               mentions: "no complete checkpoint in fresh/ckpt", in: fx)
        try CLI.assertRejected(["pretrain", "--run", "fresh", "--resume"], mentions: "no complete checkpoint", in: fx)
    }

    func testStartedRunIsNotOverwrittenWithoutResume() throws {
        try runWithCheckpoint("run")
        try CLI.assertRejected(fx.trainArgs(run: "run", iterations: 2), mentions: "pass --resume", in: fx)
        try CLI.assertRejected(["pretrain", "--run", "run"], mentions: "pass --resume", in: fx)
    }

    func testUnwritableOutputIsNamed() throws {
        // Root ignores permission bits, so the unwritable place is a path below a regular file.
        try fx.write("file.txt", "not a directory\n")
        try CLI.assertRejected(fx.trainArgs(run: "file.txt/run", iterations: 1), mentions: "cannot write file.txt/run", in: fx)
        try CLI.assertRejected(["pretrain", "--run", "file.txt/run", "--width", "16", "--depth", "1", "--heads", "2"],
                               mentions: "cannot write file.txt/run", in: fx)
        try CLI.assertRejected(["sample", "--prompt", "a red circle", "--checkpoint", "base", "--out", "file.txt/x.png",
                                "--n", "1", "--steps", "1"],
                               mentions: "cannot write file.txt", in: fx)
    }

    func testOutputThatIsNotAPNGIsRejected() throws {
        try CLI.assertRejected(["sample", "--prompt", "a red circle", "--out", "x.jpg"], mentions: "--out must name a .png", in: fx)
    }

    func testUnknownAlgorithmIsNamed() throws {
        try CLI.assertRejected(fx.trainArgs(run: "r", iterations: 1, extra: ["--algo", "ppo-max"]),
                               mentions: "unknown --algo 'ppo-max'", in: fx)
    }

    // MARK: images

    func testScoringAFileThatIsNotAPNG() throws {
        try fx.write("notes.png", "these are notes, not pixels\n")
        try CLI.assertRejected(["score", "--prompt", "a red circle", "notes.png"], mentions: "notes.png is not a PNG file", in: fx)
    }

    func testScoringADamagedPNG() throws {
        let png = TinyPNG.encode(width: 32, height: 32) { _, y in (0, UInt8(y * 8), 0) }
        try fx.write("cut.png", bytes: Array(png.prefix(60)))
        try CLI.assertRejected(["score", "--prompt", "a red circle", "cut.png"], mentions: "cut.png is a damaged PNG", in: fx)
    }

    func testScoringAPNGOfTheWrongSize() throws {
        try fx.write("big.png", bytes: TinyPNG.encode(width: 64, height: 48) { _, _ in (9, 9, 9) })
        try CLI.assertRejected(["score", "--prompt", "a red circle", "big.png"], mentions: "big.png is 64×48", in: fx)
    }

    func testScoringAMissingPNG() throws {
        try CLI.assertRejected(["score", "--prompt", "a red circle", "gone.png"], mentions: "gone.png does not exist", in: fx)
    }
}

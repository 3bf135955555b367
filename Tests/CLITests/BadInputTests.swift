import Foundation
import XCTest

/// Mistakes a user can make end in one clear line on stderr, a non-zero exit and no crash.
final class BadInputTests: XCTestCase {
    var tmp: URL!

    override func setUpWithError() throws {
        tmp = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("flowrl-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: tmp) }

    func testPromptWithUnknownWordNamesTheWord() throws {
        try CLI.assertOneLineError(["sample", "--prompt", "a red hexagon", "--out", tmp.path + "/x.png"], mentions: "hexagon")
        XCTAssertFalse(FileManager.default.fileExists(atPath: tmp.path + "/x.png"))
    }

    func testMissingCheckpointIsNamed() throws {
        try CLI.assertOneLineError(["sample", "--prompt", "a red circle", "--checkpoint", tmp.path + "/nope",
                                    "--out", tmp.path + "/x.png"], mentions: "nope")
    }

    func testEmptyAndMissingPromptFiles() throws {
        let empty = tmp.appendingPathComponent("empty.txt")
        try "\n\n".write(to: empty, atomically: true, encoding: .utf8)
        try CLI.assertOneLineError(["eval", "--prompts", empty.path], mentions: "no prompts")
        try CLI.assertOneLineError(["eval", "--prompts", tmp.path + "/missing.txt"], mentions: "missing.txt")
    }

    func testNonPositiveCountsAreRejected() throws {
        try CLI.assertOneLineError(["train", "--iterations", "0"], mentions: "--iterations")
        try CLI.assertOneLineError(["train", "--group-size", "-3"], mentions: "group")
        try CLI.assertOneLineError(["pretrain", "--batch-size", "0"], mentions: "--batch-size")
        try CLI.assertOneLineError(["sample", "--prompt", "a red circle", "--n", "0"], mentions: "--n")
    }

    func testResumeNeedsARunWithACheckpoint() throws {
        try CLI.assertOneLineError(["train", "--resume"], mentions: "--run")
        try CLI.assertOneLineError(["pretrain", "--run", tmp.path + "/fresh", "--resume"], mentions: "no complete checkpoint")
    }

    func testConfigFileWithUnknownKeyOrWrongType() throws {
        let bad = tmp.appendingPathComponent("bad.json")
        try #"{"iterations": 5, "learning_rat": 0.1}"#.write(to: bad, atomically: true, encoding: .utf8)
        try CLI.assertOneLineError(["train", "--config", bad.path], mentions: "learning_rat")
        try #"{"iterations": "many"}"#.write(to: bad, atomically: true, encoding: .utf8)
        try CLI.assertOneLineError(["train", "--config", bad.path], mentions: "iterations")
    }

    func testCorruptModelConfigIsNamed() throws {
        let dir = tmp.appendingPathComponent("model")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try #"{"width": 128, "depth": 6, "colour": 3}"#.write(to: dir.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        try CLI.assertOneLineError(["sample", "--prompt", "a red circle", "--checkpoint", dir.path,
                                    "--out", tmp.path + "/x.png"], mentions: "colour")
    }
}

#if canImport(Glibc)
import Glibc
#endif
import XCTest
import Foundation
import Imaging
@testable import Rewards

final class ExternalRewardTests: XCTestCase {
    let brightness = "python3 \(Fixtures.repositoryRoot)/examples/rewards/brightness.py"

    /// Mean of all bytes on the [0, 1] scale, what brightness.py computes.
    func meanBrightness(_ image: Image) -> Float {
        Float(image.pixels.reduce(0) { $0 + Int($1) }) / Float(255 * image.pixels.count)
    }

    func testBrightnessExampleAnswersThroughTheRealProtocol() throws {
        let reward = try ExternalReward(command: brightness, timeout: 20)
        let images = [Fixtures.flat((0, 0, 0)), Fixtures.flat((255, 255, 255)), Fixtures.render("three green circles", seed: 7),
                      Fixtures.noise(seed: 8), Fixtures.flat((51, 102, 153))]
        // A prompt with quotes and a newline must reach the process intact as one JSON line.
        let prompts = ["a red circle", "say \"hi\"\nnext line", "three green circles", "x", "y"]
        let s = try reward.score(images: images, prompts: prompts)
        XCTAssertEqual(s.total.count, 5)
        for (value, image) in zip(s.total, images) { XCTAssertEqual(value, meanBrightness(image), accuracy: 1e-5) }
        XCTAssertEqual(s.components["external"], s.total)
        // The same process serves later batches, with fresh ids.
        let again = try reward.score(images: [images[2], images[1]], prompts: ["a", "b"])
        XCTAssertEqual(again.total[1], 1, accuracy: 1e-6)
        XCTAssertEqual(again.total[0], s.total[2], accuracy: 1e-6)
    }

    func testAnswersInAnyOrderAreMatchedById() throws {
        // Reads three requests, answers them in reverse order with reward = id.
        let script = """
        python3 -c 'import sys, json
        reqs = [json.loads(sys.stdin.readline()) for _ in range(3)]
        for r in reversed(reqs): print(json.dumps({"id": r["id"], "reward": r["id"] * 10, "note": "x"}), flush=True)
        sys.stdin.read()'
        """
        let reward = try ExternalReward(command: script, timeout: 20)
        let image = Fixtures.flat((1, 2, 3))
        XCTAssertEqual(try reward.score(images: [image, image, image], prompts: ["", "", ""]).total, [0, 10, 20])
    }

    func testProcessThatExitsGivesExitStatusAndStderr() throws {
        let reward = try ExternalReward(command: "echo boom >&2; exit 3", timeout: 10)
        XCTAssertThrowsError(try reward.score(images: [Fixtures.flat((0, 0, 0))], prompts: ["a"])) { error in
            XCTAssertEqual(error as? RewardError, .externalExited(command: "echo boom >&2; exit 3", how: "exited with status 3",
                                                                  answered: 0, of: 1, stderr: "boom"))
        }
    }

    func testCommandNotFoundIsReportedWithTheShellMessage() throws {
        let reward = try ExternalReward(command: "no-such-scorer-xyz --flag", timeout: 10)
        XCTAssertThrowsError(try reward.score(images: [Fixtures.flat((0, 0, 0))], prompts: ["a"])) { error in
            guard case let .externalExited(command, how, _, _, stderr)? = error as? RewardError else { return XCTFail("\(error)") }
            XCTAssertEqual(command, "no-such-scorer-xyz --flag")
            XCTAssertEqual(how, "exited with status 127")
            XCTAssertTrue(stderr.contains("not found"), stderr)
        }
    }

    func testNonJSONOutputIsMalformed() throws {
        let reward = try ExternalReward(command: "read line; echo notjson; sleep 5", timeout: 10)
        XCTAssertThrowsError(try reward.score(images: [Fixtures.flat((0, 0, 0))], prompts: ["a"])) { error in
            guard case let .externalMalformed(_, line, reason)? = error as? RewardError else { return XCTFail("\(error)") }
            XCTAssertEqual(line, "notjson")
            XCTAssertTrue(reason.contains("not valid JSON"), reason)
        }
    }

    func testMissingOrForeignIdsAndMissingRewardsAreMalformed() throws {
        let cases: [(answer: String, reason: String)] = [
            (#"{"reward": 1}"#, "no integer \"id\""),
            (#"{"id": 99, "reward": 1}"#, "id 99 was not asked for"),
            (#"{"id": 0}"#, "no numeric \"reward\""),
            (#"{"id": 0, "reward": "high"}"#, "no numeric \"reward\""),
            (#"[0, 1]"#, "not a JSON object"),
        ]
        for (answer, expected) in cases {
            let reward = try ExternalReward(command: "read line; echo '\(answer)'; sleep 5", timeout: 10)
            XCTAssertThrowsError(try reward.score(images: [Fixtures.flat((0, 0, 0))], prompts: ["a"]), answer) { error in
                guard case let .externalMalformed(_, _, reason)? = error as? RewardError else { return XCTFail("\(answer): \(error)") }
                XCTAssertTrue(reason.contains(expected), "\(answer): \(reason)")
            }
        }
    }

    func testNaNAndInfiniteRewardsAreRejected() throws {
        for value in ["NaN", "Infinity", "-Infinity", "1e999"] {
            let reward = try ExternalReward(command: "read line; echo '{\"id\": 0, \"reward\": \(value)}'; sleep 5", timeout: 10)
            XCTAssertThrowsError(try reward.score(images: [Fixtures.flat((0, 0, 0))], prompts: ["a"]), value) { error in
                guard case let .externalNonFinite(_, id, _)? = error as? RewardError else { return XCTFail("\(value): \(error)") }
                XCTAssertEqual(id, 0)
            }
        }
    }

    func testSilentProcessTimesOut() throws {
        let reward = try ExternalReward(command: "sleep 10", timeout: 1)
        let start = Date()
        XCTAssertThrowsError(try reward.score(images: [Fixtures.flat((0, 0, 0))], prompts: ["a"])) { error in
            XCTAssertEqual(error as? RewardError, .externalTimeout(command: "sleep 10", seconds: 1, answered: 0, of: 1))
            XCTAssertTrue("\(error)".contains("`sleep 10`"))
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
        // Closing stderr first must not change that (a closed pipe stays "readable" to poll).
        let quiet = try ExternalReward(command: "exec 2>&-; sleep 10", timeout: 1)
        XCTAssertThrowsError(try quiet.score(images: [Fixtures.flat((0, 0, 0))], prompts: ["a"])) { error in
            guard case .externalTimeout? = error as? RewardError else { return XCTFail("\(error)") }
        }
    }

    func testKillingTheProcessMidRunGivesTheDocumentedErrorEveryCall() throws {
        let reward = try ExternalReward(command: brightness, timeout: 20)
        let image = Fixtures.flat((10, 20, 30))
        XCTAssertEqual(try reward.score(images: [image], prompts: ["a"]).total.count, 1)
        // The scorer crashes: the shell and python (one process group) die at once.
        XCTAssertEqual(kill(-reward.processIdentifier, SIGKILL), 0)
        XCTAssertThrowsError(try reward.score(images: [image, image], prompts: ["a", "b"])) { error in
            guard case let .externalExited(command, how, answered, total, _)? = error as? RewardError else { return XCTFail("\(error)") }
            XCTAssertEqual(command, brightness)
            XCTAssertEqual(how, "was killed by signal 9")
            XCTAssertEqual(answered, 0)
            XCTAssertEqual(total, 2)
        }
        // The reward stays broken: later calls repeat the error instead of talking to nobody.
        XCTAssertThrowsError(try reward.score(images: [image], prompts: ["a"])) { error in
            guard case .externalExited? = error as? RewardError else { return XCTFail("\(error)") }
        }
    }

    func testReleasingTheRewardEndsAndReapsTheProcess() throws {
        // A process that ignores end of input and SIGTERM needs the SIGKILL path.
        for command in [brightness, "trap '' TERM; while true; do sleep 0.1; done"] {
            var reward: ExternalReward? = try ExternalReward(command: command, timeout: 10)
            let pid = reward!.processIdentifier
            XCTAssertEqual(kill(pid, 0), 0, "the process should be running")
            reward = nil
            // Reaped means gone from the process table: kill(pid, 0) fails with ESRCH (a zombie would still answer).
            let until = Date().addingTimeInterval(3)
            while kill(pid, 0) == 0, Date() < until { usleep(10_000) }
            XCTAssertEqual(kill(pid, 0), -1, command)
            XCTAssertEqual(errno, ESRCH, command)
        }
    }
}

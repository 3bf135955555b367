import Foundation
import Imaging
import TestSupport
import XCTest
@testable import Tracking

final class EventFileTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "flowrl-tracking-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    /// Scalars, a histogram, an image and a text written here come back from TensorBoard's own
    /// reader with the same steps and values (float32 for scalars).
    func testTensorBoardReadsBackEveryKindOfValue() throws {
        let file = try EventFile(directory: dir + "/tb")
        XCTAssertTrue(URL(fileURLWithPath: file.path).lastPathComponent.hasPrefix("events.out.tfevents."))
        let image = Image(width: 3, height: 2, pixels: [255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9, 200, 100, 50, 1, 2, 3])
        let png = try PNG.encode(image)
        file.write(step: 0, values: [SummaryValue(tag: "config", .text("a *b*\nline two"))])
        file.write(step: 1, values: [SummaryValue(tag: "train/loss", .scalar(0.5)), SummaryValue(tag: "train/lr", .scalar(3e-4))])
        file.write(step: 2, values: [SummaryValue(tag: "train/loss", .scalar(-1.25e-7)),
                                     SummaryValue(tag: "train/rewards", .histogram(Histogram([0, 0.1, 0.5, 0.5, 1], buckets: 4))),
                                     SummaryValue(tag: "grids", .image(png: png, width: 3, height: 2))])
        file.write(step: 1_000_000, values: [SummaryValue(tag: "train/loss", .scalar(.nan))])

        let run = try XCTUnwrap(TensorBoardReader.read(dir + "/tb")["."])
        XCTAssertEqual(run["file_version"] as? Double, 2)
        let scalars = try XCTUnwrap(run["scalars"] as? [String: [[Any]]])
        let loss = try XCTUnwrap(scalars["train/loss"])
        XCTAssertEqual(loss.map { $0[0] as? Int }, [1, 2, 1_000_000])
        XCTAssertEqual(loss[0][1] as? Double, 0.5)
        XCTAssertEqual((loss[1][1] as? Double).map(Float.init), -1.25e-7, "float32 round trip")
        XCTAssertEqual(loss[2][1] as? String, "nan")
        XCTAssertEqual((scalars["train/lr"]?[0][1] as? Double).map(Float.init), 3e-4)
        let histo = try XCTUnwrap((run["histograms"] as? [String: [[Any]]])?["train/rewards"]?.first)
        XCTAssertEqual(histo[0] as? Int, 2)
        XCTAssertEqual(histo[1] as? Double, 0); XCTAssertEqual(histo[2] as? Double, 1); XCTAssertEqual(histo[3] as? Double, 5)
        XCTAssertEqual(histo[6] as? [Double], [0.25, 0.5, 0.75, 1])
        XCTAssertEqual(histo[7] as? [Double], [2, 2, 0, 1])
        let img = try XCTUnwrap((run["images"] as? [String: [[Any]]])?["grids"]?.first)
        XCTAssertEqual(img[0] as? Int, 2); XCTAssertEqual(img[1] as? Int, 3); XCTAssertEqual(img[2] as? Int, 2)
        let text = try XCTUnwrap((run["texts"] as? [String: [[Any]]])?["config"]?.first)
        XCTAssertEqual(text[1] as? String, "a *b*\nline two")
    }

    /// The metrics.jsonl → tag mapping of docs/tracking.md.
    func testRecordsMapToDocumentedTags() {
        let train: [String: Any] = ["step": 3, "reward_mean": 0.5, "rewards": [0.1, 0.9], "skipped": "non-finite loss",
                                    "log_ratio_mean_per_step": [0.1, -0.2, "nan"], "kl": "inf"]
        let tags = MetricsEvents.values(for: train).map(\.tag)
        XCTAssertEqual(Set(tags), ["train/reward_mean", "train/rewards", "train/log_ratio_mean_per_step/0",
                                   "train/log_ratio_mean_per_step/1", "train/log_ratio_mean_per_step/2", "train/kl"])
        let kl = MetricsEvents.values(for: train).first { $0.tag == "train/kl" }
        XCTAssertEqual(kl?.content, .scalar(.infinity))
        let eval: [String: Any] = ["step": 0, "kind": "eval", "eval_strict": 0.4, "eval_strict_counting": 0.2,
                                   "eval_fail_color": 0.1, "eval_proxy": 0.7]
        XCTAssertEqual(Set(MetricsEvents.values(for: eval).map(\.tag)),
                       ["eval/strict", "eval/strict/counting", "eval/fail/color", "eval/proxy"])
        let resume: [String: Any] = ["step": 5, "kind": "resume", "changed": ["lr: 1 → 2"]]
        XCTAssertEqual(MetricsEvents.values(for: resume), [SummaryValue(tag: "resume", .text("- lr: 1 → 2"))])
        XCTAssertEqual(MetricsEvents.values(for: ["step": 1, "kind": "other", "x": 1]), [])
    }
}

final class RunEventsTests: XCTestCase {
    /// A rebuilt log replays metrics.jsonl up to the resume step only, with wall times spaced by the
    /// seconds each record took and ending about now, and replaces the old event files.
    func testRebuildReplaysUpToStepWithTrainingTimeSpacing() throws {
        let run = NSTemporaryDirectory() + "flowrl-rebuild-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: run) }
        try FileManager.default.createDirectory(atPath: run + "/tb", withIntermediateDirectories: true)
        try Data("stale".utf8).write(to: URL(fileURLWithPath: run + "/tb/events.out.tfevents.1.old"))
        let lines = [
            #"{"step": 0, "kind": "eval", "eval_strict": 0.5, "eval_seconds": 30}"#,
            #"{"step": 1, "reward_mean": 0.1, "seconds_rollout": 5, "seconds_reward": 1, "seconds_update": 4}"#,
            #"{"step": 2, "reward_mean": 0.2, "seconds_rollout": 20, "seconds_reward": 0, "seconds_update": 0}"#,
            #"{"step": 3, "reward_mean": 0.3, "seconds_rollout": 1}"#,
        ]
        try (lines.joined(separator: "\n") + "\n").write(toFile: run + "/metrics.jsonl", atomically: true, encoding: .utf8)
        let before = Date().timeIntervalSince1970
        _ = try RunEvents.rebuild(logdir: run + "/tb", from: run, upToStep: 2)
        XCTAssertEqual(EventFile.files(in: run + "/tb").count, 1)
        let events = try XCTUnwrap(TensorBoardReader.read(run + "/tb")["."])
        let scalars = try XCTUnwrap(events["scalars"] as? [String: [[Any]]])
        let reward = try XCTUnwrap(scalars["train/reward_mean"])
        XCTAssertEqual(reward.map { $0[0] as? Int }, [1, 2], "step 3 is after the resume step")
        let strictTime = try XCTUnwrap(scalars["eval/strict"]?.first?[2] as? Double)
        let t1 = try XCTUnwrap(reward[0][2] as? Double), t2 = try XCTUnwrap(reward[1][2] as? Double)
        XCTAssertEqual(t1 - strictTime, 10, accuracy: 1e-3)
        XCTAssertEqual(t2 - t1, 20, accuracy: 1e-3)
        XCTAssertEqual(t2, before, accuracy: 5, "the replayed history ends now")
    }
}

final class JSONRecordTests: XCTestCase {
    /// Numbers are correctly rounded (the text that JSONSerialization on Linux reads two ulps off),
    /// integers stay Int, booleans stay Bool (not numbers), and a line that is no object is nil.
    func testParsesNumbersCorrectlyRoundedAndKeepsTypes() throws {
        let r = try XCTUnwrap(JSONRecord.parse(Data(#"{"a": 2.1401385068893433, "step": 3, "on": true, "x": [1, "nan", null]}"#.utf8)))
        XCTAssertEqual((r["a"] as? Double)?.bitPattern, Double("2.1401385068893433")!.bitPattern)
        XCTAssertEqual(r["step"] as? Int, 3)
        XCTAssertEqual(r["on"] as? Bool, true)
        XCTAssertNil(MetricsEvents.number(r["on"]!))
        XCTAssertEqual((r["x"] as? [Any])?.count, 3)
        XCTAssertNil(JSONRecord.parse(Data("[1, 2]".utf8)))
        XCTAssertNil(JSONRecord.parse(Data(#"{"torn": 1"#.utf8)))
    }

    /// One reading of a metrics value for every parser the project uses: JSONSerialization's 0 and
    /// 1 are numbers (on Linux they also satisfy `is Bool`), its true/false and Swift Bools are not,
    /// MetricsLog's "nan"/"inf" strings are the non-finite floats, a step must be a whole Int.
    func testNumberReadsEveryParserAlike() throws {
        let text = #"{"zero": 0, "one": 1, "half": 0.5, "yes": true, "no": false, "nan": "nan", "ninf": "-inf", "word": "x"}"#
        let foundation = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let decoder = try XCTUnwrap(JSONRecord.parse(Data(text.utf8)))
        for record in [foundation, decoder] {
            XCTAssertEqual(MetricsEvents.number(record["zero"]!), 0)
            XCTAssertEqual(MetricsEvents.number(record["one"]!), 1)
            XCTAssertEqual(MetricsEvents.number(record["half"]!), 0.5)
            XCTAssertNil(MetricsEvents.number(record["yes"]!))
            XCTAssertNil(MetricsEvents.number(record["no"]!))
            XCTAssertEqual(MetricsEvents.number(record["nan"]!).map { $0.isNaN }, true)
            XCTAssertEqual(MetricsEvents.number(record["ninf"]!), -.infinity)
            XCTAssertNil(MetricsEvents.number(record["word"]!))
        }
        XCTAssertNil(MetricsEvents.number(true as Any))
        XCTAssertEqual(MetricsEvents.number(Float(0.25) as Any), 0.25)
        XCTAssertEqual(MetricsEvents.integer(7 as Any), 7)
        XCTAssertNil(MetricsEvents.integer(2.5 as Any))
        XCTAssertNil(MetricsEvents.integer(1e300 as Any))
        XCTAssertNil(MetricsEvents.integer("nan" as Any))
    }
}

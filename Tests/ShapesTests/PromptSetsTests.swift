import XCTest
import Foundation
import Shapes

final class PromptSetsTests: XCTestCase {
    /// prompts/ at the package root, found from this file's path.
    let promptsDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("prompts")

    /// The checked-in files are exactly what the generator writes; set FLOWRL_WRITE_PROMPTS=1
    /// to regenerate them after a deliberate change.
    func testCheckedInPromptFilesMatchTheGenerator() throws {
        let sets = PromptSets.generate(seed: PromptSets.seed)
        if ProcessInfo.processInfo.environment["FLOWRL_WRITE_PROMPTS"] == "1" { try sets.write(to: promptsDirectory) }
        for (name, contents) in sets.files {
            let onDisk = try String(contentsOf: promptsDirectory.appendingPathComponent(name), encoding: .utf8)
            XCTAssertEqual(onDisk, contents, "prompts/\(name) differs from PromptSets.generate(seed: \(PromptSets.seed))")
        }
    }

    func testPromptSetsAreReproducibleAndSeedDependent() {
        XCTAssertEqual(PromptSets.generate(seed: 3), PromptSets.generate(seed: 3))
        XCTAssertNotEqual(PromptSets.generate(seed: 3), PromptSets.generate(seed: 4))
    }

    /// Meaning of a caption irrespective of wording: its requirements as a set and the
    /// relation turned to left-of / above.
    func meaning(_ c: Caption) -> String {
        var reqs = c.requirements.map { "\($0.exact ? "exactly " : "")\($0.count) \($0.color?.rawValue ?? "any") \($0.shape)" }
        if case let .position(_, r, _) = c.content, r == .rightOf || r == .below {
            reqs.reverse()
            return "\(r.converse) " + reqs.joined(separator: ", ")
        }
        if let r = c.relation { return "\(r) " + reqs.joined(separator: ", ") }
        return reqs.sorted().joined(separator: ", ")
    }

    func testTrainAndTestShareNoCaptionAndNoMeaning() {
        let sets = PromptSets.generate(seed: PromptSets.seed)
        XCTAssertTrue(Set(sets.train).isDisjoint(with: sets.test))
        XCTAssertTrue(Set(sets.train.map(meaning)).isDisjoint(with: sets.test.map(meaning)))
        XCTAssertEqual(Set(sets.train).count, sets.train.count, "train repeats a caption")
        XCTAssertEqual(Set(sets.test.map(meaning)).count, sets.test.count, "test repeats a meaning")
    }

    func testPromptSetsAreLargeEnoughAndCoverEveryCategory() {
        let sets = PromptSets.generate(seed: PromptSets.seed)
        XCTAssertGreaterThanOrEqual(sets.train.count, 300)
        XCTAssertGreaterThanOrEqual(sets.test.count, 100)
        for c in CaptionCategory.allCases {
            XCTAssertTrue(sets.train.contains { $0.category == c }, "\(c) missing from train")
            XCTAssertTrue(sets.test.contains { $0.category == c }, "\(c) missing from test")
        }
        let names = sets.files.map(\.name)
        XCTAssertEqual(names, ["train.txt", "test.txt", "single.txt", "two_objects.txt", "counting.txt", "colors.txt",
                               "position.txt", "color_attr.txt"])
        let perCategory = sets.files.dropFirst(2).map { $0.contents }.joined()
        XCTAssertEqual(perCategory.split(separator: "\n").count, sets.test.count)
    }

    /// Colour-attribution test captions test binding: their colour-swapped twin is trained on.
    func testColorAttributionTestCaptionsHaveTheirSwappedTwinInTrain() {
        let sets = PromptSets.generate(seed: PromptSets.seed)
        let trainMeanings = Set(sets.train.map(meaning))
        for c in sets.test {
            guard case let .colorAttr(a, b) = c.content else { continue }
            let twin = try! Caption(.colorAttr(ColoredShape(b.color, a.shape), ColoredShape(a.color, b.shape)))
            XCTAssertTrue(trainMeanings.contains(meaning(twin)), "\(c): twin \(twin) not in train")
        }
    }
}

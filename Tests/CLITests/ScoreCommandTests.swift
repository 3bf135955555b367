import XCTest

final class ScoreCommandTests: XCTestCase {
    var fx: Fixture!

    override func setUpWithError() throws { fx = try Fixture() }
    override func tearDown() { fx.remove() }

    /// A red 10×10 square centred at (16, 16) on the palette's black background.
    func redSquare() -> [UInt8] {
        TinyPNG.encode(width: 32, height: 32) { x, y in
            (11...20).contains(x) && (11...20).contains(y) ? (230, 40, 40) : (10, 10, 14)
        }
    }

    func testExplainPrintsWhatTheJudgeSawAndWhyTheCaptionFails() throws {
        try fx.write("square.png", bytes: redSquare())
        let wrong = try CLI.run(["score", "--prompt", "a red circle", "--explain", "square.png"], cwd: fx.root)
        XCTAssertEqual(wrong.status, 0, wrong.stderr)
        let lines = wrong.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3, wrong.stdout)
        XCTAssertEqual(lines.first, "0.0000  square.png")
        XCTAssertEqual(lines[1], "    detected: red square at (16, 16)")
        XCTAssertEqual(lines[2], "    judge: missing: expected a red circle, found none")

        let right = try CLI.run(["score", "--prompt", "a red square", "--explain", "square.png"], cwd: fx.root)
        XCTAssertEqual(right.stdout.split(separator: "\n").last.map(String.init), "    judge: correct", right.stdout)
        // Without --explain, one line per image, as scripts expect.
        let plain = try CLI.run(["score", "--prompt", "a red square", "square.png"], cwd: fx.root)
        XCTAssertEqual(plain.stdout, "1.0000  square.png\n")
    }
}

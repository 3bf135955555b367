import XCTest

final class HelpTests: XCTestCase {
    func testTopLevelHelpListsEverySubcommand() throws {
        let r = try CLI.run(["--help"])
        XCTAssertEqual(r.status, 0)
        for sub in ["pretrain", "train", "sample", "eval", "bench"] {
            XCTAssertTrue(r.stdout.contains(sub), "--help does not list \(sub):\n\(r.stdout)")
        }
    }

    func testEverySubcommandHasHelp() throws {
        for sub in ["pretrain", "train", "sample", "eval", "bench"] {
            let r = try CLI.run([sub, "--help"])
            XCTAssertEqual(r.status, 0, "\(sub) --help failed: \(r.stderr)")
            XCTAssertTrue(r.stdout.contains("USAGE"), "\(sub) --help:\n\(r.stdout)")
        }
    }

    func testUnknownSubcommandAndOptionAreOneLineErrors() throws {
        try CLI.assertOneLineError(["frobnicate"], mentions: "frobnicate")
        try CLI.assertOneLineError(["sample", "--prompt", "a red circle", "--frob"], mentions: "--frob")
        try CLI.assertOneLineError(["bench", "--threads", "0"], mentions: "--threads")
    }
}

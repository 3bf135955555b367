import Foundation
import Tensor
import XCTest

final class StrictJSONTests: XCTestCase {
    struct Settings: Decodable {
        let lr: Double
        let steps: Int
        enum CodingKeys: String, CodingKey, CaseIterable { case lr, steps }
    }

    func decode(_ text: String) throws -> Settings {
        try StrictJSON.decode(Settings.self, from: Data(text.utf8), allowedKeys: Settings.CodingKeys.allKeys)
    }

    func testAcceptsAValidObject() throws {
        let s = try decode(#"{"lr": 0.5, "steps": 3}"#)
        XCTAssertEqual(s.lr, 0.5)
        XCTAssertEqual(s.steps, 3)
    }

    func testEachKindOfBadInputGetsItsOwnError() {
        let cases: [(String, StrictJSONError)] = [
            ("{lr: 1}", .notJSON),
            ("[1, 2]", .notObject),
            (#"{"lr": 1, "steps": 2, "step": 3}"#, .unknownKey("step", ["lr", "steps"])),
            (#"{"lr": "fast", "steps": 2}"#, .wrongType("lr")),
            (#"{"lr": 1, "steps": 2, "lr": 3}"#, .duplicateKey("lr")),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try decode(text), text) { XCTAssertEqual($0 as? StrictJSONError, expected, text) }
        }
    }

    func testDuplicateKeysAreFoundAtAnyDepthWithTheirPath() {
        let found = { (text: String) in StrictJSON.duplicateKey(in: Data(text.utf8)) }
        XCTAssertEqual(found(#"{"a": {"b": 1, "c": [true, {"d": null, "d": 2}]}}"#), "a.c[1].d")
        XCTAssertEqual(found(#"{"a": {"b": 1}, "a": 2}"#), "a")
        XCTAssertEqual(found(#"{"x": 1, "y": {"x": 1}, "z": [{"x": 1}, {"x": 2}]}"#), nil)
        // Braces, quotes and commas inside strings are text, not structure.
        XCTAssertEqual(found(#"{"p": "a \"b\", {c}", "q": "}", "r": {}, "s": []}"#), nil)
        XCTAssertEqual(found(#"{"p": "\\", "p": 1}"#), "p")
        XCTAssertEqual(found(#"[{"k": 1, "k": 2}]"#), "[0].k")
    }
}

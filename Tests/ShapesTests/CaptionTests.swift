import XCTest
import Tensor
import Shapes

final class CaptionTests: XCTestCase {
    func testEveryCaptionOfTheGrammarParsesBackToItself() throws {
        var total = 0
        for category in CaptionCategory.allCases {
            let all = CaptionSampler.all(category)
            XCTAssertEqual(Set(all.map(\.text)).count, all.count, "\(category) captions repeat")
            for caption in all {
                let parsed = try Caption.parse(caption.text)
                XCTAssertEqual(parsed, caption)
                XCTAssertEqual(parsed.category, category)
                XCTAssertEqual(parsed.text, caption.text)
            }
            total += all.count
        }
        // 3 + 6 + 72 + 18 + 4·18·17 + 18·10
        XCTAssertEqual(total, 3 + 6 + 72 + 18 + 1224 + 180)
    }

    func testSampledCaptionsParseBackToThemselves() throws {
        var rng = RNG(seed: 5)
        for _ in 0..<2000 {
            let caption = CaptionSampler.sample(rng: &rng)
            XCTAssertEqual(try Caption.parse(caption.text), caption)
        }
    }

    func testCaptionSamplerReachesEveryCaptionOfSmallCategories() {
        var rng = RNG(seed: 6)
        for category in [CaptionCategory.single, .twoObjects, .colors] {
            var seen = Set<Caption>()
            for _ in 0..<400 { seen.insert(CaptionSampler.sample(category: category, rng: &rng)) }
            XCTAssertEqual(seen, Set(CaptionSampler.all(category)), "\(category)")
        }
    }

    func testUnknownWordErrorNamesTheWord() {
        XCTAssertThrowsError(try Caption.parse("a red dog")) { error in
            XCTAssertEqual(error as? CaptionError, .unknownWord("dog", position: 3, caption: "a red dog"))
            XCTAssertTrue("\(error)".contains("\"dog\""), "\(error)")
        }
        XCTAssertThrowsError(try Caption.parse("three green circles.")) { error in
            XCTAssertTrue("\(error)".contains("\"circles.\""), "\(error)")
        }
    }

    func testGrammarErrorsNameTheWordAndPosition() {
        func check(_ text: String, _ expected: CaptionError, line: UInt = #line) {
            XCTAssertThrowsError(try Caption.parse(text), line: line) { error in
                XCTAssertEqual(error as? CaptionError, expected, "\(error)", line: line)
            }
        }
        check("", .empty)
        check("a red", .unexpectedEnd(expected: "a shape (circle, square, triangle)", caption: "a red"))
        check("two red circle", .unexpectedWord("circle", position: 3, expected: "a plural shape (circles, squares, triangles)",
                                                caption: "two red circle"))
        check("one red circles", .unexpectedWord("circles", position: 3, expected: "a singular shape (circle, square, triangle)",
                                                 caption: "one red circles"))
        check("red circle", .unexpectedWord("red", position: 1, expected: "\"a\" or a number (one, two, three, four)",
                                            caption: "red circle"))
        check("a circle and a red square", .unexpectedWord("red", position: 5, expected: "a shape without colour, as the first object has none",
                                                           caption: "a circle and a red square"))
        check("a red circle and a square", .unexpectedWord("square", position: 6, expected: "a colour (both objects are coloured)",
                                                           caption: "a red circle and a square"))
        check("a red circle to the of a blue square", .unexpectedWord("of", position: 6, expected: "\"left\" or \"right\"",
                                                                      caption: "a red circle to the of a blue square"))
        check("a red circle a", .unexpectedWord("a", position: 4,
                                                expected: "\"and\", \"to the left of\", \"to the right of\", \"above\" or \"below\"",
                                                caption: "a red circle a"))
        XCTAssertThrowsError(try Caption.parse("a circle above a red square")) { error in
            guard case let .unexpectedWord(_, position, _, _)? = error as? CaptionError else { return XCTFail("\(error)") }
            XCTAssertEqual(position, 2)
        }
    }

    func testCaptionsOutsideTheLanguageAreRejectedWithAReason() {
        for text in ["a circle and a circle", "a red circle to the left of a red circle", "a red circle and a blue circle",
                     "a red circle and a red square"] {
            XCTAssertThrowsError(try Caption.parse(text)) { error in
                guard case .invalid? = error as? CaptionError else { return XCTFail("\(text): \(error)") }
                XCTAssertTrue("\(error)".contains(text))
            }
        }
        XCTAssertThrowsError(try Caption(.counting(5, ColoredShape(.red, .circle))))
    }

    func testParsingIgnoresCaseAndSpacing() throws {
        XCTAssertEqual(try Caption.parse("  A Red\tCircle  ").text, "a red circle")
    }

    func testRequirementsStateTheCaptionsConstraints() throws {
        let c = try Caption.parse("three green circles")
        XCTAssertEqual(c.requirements, [ObjectRequirement(shape: .circle, color: .green, count: 3, exact: true)])
        let p = try Caption.parse("a red circle to the left of a blue square")
        XCTAssertEqual(p.relation, .leftOf)
        XCTAssertEqual(p.requirements.map(\.color), [.red, .blue])
        XCTAssertEqual(try Caption.parse("a circle and a square").requirements.map(\.color), [nil, nil])
    }
}

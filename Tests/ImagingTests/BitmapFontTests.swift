import Imaging
import XCTest

final class BitmapFontTests: XCTestCase {
    func testTextWidthCountsAdvanceWithoutTrailingGap() {
        XCTAssertEqual(BitmapFont.textWidth(""), 0)
        XCTAssertEqual(BitmapFont.textWidth("a"), 5)
        XCTAssertEqual(BitmapFont.textWidth("ab"), 11)
        XCTAssertEqual(BitmapFont.textWidth("ab", scale: 2), 22)
        XCTAssertEqual(BitmapFont.textWidth("abc\nd"), 17)
        XCTAssertEqual(BitmapFont.textHeight("abc\nd"), 18)
    }

    func testDrawnTextStaysInsideItsMeasuredBox() {
        for scale in [1, 2] {
            var image = Image(width: 80, height: 40, fill: (255, 255, 255))
            let text = "Hg{}|@"
            BitmapFont.drawText(text, on: &image, x: 7, y: 5, color: .black, scale: scale)
            var inked = 0
            for y in 0..<40 {
                for x in 0..<80 where image[x, y] == (0, 0, 0) {
                    inked += 1
                    XCTAssertTrue(x >= 7 && x < 7 + BitmapFont.textWidth(text, scale: scale), "x \(x)")
                    XCTAssertTrue(y >= 5 && y < 5 + BitmapFont.textHeight(text, scale: scale), "y \(y)")
                }
            }
            XCTAssertGreaterThan(inked, 20 * scale * scale)
        }
    }

    func testEveryPrintableGlyphIsDistinctAndVisible() {
        var seen: [[UInt8]: Character] = [:]
        for code in 33...126 {
            let character = Character(Unicode.Scalar(UInt8(code)))
            var image = Image(width: BitmapFont.glyphWidth, height: BitmapFont.glyphHeight, fill: (0, 0, 0))
            BitmapFont.drawText(String(character), on: &image, x: 0, y: 0, color: .white)
            XCTAssertTrue(image.pixels.contains(255), "glyph \(character) is empty")
            if let other = seen[image.pixels] { XCTFail("glyphs \(other) and \(character) are identical") }
            seen[image.pixels] = character
        }
    }

    func testDrawingOffTheEdgeClipsInsteadOfTrapping() {
        var image = Image(width: 10, height: 10)
        BitmapFont.drawText("WWWW", on: &image, x: -3, y: 6, color: .white, scale: 2)
        BitmapFont.drawText("é\u{1F600}", on: &image, x: 0, y: 0, color: .white)   // drawn as "?"
        XCTAssertTrue(image.pixels.contains(255))
    }

    func testWrapKeepsLinesWithinWidth() {
        let lines = BitmapFont.wrap("a red circle left of a blue square", maxWidth: 60)
        XCTAssertGreaterThan(lines.count, 1)
        for line in lines { XCTAssertLessThanOrEqual(BitmapFont.textWidth(line), 60, line) }
        XCTAssertEqual(lines.joined(separator: " "), "a red circle left of a blue square")
        let long = BitmapFont.wrap("abcdefghijklmnopqrstuvwxyz", maxWidth: 30)
        XCTAssertEqual(long.joined(), "abcdefghijklmnopqrstuvwxyz")
        for line in long { XCTAssertLessThanOrEqual(BitmapFont.textWidth(line), 30, line) }
    }
}

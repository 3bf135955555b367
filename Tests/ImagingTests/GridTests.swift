import Imaging
import XCTest

final class GridTests: XCTestCase {
    private let white: (UInt8, UInt8, UInt8) = (255, 255, 255)

    private func cells(rows: Int, columns: Int, size: Int = 16) -> [[Image]] {
        (0..<rows).map { r in
            (0..<columns).map { c in Image(width: size, height: size, fill: (UInt8(40 * r), UInt8(60 * c), 200)) }
        }
    }

    /// Non-background pixels inside [x0, x1) × [y0, y1).
    private func ink(_ image: Image, x0: Int, x1: Int, y0: Int, y1: Int) -> Int {
        var count = 0
        for y in y0..<y1 { for x in x0..<x1 where !(image[x, y] == white) { count += 1 } }
        return count
    }

    func testUnlabelledGridHasCellsGapsAndMargins() {
        let style = GridStyle(gap: 2, margin: 4)
        let grid = Grid.render(cells(rows: 2, columns: 3), style: style)
        XCTAssertEqual(grid.width, 2 * 4 + 3 * 16 + 2 * 2)
        XCTAssertEqual(grid.height, 2 * 4 + 2 * 16 + 1 * 2)
        for r in 0..<2 {
            for c in 0..<3 {
                let x = 4 + c * 18, y = 4 + r * 18
                XCTAssertTrue(grid[x, y] == (UInt8(40 * r), UInt8(60 * c), 200))
                XCTAssertTrue(grid[x + 15, y + 15] == (UInt8(40 * r), UInt8(60 * c), 200))
                if c < 2 { XCTAssertTrue(grid[x + 16, y] == white, "gap right of (\(r), \(c))") }
            }
        }
        XCTAssertEqual(ink(grid, x0: 0, x1: grid.width, y0: 0, y1: 4), 0, "top margin is background")
    }

    func testLeftLabelsInkTheLabelColumnOfTheirRowOnly() {
        let grid = Grid.render(cells(rows: 3, columns: 2), rowLabels: ["a red circle", "", "two squares"],
                               style: GridStyle(gap: 2, margin: 4))
        let labelWidth = BitmapFont.textWidth("a red circle") + 4
        XCTAssertEqual(grid.width, 2 * 4 + labelWidth + 2 * 16 + 2)
        XCTAssertEqual(grid.height, 2 * 4 + 3 * 16 + 2 * 2)
        let cellsX = 4 + labelWidth
        for (row, labelled) in [true, false, true].enumerated() {
            let y = 4 + row * 18
            let inked = ink(grid, x0: 0, x1: cellsX, y0: y, y1: y + 16)
            XCTAssertEqual(inked > 0, labelled, "row \(row) label ink \(inked)")
        }
        XCTAssertTrue(grid[cellsX, 4] == (0, 0, 200))
    }

    func testAboveLabelsAndColumnHeadersAddBandsWithText() {
        let style = GridStyle(gap: 2, margin: 4, labelPlacement: .above)
        let grid = Grid.render(cells(rows: 2, columns: 2, size: 32), rowLabels: ["one", "two"],
                               columnHeaders: ["run A", "run B"], style: style)
        let band = BitmapFont.glyphHeight + 4
        XCTAssertEqual(grid.width, 2 * 4 + 2 * 32 + 2)
        XCTAssertEqual(grid.height, 2 * 4 + band + 2 * (band + 32) + 2)
        XCTAssertGreaterThan(ink(grid, x0: 4, x1: 36, y0: 4, y1: 4 + band), 0, "header A")
        XCTAssertGreaterThan(ink(grid, x0: 38, x1: 70, y0: 4, y1: 4 + band), 0, "header B")
        let firstLabelTop = 4 + band
        XCTAssertGreaterThan(ink(grid, x0: 4, x1: grid.width - 4, y0: firstLabelTop, y1: firstLabelTop + band), 0)
        XCTAssertTrue(grid[4, firstLabelTop + band] == (0, 0, 200), "first cell below its label band")
    }

    func testNarrowColumnHeadersWrapInsteadOfOverlapping() {
        let grid = Grid.render(cells(rows: 1, columns: 2, size: 16), columnHeaders: ["run A", "run B"],
                               style: GridStyle(gap: 2, margin: 4))
        // Each header wraps to its 16-px column, so no header ink falls in the 2-px gap between.
        XCTAssertEqual(ink(grid, x0: 20, x1: 22, y0: 0, y1: grid.height - 20), 0)
        XCTAssertGreaterThan(grid.height, 2 * 4 + 16 + BitmapFont.glyphHeight + 4, "multi-line header band")
    }

    func testUnequalSizesAndShortRowsAreCentredAndPadded() {
        let rows = [[Image(width: 8, height: 8, fill: (0, 0, 0)), Image(width: 16, height: 16, fill: (0, 0, 0))],
                    [Image(width: 16, height: 16, fill: (9, 9, 9))]]
        let grid = Grid.render(rows, style: GridStyle(gap: 0, margin: 0))
        XCTAssertEqual(grid.width, 32)
        XCTAssertEqual(grid.height, 32)
        XCTAssertTrue(grid[0, 0] == white, "small image is centred, corner is background")
        XCTAssertTrue(grid[4, 4] == (0, 0, 0))
        XCTAssertTrue(grid[20, 20] == white, "missing cell is background")
    }

    func testEmptyGridIsAValidImage() {
        let grid = Grid.render([])
        XCTAssertGreaterThan(grid.width, 0)
        XCTAssertGreaterThan(grid.height, 0)
    }
}

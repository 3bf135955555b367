@testable import Imaging
import XCTest

final class LinePlotTests: XCTestCase {
    private let red = Color(220, 20, 20)
    private let blue = Color(20, 20, 220)

    /// (count, mean y) of pixels exactly equal to `color`.
    private func pixels(of color: Color, in image: Image, maxY: Int? = nil) -> (count: Int, meanY: Double) {
        var count = 0, sumY = 0
        for y in 0..<(maxY ?? image.height) {
            for x in 0..<image.width where image[x, y] == color.rgb { count += 1; sumY += y }
        }
        return (count, count > 0 ? Double(sumY) / Double(count) : .nan)
    }

    func testSeriesAreDrawnInTheirColoursAtTheirHeights() {
        let steps = (0..<50).map(Double.init)
        let plot = LinePlot(title: "reward vs step", xLabel: "step", yLabel: "reward", series: [
            PlotSeries(name: "high", x: steps, y: steps.map { 1 + 0.001 * $0 }, color: red),
            PlotSeries(name: "low", x: steps, y: steps.map { -1 + 0.001 * $0 }, color: blue),
        ])
        let image = plot.render()
        XCTAssertEqual(image.width, 480)
        XCTAssertEqual(image.height, 320)
        // The legend is the bottom text row; measure the lines above it.
        let aboveLegend = image.height - 8 - BitmapFont.lineHeight - 3
        let (redCount, redY) = pixels(of: red, in: image, maxY: aboveLegend)
        let (blueCount, blueY) = pixels(of: blue, in: image, maxY: aboveLegend)
        XCTAssertGreaterThan(redCount, 300)
        XCTAssertGreaterThan(blueCount, 300)
        XCTAssertLessThan(redY + 100, blueY, "higher values are drawn higher up")
        XCTAssertGreaterThan(pixels(of: red, in: image).count, redCount, "legend swatch")
    }

    func testNaNPointsLeaveAGapInsteadOfAJump() {
        // y = 1 everywhere except a NaN in the middle: no pixel of the series may be drawn
        // between the two flat segments' x ranges.
        let x = (0..<21).map(Double.init)
        var y = [Double](repeating: 0, count: 21)
        for i in 0..<21 { y[i] = Double(i % 2) }
        y[10] = .nan
        let image = LinePlot(series: [PlotSeries(name: "", x: x, y: y, color: red)]).render()
        XCTAssertGreaterThan(pixels(of: red, in: image).count, 0)
        // Columns strictly between x = 9 and x = 11 (exclusive of the markers) hold no ink.
        let redColumns = (0..<image.width).filter { c in (0..<image.height).contains { image[c, $0] == red.rgb } }
        let gaps = zip(redColumns, redColumns.dropFirst()).map { $1 - $0 }
        XCTAssertGreaterThan(gaps.max() ?? 0, 20, "a wide gap where the NaN was")
    }

    func testSeriesWithoutColourGetDistinctPaletteColours() {
        let plot = LinePlot(series: (0..<3).map { i in
            PlotSeries(name: "s\(i)", points: [(0, Double(i)), (1, Double(i) + 1)])
        })
        let colours = (0..<3).map { plot.color(ofSeries: $0) }
        XCTAssertEqual(Set(colours).count, 3)
        let image = plot.render()
        for c in colours { XCTAssertGreaterThan(pixels(of: c, in: image).count, 10) }
    }

    func testDegenerateInputsRenderWithoutTrapping() {
        let images = [
            LinePlot(title: "empty", series: []).render(),
            LinePlot(series: [PlotSeries(name: "nan", x: [0, 1], y: [.nan, .infinity])]).render(),
            LinePlot(series: [PlotSeries(name: "flat", x: [5, 5, 5], y: [2, 2, 2])]).render(),
            LinePlot(series: [PlotSeries(name: "one", x: [3], y: [1e9])], width: 10, height: 10).render(),
        ]
        for image in images { XCTAssertTrue(image.pixels.contains(0), "frame and text are drawn") }
    }

    func testTickLabelsShowEnoughDecimalsForTheSpan() {
        XCTAssertEqual(LinePlot.format(1000, span: 1000), "1000")
        XCTAssertEqual(LinePlot.format(0.512, span: 0.026), "0.5120")
        XCTAssertEqual(LinePlot.format(0.538, span: 0.026), "0.5380")
        XCTAssertEqual(LinePlot.format(2.5, span: 5), "2.50")
        XCTAssertEqual(LinePlot.format(-0.0001, span: 10), "0.0")
        XCTAssertEqual(LinePlot.format(3e7, span: 1), "3.00e+07")
    }
}

import Foundation

/// One named curve of a line plot; non-finite points are gaps in the line.
public struct PlotSeries: Sendable {
    public var name: String
    public var x: [Double]
    public var y: [Double]
    /// The line colour; nil takes the next entry of `Color.series`.
    public var color: Color?

    public init(name: String, x: [Double], y: [Double], color: Color? = nil) {
        precondition(x.count == y.count, "series \(name) has \(x.count) x values and \(y.count) y values")
        self.name = name
        self.x = x
        self.y = y
        self.color = color
    }

    public init(name: String, points: [(Double, Double)], color: Color? = nil) {
        self.init(name: name, x: points.map(\.0), y: points.map(\.1), color: color)
    }
}

/// A line chart of several series on shared axes, rendered with the bitmap font: title, axis box,
/// min/mid/max tick labels on both axes, a legend; e.g. reward and gold metrics against step.
public struct LinePlot: Sendable {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [PlotSeries]
    public var width: Int
    public var height: Int
    public var background: Color

    public init(title: String = "", xLabel: String = "", yLabel: String = "", series: [PlotSeries],
                width: Int = 480, height: Int = 320, background: Color = .white) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.width = width
        self.height = height
        self.background = background
    }

    /// The colour series `index` is drawn in.
    public func color(ofSeries index: Int) -> Color {
        series[index].color ?? Color.series[index % Color.series.count]
    }

    /// Renders the plot; with no finite points it still draws the frame and says "no data".
    public func render() -> Image {
        let w = max(width, 120), h = max(height, 90)
        var image = Image(width: w, height: h, fill: background.rgb)
        let text = BitmapFont.glyphHeight, line = BitmapFont.lineHeight, margin = 8

        // Data ranges from finite points only.
        var xs: [Double] = [], ys: [Double] = []
        for s in series {
            for (x, y) in zip(s.x, s.y) where x.isFinite && y.isFinite { xs.append(x); ys.append(y) }
        }
        let hasData = !xs.isEmpty
        let (xMin, xMax) = Self.widened(xs.min() ?? 0, xs.max() ?? 1)
        let (yDataMin, yDataMax) = Self.widened(ys.min() ?? 0, ys.max() ?? 1)
        // 5% headroom keeps extreme points off the frame, where they would hide in the box line.
        let yPad = 0.05 * (yDataMax - yDataMin)
        let (yLow, yHigh) = (yDataMin - yPad, yDataMax + yPad)
        let xTicks = [xMin, (xMin + xMax) / 2, xMax]
        let yTicks = [yDataMin, (yDataMin + yDataMax) / 2, yDataMax]
        let xTickLabels = xTicks.map { Self.format($0, span: xMax - xMin) }
        let yTickLabels = yTicks.map { Self.format($0, span: yDataMax - yDataMin) }

        // Legend entries: 14 px swatch, 4 px, name, 12 px to the next; wrapped into rows.
        let named = series.indices.filter { !series[$0].name.isEmpty }
        let titleScale = w >= 360 ? 2 : 1
        let top = margin + (title.isEmpty ? 0 : text * titleScale + 6) + (yLabel.isEmpty ? 0 : line + 2)
        let left = margin + (yTickLabels.map { BitmapFont.textWidth($0) }.max() ?? 0) + 6
        let right = margin + BitmapFont.textWidth(xTickLabels[2]) / 2
        let plotWidth = w - left - right
        var legendRows: [[(index: Int, x: Int)]] = [[]]
        var cursor = 0
        for i in named {
            let itemWidth = 18 + BitmapFont.textWidth(series[i].name)
            if cursor > 0 && cursor + itemWidth > plotWidth { legendRows.append([]); cursor = 0 }
            legendRows[legendRows.count - 1].append((i, cursor))
            cursor += itemWidth + 12
        }
        let legendHeight = named.isEmpty ? 0 : legendRows.count * (line + 3)
        let bottom = margin + (text + 4) + (xLabel.isEmpty ? 0 : line + 2) + (legendHeight > 0 ? legendHeight + 4 : 0)
        let plotHeight = h - top - bottom
        let box = (x: left, y: top, width: plotWidth, height: plotHeight)

        func px(_ x: Double) -> Int {
            box.x + Int(((x - xMin) / (xMax - xMin) * Double(box.width - 1)).rounded())
        }
        func py(_ y: Double) -> Int {
            box.y + box.height - 1 - Int(((y - yLow) / (yHigh - yLow) * Double(box.height - 1)).rounded())
        }

        // Title, y-axis label above the axis, frame with faint grid lines at the ticks.
        if !title.isEmpty {
            let x = (w - BitmapFont.textWidth(title, scale: titleScale)) / 2
            BitmapFont.drawText(title, on: &image, x: max(margin, x), y: margin, color: .black, scale: titleScale)
        }
        if !yLabel.isEmpty {
            BitmapFont.drawText(yLabel, on: &image, x: max(margin, box.x - 4), y: box.y - line - 2, color: .black)
        }
        for (k, value) in yTicks.enumerated() {
            let y = py(value)
            image.drawLine(from: (box.x, y), to: (box.x + box.width - 1, y), color: .lightGray)
            let label = yTickLabels[k]
            BitmapFont.drawText(label, on: &image, x: box.x - 6 - BitmapFont.textWidth(label), y: y - text / 2, color: .black)
            image.drawLine(from: (box.x - 3, y), to: (box.x - 1, y), color: .black)
        }
        for (k, value) in xTicks.enumerated() {
            let x = px(value)
            if k == 1 { image.drawLine(from: (x, box.y), to: (x, box.y + box.height - 1), color: .lightGray) }
            let label = xTickLabels[k]
            let labelX = min(max(x - BitmapFont.textWidth(label) / 2, 0), w - BitmapFont.textWidth(label))
            BitmapFont.drawText(label, on: &image, x: labelX, y: box.y + box.height + 4, color: .black)
            image.drawLine(from: (x, box.y + box.height), to: (x, box.y + box.height + 2), color: .black)
        }
        if !xLabel.isEmpty {
            let x = box.x + (box.width - BitmapFont.textWidth(xLabel)) / 2
            BitmapFont.drawText(xLabel, on: &image, x: x, y: box.y + box.height + 4 + line + 2, color: .black)
        }
        Self.frame(&image, box)
        if !hasData {
            let message = "no data"
            BitmapFont.drawText(message, on: &image, x: box.x + (box.width - BitmapFont.textWidth(message)) / 2,
                                y: box.y + box.height / 2 - text / 2, color: .gray)
        }

        // Series, clipped to the inside of the frame; isolated points and short series get
        // square markers so that a single logged value is still visible.
        let inside = (x: box.x + 1, y: box.y + 1, width: box.width - 2, height: box.height - 2)
        for (i, s) in series.enumerated() {
            let color = color(ofSeries: i)
            let finite = zip(s.x, s.y).filter { $0.0.isFinite && $0.1.isFinite }.count
            var previous: (x: Int, y: Int)? = nil
            for k in s.x.indices {
                guard s.x[k].isFinite && s.y[k].isFinite else { previous = nil; continue }
                let point = (x: px(s.x[k]), y: py(s.y[k]))
                if let p = previous {
                    image.drawLine(from: p, to: point, color: color, thickness: 2, clip: inside)
                }
                let nextFinite = k + 1 < s.x.count && s.x[k + 1].isFinite && s.y[k + 1].isFinite
                if finite <= 25 || (previous == nil && !nextFinite) {
                    image.drawLine(from: point, to: point, color: color, thickness: 4, clip: inside)
                }
                previous = point
            }
        }

        // Legend under the x axis.
        var legendY = h - margin - legendHeight + 1
        for row in legendRows where !row.isEmpty {
            for (index, offset) in row {
                let x = box.x + offset, mid = legendY + text / 2
                image.drawLine(from: (x, mid), to: (x + 13, mid), color: color(ofSeries: index), thickness: 3)
                BitmapFont.drawText(series[index].name, on: &image, x: x + 18, y: legendY, color: .black)
            }
            legendY += line + 3
        }
        return image
    }

    private static func frame(_ image: inout Image, _ box: (x: Int, y: Int, width: Int, height: Int)) {
        let x1 = box.x + box.width - 1, y1 = box.y + box.height - 1
        image.drawLine(from: (box.x, box.y), to: (x1, box.y), color: .black)
        image.drawLine(from: (box.x, y1), to: (x1, y1), color: .black)
        image.drawLine(from: (box.x, box.y), to: (box.x, y1), color: .black)
        image.drawLine(from: (x1, box.y), to: (x1, y1), color: .black)
    }

    /// A degenerate range (one distinct value) is widened so the value sits mid-axis.
    static func widened(_ low: Double, _ high: Double) -> (Double, Double) {
        if high > low { return (low, high) }
        let pad = low == 0 ? 1 : abs(low) * 0.1
        return (low - pad, high + pad)
    }

    /// Tick text with as many decimals as the axis span needs to tell min from max apart.
    static func format(_ value: Double, span: Double) -> String {
        let magnitude = abs(value)
        if magnitude != 0 && (magnitude >= 1e6 || magnitude < 1e-4) { return String(format: "%.2e", value) }
        let decimals = span > 0 ? max(0, min(6, 2 - Int(floor(log10(span))))) : 3
        let text = String(format: "%.\(decimals)f", value)
        return text.hasPrefix("-") && text.allSatisfy({ "-0.".contains($0) }) ? String(text.dropFirst()) : text
    }
}

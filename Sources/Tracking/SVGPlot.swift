import Foundation

/// A small line plot rendered as inline SVG text (no script, no font files): series of (x, y)
/// points with optional interval bands, axes with round-number ticks, a legend. Missing or
/// non-finite y values break a line rather than drawing it through zero.
public struct SVGPlot {
    public struct Series {
        public var name: String
        public var xs: [Double]
        public var ys: [Double?]
        /// Lower and upper edges of a shaded band (a confidence interval), index-aligned with xs.
        public var band: (low: [Double?], high: [Double?])?
        /// Draw a dot at each point (sparse series such as evaluations).
        public var markers: Bool
        public var dashed: Bool
        public var color: String?

        public init(_ name: String, xs: [Double], ys: [Double?], band: (low: [Double?], high: [Double?])? = nil,
                    markers: Bool = false, dashed: Bool = false, color: String? = nil) {
            self.name = name; self.xs = xs; self.ys = ys; self.band = band
            self.markers = markers; self.dashed = dashed; self.color = color
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    public var width = 430.0, height = 280.0
    /// A horizontal reference line (e.g. 0 for paired differences).
    public var referenceY: Double?

    /// Tableau 10: distinguishable and readable when printed.
    public static let palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                 "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]

    public init(title: String, xLabel: String, yLabel: String = "", series: [Series]) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.series = series
    }

    /// True when no series has a finite point (the caller may leave the plot out).
    public var isEmpty: Bool {
        !series.contains { s in zip(s.xs, s.ys).contains { $0.0.isFinite && ($0.1?.isFinite ?? false) } }
    }

    public func svg() -> String {
        // Legend rows first: their count sets the top margin.
        var legend: [[(String, String, Bool)]] = [[]]
        var lineWidth = 0.0
        for (i, s) in series.enumerated() {
            let w = 22 + Double(s.name.count) * 6.2
            if lineWidth + w > width - 60, !legend[legend.count - 1].isEmpty { legend.append([]); lineWidth = 0 }
            legend[legend.count - 1].append((s.name, color(i), s.dashed)); lineWidth += w
        }
        let showLegend = series.count > 1
        let left = 58.0, right = 14.0, bottom = 40.0
        let top = 26.0 + (showLegend ? Double(legend.count) * 15 : 0)
        let plotW = width - left - right, plotH = height - top - bottom

        var xsAll: [Double] = [], ysAll: [Double] = []
        for s in series {
            for (i, x) in s.xs.enumerated() where x.isFinite {
                var any = false
                for y in [s.ys[safe: i], s.band?.low[safe: i], s.band?.high[safe: i]] {
                    if let y = y ?? nil, y.isFinite { ysAll.append(y); any = true }
                }
                if any { xsAll.append(x) }
            }
        }
        if let r = referenceY { ysAll.append(r) }
        let (x0, x1, xTicks) = SVGPlot.axis(xsAll, pad: false)
        let (y0, y1, yTicks) = SVGPlot.axis(ysAll, pad: true)
        func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * plotW }
        func py(_ y: Double) -> Double { top + plotH - (y - y0) / (y1 - y0) * plotH }

        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" "
            + "viewBox=\"0 0 \(f(width)) \(f(height))\" font-family=\"sans-serif\" font-size=\"11\" role=\"img\">\n"
        out += "<title>\(HTML.escape(title))</title>\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n"
        out += "<text x=\"\(f(width / 2))\" y=\"16\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">\(HTML.escape(title))</text>\n"
        if showLegend {
            for (row, items) in legend.enumerated() {
                var x = left
                let y = 32.0 + Double(row) * 15
                for (name, c, dashed) in items {
                    out += "<line x1=\"\(f(x))\" y1=\"\(f(y - 4))\" x2=\"\(f(x + 16))\" y2=\"\(f(y - 4))\" stroke=\"\(c)\" stroke-width=\"2.5\"\(dashed ? " stroke-dasharray=\"4 3\"" : "")/>"
                    out += "<text x=\"\(f(x + 20))\" y=\"\(f(y))\">\(HTML.escape(name))</text>\n"
                    x += 22 + Double(name.count) * 6.2
                }
            }
        }
        // Grid and ticks.
        for t in yTicks {
            out += "<line x1=\"\(f(left))\" y1=\"\(f(py(t)))\" x2=\"\(f(left + plotW))\" y2=\"\(f(py(t)))\" stroke=\"#e4e4e4\"/>"
            out += "<text x=\"\(f(left - 5))\" y=\"\(f(py(t) + 4))\" text-anchor=\"end\" fill=\"#444\">\(SVGPlot.label(t, step: yTicks))</text>\n"
        }
        for t in xTicks {
            out += "<line x1=\"\(f(px(t)))\" y1=\"\(f(top + plotH))\" x2=\"\(f(px(t)))\" y2=\"\(f(top + plotH + 4))\" stroke=\"#444\"/>"
            out += "<text x=\"\(f(px(t)))\" y=\"\(f(top + plotH + 16))\" text-anchor=\"middle\" fill=\"#444\">\(SVGPlot.label(t, step: xTicks))</text>\n"
        }
        out += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" fill=\"none\" stroke=\"#888\"/>\n"
        out += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(height - 6))\" text-anchor=\"middle\" fill=\"#222\">\(HTML.escape(xLabel))</text>\n"
        if !yLabel.isEmpty {
            out += "<text transform=\"translate(13 \(f(top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\" fill=\"#222\">\(HTML.escape(yLabel))</text>\n"
        }
        if let r = referenceY {
            out += "<line x1=\"\(f(left))\" y1=\"\(f(py(r)))\" x2=\"\(f(left + plotW))\" y2=\"\(f(py(r)))\" stroke=\"#222\" stroke-dasharray=\"2 3\"/>\n"
        }
        guard !xsAll.isEmpty else {
            out += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(top + plotH / 2))\" text-anchor=\"middle\" fill=\"#888\">no data</text>\n</svg>"
            return out
        }
        for (i, s) in series.enumerated() {
            let c = color(i)
            if let band = s.band {
                for run in SVGPlot.runs(s.xs.indices.filter { k in
                    s.xs[k].isFinite && (band.low[safe: k].flatMap { $0 }?.isFinite ?? false) && (band.high[safe: k].flatMap { $0 }?.isFinite ?? false)
                }) where run.count > 1 {
                    let upper = run.map { "\(f(px(s.xs[$0]))),\(f(py(band.high[$0]!)))" }
                    let lower = run.reversed().map { "\(f(px(s.xs[$0]))),\(f(py(band.low[$0]!)))" }
                    out += "<polygon points=\"\((upper + lower).joined(separator: " "))\" fill=\"\(c)\" fill-opacity=\"0.18\" stroke=\"none\"/>\n"
                }
            }
            let valid = s.xs.indices.filter { s.xs[$0].isFinite && (s.ys[safe: $0].flatMap { $0 }?.isFinite ?? false) }
            for run in SVGPlot.runs(valid) {
                if run.count == 1, !s.markers {   // an isolated point: a dot, since a one-point line is invisible
                    out += "<circle cx=\"\(f(px(s.xs[run[0]])))\" cy=\"\(f(py(s.ys[run[0]]!)))\" r=\"2\" fill=\"\(c)\"/>"
                    continue
                }
                let pts = run.map { "\(f(px(s.xs[$0]))),\(f(py(s.ys[$0]!)))" }.joined(separator: " ")
                out += "<polyline points=\"\(pts)\" fill=\"none\" stroke=\"\(c)\" stroke-width=\"1.8\"\(s.dashed ? " stroke-dasharray=\"5 3\"" : "")/>\n"
            }
            if s.markers {
                for k in valid { out += "<circle cx=\"\(f(px(s.xs[k])))\" cy=\"\(f(py(s.ys[k]!)))\" r=\"2.8\" fill=\"\(c)\"/>" }
                out += "\n"
            }
        }
        return out + "</svg>"
    }

    func color(_ i: Int) -> String { series[i].color ?? SVGPlot.palette[i % SVGPlot.palette.count] }

    /// Consecutive index runs of `indices` (a gap breaks the line).
    static func runs(_ indices: [Int]) -> [[Int]] {
        var out: [[Int]] = []
        for k in indices {
            if let last = out.last?.last, last == k - 1 { out[out.count - 1].append(k) } else { out.append([k]) }
        }
        return out
    }

    /// Axis range and ticks at a round step (1, 2 or 5 × 10^k), about five of them.
    static func axis(_ values: [Double], pad: Bool) -> (Double, Double, [Double]) {
        guard var lo = values.min(), var hi = values.max() else { return (0, 1, [0, 0.5, 1]) }
        if hi - lo < 1e-12 * max(1, abs(hi)) { let d = max(abs(hi) * 0.05, 1e-6); lo -= d; hi += d }
        if pad { let d = (hi - lo) * 0.06; lo -= d; hi += d }
        let raw = (hi - lo) / 5
        let mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
        var ticks: [Double] = []
        var t = ceil(lo / step) * step
        while t <= hi + step * 1e-9 { ticks.append(abs(t) < step * 1e-9 ? 0 : t); t += step }
        return (lo, hi, ticks)
    }

    /// A tick label with as many decimals as the tick step needs.
    static func label(_ v: Double, step ticks: [Double]) -> String {
        if v == 0 { return "0" }
        let step = ticks.count > 1 ? abs(ticks[1] - ticks[0]) : 1
        if abs(v) >= 1e5 || (abs(v) < 1e-3 && v != 0 && step < 1e-3) { return String(format: "%.1e", v) }
        let decimals = max(0, min(6, Int(-floor(log10(step) + 1e-9))))
        return String(format: "%.\(decimals)f", v)
    }

    private func f(_ v: Double) -> String { String(format: "%.1f", v) }
}

extension Array {
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}

import Foundation
import Imaging
import RL

/// report.png: every metric's per-arm mean against iteration with its interval drawn as two
/// faint lines, strict accuracy against training seconds, the over-optimization frontier
/// (strict accuracy against held-out proxy), and one row of images per arm at the last
/// evaluation — the first image of each grid prompt of the arm's first finished seed, so every
/// row shows the same prompts and starting noises.
struct StudyFigure {
    var report: StudyReport
    var layout: StudyLayout
    let panel = (width: 420, height: 280)

    func color(_ arm: String) -> Color {
        Color.series[(report.study.arms.firstIndex(of: arm) ?? 0) % Color.series.count]
    }

    static func tint(_ c: Color) -> Color {
        func mix(_ v: UInt8) -> UInt8 { UInt8((Int(v) * 4 + 255 * 6) / 10) }
        return Color(mix(c.r), mix(c.g), mix(c.b))
    }

    /// Mean line plus the interval's two bounds, for x values `x` aligned with `intervals`.
    func banded(_ arm: String, x: [Double], _ intervals: [Interval?], scale: Double) -> [PlotSeries] {
        let mean = intervals.map { ($0?.mean ?? .nan) * scale }
        let low = intervals.map { ($0?.low ?? .nan) * scale }, high = intervals.map { ($0?.high ?? .nan) * scale }
        let faint = StudyFigure.tint(color(arm))
        return [PlotSeries(name: "", x: x, y: low, color: faint), PlotSeries(name: "", x: x, y: high, color: faint),
                PlotSeries(name: arm, x: x, y: mean, color: color(arm))]
    }

    func plots() -> [LinePlot] {
        var out: [LinePlot] = []
        let arms = report.study.arms
        for m in report.study.metrics {
            let scale = StudyReport.isFraction(m) ? 100.0 : 1.0
            var series: [PlotSeries] = []
            for arm in arms {
                guard let a = report.arms[arm], let xs = a.metrics[m] else { continue }
                series += banded(arm, x: a.steps.map(Double.init), xs, scale: scale)
            }
            out.append(LinePlot(title: m + (scale == 100 ? " (%)" : "") + " by iteration", xLabel: "iteration",
                                series: ordered(series), width: panel.width, height: panel.height))
        }
        var timeSeries: [PlotSeries] = []
        for arm in arms {
            guard let a = report.arms[arm], let xs = a.metrics["eval_strict"] else { continue }
            timeSeries += banded(arm, x: a.seconds.map { $0?.mean ?? .nan }, xs, scale: 100)
        }
        out.append(LinePlot(title: "eval_strict (%) by train time", xLabel: "training " + report.secondsUnit,
                            series: ordered(timeSeries), width: panel.width, height: panel.height))
        var frontier: [PlotSeries] = []
        for arm in arms {
            guard let f = report.frontier[arm], !f.proxy.isEmpty else { continue }
            frontier += banded(arm, x: f.proxy, f.strict, scale: 100)
        }
        out.append(LinePlot(title: "frontier: strict (%) vs proxy", xLabel: "eval_proxy",
                            series: ordered(frontier), width: panel.width, height: panel.height))
        return out
    }

    /// Band lines first, so the means are drawn over them.
    func ordered(_ s: [PlotSeries]) -> [PlotSeries] { s.filter { $0.name.isEmpty } + s.filter { !$0.name.isEmpty } }

    /// One row per arm: the first cell of each grid row of the arm's last grid.
    func imageRows() -> (rows: [[Image]], labels: [String], headers: [String]) {
        var rows: [[Image]] = [], labels: [String] = [], headers: [String] = []
        for arm in report.study.arms {
            guard let run = report.runs.first(where: { $0.arm == arm && $0.status == .finished }) ?? report.runs.first(where: { $0.arm == arm && !$0.steps.isEmpty }),
                  let record = try? RunRecord.load(layout.run(arm, run.seed)), let step = record.gridSteps.last,
                  let grid = try? record.grid(step: step),
                  let config = try? RunRecord.readConfig(layout.run(arm, run.seed)),
                  let testPrompts = config["test_prompts"] as? String,
                  let prompts = try? TrainRun.readPrompts(testPrompts) else { continue }
            let gridPrompts = TrainRun.gridPrompts(prompts, count: 8)
            let seedsShown = min((config["eval_seeds"] as? Int) ?? 4, 4)
            let cells = StudyFigure.firstColumn(of: grid, rows: gridPrompts.count, columns: seedsShown)
            guard !cells.isEmpty else { continue }
            rows.append(cells)
            labels.append("\(arm) (seed \(run.seed), it \(step))")
            if headers.isEmpty { headers = gridPrompts }
        }
        return (rows, labels, headers)
    }

    /// The first image of every row of a `TrainRun` grid (left labels, default style: margin 4,
    /// gap 2, 128-pixel cells), located from the bottom-right corner so the title's height does
    /// not matter.
    static func firstColumn(of grid: Image, rows: Int, columns: Int, cell: Int = 128, margin: Int = 4, gap: Int = 2) -> [Image] {
        let cellsWidth = columns * cell + (columns - 1) * gap
        let rowsHeight = rows * cell + (rows - 1) * gap
        let x0 = grid.width - margin - cellsWidth, y0 = grid.height - margin - rowsHeight
        guard x0 >= 0, y0 >= 0 else { return [] }
        return (0..<rows).map { i in
            var out = Image(width: cell / 2, height: cell / 2)
            for y in 0..<(cell / 2) {
                for x in 0..<(cell / 2) {
                    // 2×2 box average: the 4× upscaled grid cell back to 2× for a compact row.
                    var sum = (0, 0, 0)
                    for dy in 0..<2 { for dx in 0..<2 {
                        let p = grid[x0 + 2 * x + dx, y0 + i * (cell + gap) + 2 * y + dy]
                        sum.0 += Int(p.0); sum.1 += Int(p.1); sum.2 += Int(p.2)
                    } }
                    out[x, y] = (UInt8(sum.0 / 4), UInt8(sum.1 / 4), UInt8(sum.2 / 4))
                }
            }
            return out
        }
    }

    func render() -> Image {
        let rendered = plots().map { $0.render() }
        let perRow = 3
        let plotRows = stride(from: 0, to: rendered.count, by: perRow).map { Array(rendered[$0..<min($0 + perRow, rendered.count)]) }
        let plotsImage = Grid.render(plotRows, title: "study \(report.study.name): mean over seeds with \(Int(report.confidence * 100))% intervals (faint)",
                                     style: GridStyle(gap: 6, margin: 8))
        let images = imageRows()
        guard !images.rows.isEmpty else { return plotsImage }
        let imagesImage = Grid.render(images.rows, rowLabels: images.labels, columnHeaders: images.headers,
                                      title: "last evaluation: same prompts and seeds in every row",
                                      style: GridStyle(gap: 2, margin: 8, maxLabelWidth: 150))
        var canvas = Image(width: max(plotsImage.width, imagesImage.width), height: plotsImage.height + imagesImage.height,
                           fill: Color.white.rgb)
        canvas.paste(plotsImage, x: 0, y: 0)
        canvas.paste(imagesImage, x: 0, y: plotsImage.height)
        return canvas
    }

    func write(to path: String) throws {
        try PNG.write(render(), to: path, text: [("study", report.study.name), ("source", report.study.source)])
    }
}

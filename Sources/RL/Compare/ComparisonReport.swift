import Foundation
import Imaging

/// `flowrl compare`: several run directories in one figure that reads without the terminal —
/// the table of final numbers, proxy reward against every gold metric, the runs' sample grids
/// side by side at a common step, and the ratio diagnostics of GRPO-Guard (DESIGN.md §3, §5).
public struct ComparisonReport: Sendable {
    public var runs: [RunRecord]
    /// Legend and header names, one per run (directory names, made unique).
    public var names: [String]
    /// Each run's colour, the same in every panel.
    public var colors: [Color]
    /// Iterations averaged for per-timestep curves and "recent" numbers.
    public var window = 10
    /// Figure width; the grids may widen it up to `maxWidth`, beyond which they are shrunk.
    public var width = 1800
    public var maxWidth = 2000
    /// Also show the grids of the first step common to all runs (above the last).
    public var includeFirstGridStep = false

    /// One run is allowed: the figure then shows how it moved (with `includeFirstGridStep`, its
    /// first and last grids side by side).
    public init(runs: [RunRecord]) throws {
        guard !runs.isEmpty else { throw CompareError.noRuns }
        self.runs = runs
        names = ComparisonReport.uniqueNames(runs)
        colors = runs.indices.map { Color.series[$0 % Color.series.count] }
    }

    /// Loads every directory (the first failing one is the error).
    public static func load(_ directories: [String]) throws -> ComparisonReport {
        guard !directories.isEmpty else { throw CompareError.noRuns }
        return try ComparisonReport(runs: directories.map(RunRecord.load))
    }

    /// The table of final numbers.
    public var table: ComparisonTable { ComparisonTable(runs: runs, names: names, window: window) }

    /// Steps that have a grid in every run, ascending.
    public var commonGridSteps: [Int] {
        var common = Set(runs[0].gridSteps)
        for run in runs.dropFirst() { common.formIntersection(run.gridSteps) }
        return common.sorted()
    }

    /// The grid steps the figure shows: the last common one, and the first if asked for.
    public var shownGridSteps: [Int] {
        let common = commonGridSteps
        guard let last = common.last else { return [] }
        return includeFirstGridStep && common.count > 1 ? [common[0], last] : [last]
    }

    /// Directory names, or `algo` where directory names clash, numbered if still not unique.
    static func uniqueNames(_ runs: [RunRecord]) -> [String] {
        let base = runs.map(\.baseName)
        var names = base.map { name in base.filter { $0 == name }.count > 1 ? nil : name }
            .enumerated().map { $1 ?? runs[$0].algo }
        for i in names.indices where names.filter({ $0 == names[i] }).count > 1 {
            let twin = names[i]
            var n = 1
            for j in names.indices where names[j] == twin { names[j] = "\(twin) #\(n)"; n += 1 }
        }
        return names
    }

    /// Renders the whole figure.
    public func render() throws -> Image {
        let margin = 16, gap = 14
        let grids = try shownGridSteps.map { step in (step, try runs.map { try $0.grid(step: step) }) }
        let gridsWidth = grids.map { $0.1.map(\.width).reduce(0, +) + gap * (runs.count - 1) }.max() ?? 0
        let W = min(maxWidth, max(width, gridsWidth + 2 * margin))
        let inner = W - 2 * margin
        var stack = Stack(width: W, margin: margin)

        stack.text("flowrl compare: " + names.joined(separator: " vs "), scale: 3)
        stack.space(6)
        for (i, run) in runs.enumerated() {
            stack.swatchLine(colors[i], "\(names[i]): \(run.algo), reward \(run.reward), \(run.lastStep) iterations  (\(run.directory))")
        }
        stack.space(10)
        let big = tableImage(scale: 2)
        let tableImage = big.width <= inner ? big : self.tableImage(scale: 1)
        let guideWidth = inner - tableImage.width - 40
        if guideWidth >= 400 {
            stack.plots([tableImage, ComparisonReport.readingGuide(width: guideWidth)], gap: 40)
        } else {
            stack.place(tableImage, x: margin)
        }

        let three = ((inner - 2 * gap) / 3, 330), four = ((inner - 3 * gap) / 4, 300)
        // Reward and three gold metrics fit one row of four; more wrap in rows of three.
        let goldCount = ComparisonTable.evalKeys(runs).filter { !ComparisonTable.isPerCategory($0) }.count
        stack.section("Proxy reward vs gold metrics: over-optimization is proxy up while gold goes down")
        stack.plots(rewardAndGoldPlots(size: goldCount == 3 ? four : three).map { $0.render() }, gap: gap)

        if grids.isEmpty {
            stack.section("Samples")
            let steps = runs.indices.map { "\(names[$0]): " + (runs[$0].gridSteps.isEmpty ? "none" : runs[$0].gridSteps.map(String.init).joined(separator: ", ")) }
            stack.text("no grid step is common to all runs; grid steps per run:\n" + steps.joined(separator: "\n"), scale: 2, indent: 8)
        }
        if runs.count == 1 && grids.count == 2 {
            // One run: where it started and where it ended, cell by cell (same prompts and seeds).
            stack.section("Samples at iterations \(grids[0].0) and \(grids[1].0): held-out prompts, same seeds")
            let images = [grids[0].1[0], grids[1].1[0]]
            let total = images.map(\.width).reduce(0, +) + gap
            let shrink = total > inner ? Double(inner) / Double(total) : 1
            stack.columns(images.map { $0.downscaled(by: shrink) }, headers: grids.map { "\(names[0]) at iteration \($0.0)" },
                          colors: [colors[0], colors[0]], gap: gap)
        } else {
            for (step, images) in grids {
                stack.section("Samples at iteration \(step): held-out prompts, same seeds in every run")
                let shrink = gridsWidth > inner ? Double(inner) / Double(gridsWidth) : 1
                stack.columns(images.map { $0.downscaled(by: shrink) }, headers: names, colors: colors, gap: gap)
            }
        }

        stack.section("Policy update: clipping, KL, and log rho per SDE step (GRPO-Guard centres the mean)")
        stack.plots(updatePlots(size: three).map { $0.render() }, gap: gap)
        stack.section("Clip split: share of rows by advantage sign and side of the clip range")
        stack.plots(clipSplitPlots(size: four).map { $0.render() }, gap: gap)
        return stack.compose()
    }

    static let guide = """
        How to read this figure
        - Over-optimization: the proxy reward keeps rising while a gold metric (strict accuracy, \
        quality, diversity on held-out prompts) falls.

        - Flow-GRPO's ratio is left-shifted: mean log rho below 0, with a spread that changes with \
        the SDE step. Under GRPO-Guard the mean sits at 0 and the spread is similar at every step.

        - Clip split: with A>0 only rho > 1+eps is clipped. If that share stays near 0 while \
        A>0, rho < 1-eps grows, positive updates go unconstrained.

        - Faint lines: every iteration; bold: moving average.
        """

    /// `guide` wrapped to `width` at text scale 2.
    static func readingGuide(width: Int) -> Image {
        let lines = BitmapFont.wrap(guide, maxWidth: width, scale: 2).joined(separator: "\n")
        var image = Image(width: width, height: BitmapFont.textHeight(lines, scale: 2), fill: Color.white.rgb)
        BitmapFont.drawText(lines, on: &image, x: 0, y: 0, color: Color(60, 60, 60), scale: 2)
        return image
    }

    /// The table of final numbers as a picture: run names in their colours, rows banded.
    func tableImage(scale: Int) -> Image {
        let table = self.table
        let rows = table.rows
        let labelChars = rows.map(\.0.count).max() ?? 0
        let columnChars = names.indices.map { j in max(names[j].count, rows.map { $0.1[j].count }.max() ?? 0) }
        let char = BitmapFont.advance * scale, line = BitmapFont.lineHeight * scale + 4 * scale
        let columnX = columnChars.indices.map { j in (labelChars + 2 + columnChars[..<j].reduce(0, +) + 2 * j) * char }
        let width = (labelChars + 2 * columnChars.count + columnChars.reduce(0, +)) * char + 2 * char
        var image = Image(width: width, height: line * (rows.count + 1), fill: Color.white.rgb)
        for (j, name) in names.enumerated() {
            BitmapFont.drawText(name, on: &image, x: char + columnX[j], y: 2 * scale, color: colors[j], scale: scale)
        }
        image.fillRect(x: 0, y: line - 2 * scale, width: width, height: scale, color: .gray)
        for (i, (label, cells)) in rows.enumerated() {
            let y = line * (i + 1)
            if i % 2 == 1 { image.fillRect(x: 0, y: y, width: width, height: line, color: Color(242, 242, 242)) }
            BitmapFont.drawText(label, on: &image, x: char, y: y + 2 * scale, color: .black, scale: scale)
            for (j, cell) in cells.enumerated() {
                BitmapFont.drawText(cell, on: &image, x: char + columnX[j], y: y + 2 * scale, color: .black, scale: scale)
            }
        }
        return image
    }

    /// Renders and writes the figure as a PNG whose text chunks name the runs.
    public func write(to path: String) throws {
        try PNG.write(try render(), to: path,
                      text: [("source", "flowrl compare"), ("runs", runs.map(\.directory).joined(separator: "\n"))])
    }
}

/// Blocks laid out top to bottom on a white page.
private struct Stack {
    let width: Int, margin: Int
    var blocks: [(image: Image, x: Int, y: Int)] = []
    var y: Int

    init(width: Int, margin: Int) {
        self.width = width; self.margin = margin; y = margin
    }

    mutating func place(_ image: Image, x: Int) {
        blocks.append((image, x, y))
        y += image.height
    }

    mutating func space(_ pixels: Int) { y += pixels }

    mutating func text(_ text: String, scale: Int, indent: Int = 0, color: Color = .black) {
        let lines = BitmapFont.wrap(text, maxWidth: width - 2 * margin - indent, scale: scale).joined(separator: "\n")
        var image = Image(width: max(1, BitmapFont.textWidth(lines, scale: scale)),
                          height: BitmapFont.textHeight(lines, scale: scale), fill: Color.white.rgb)
        BitmapFont.drawText(lines, on: &image, x: 0, y: 0, color: color, scale: scale)
        place(image, x: margin + indent)
    }

    /// A colour swatch and one line of text, as a legend entry.
    mutating func swatchLine(_ color: Color, _ line: String) {
        let scale = 2, side = BitmapFont.glyphHeight * scale
        let text = BitmapFont.wrap(line, maxWidth: width - 2 * margin - side - 8, scale: scale).joined(separator: "\n")
        var image = Image(width: width - 2 * margin, height: BitmapFont.textHeight(text, scale: scale) + 6, fill: Color.white.rgb)
        image.fillRect(x: 0, y: 0, width: side, height: side, color: color)
        BitmapFont.drawText(text, on: &image, x: side + 8, y: 0, color: .black, scale: scale)
        place(image, x: margin)
    }

    /// A section heading with a rule under it.
    mutating func section(_ title: String) {
        space(22)
        text(title, scale: 2)
        var rule = Image(width: width - 2 * margin, height: 8, fill: Color.white.rgb)
        rule.fillRect(x: 0, y: 3, width: rule.width, height: 2, color: .gray)
        place(rule, x: margin)
        space(4)
    }

    /// Images in rows, as many per row as fit.
    mutating func plots(_ images: [Image], gap: Int) {
        var x = margin, rowHeight = 0
        for image in images {
            if x > margin && x + image.width > width - margin {
                y += rowHeight + gap; x = margin; rowHeight = 0
            }
            blocks.append((image, x, y))
            x += image.width + gap
            rowHeight = max(rowHeight, image.height)
        }
        y += rowHeight
    }

    /// Images side by side, each under a coloured swatch and its header.
    mutating func columns(_ images: [Image], headers: [String], colors: [Color], gap: Int) {
        let scale = 2, side = BitmapFont.glyphHeight * scale
        var x = margin
        let headerHeight = side + 6
        for (j, image) in images.enumerated() {
            let room = max(image.width - side - 6, 1)
            let header = BitmapFont.wrap(headers[j], maxWidth: room, scale: scale).first ?? ""
            var band = Image(width: image.width, height: headerHeight, fill: Color.white.rgb)
            let textWidth = BitmapFont.textWidth(header, scale: scale)
            let left = max(0, (image.width - side - 6 - textWidth) / 2)
            band.fillRect(x: left, y: 0, width: side, height: side, color: colors[j])
            BitmapFont.drawText(header, on: &band, x: left + side + 6, y: 0, color: .black, scale: scale)
            blocks.append((band, x, y))
            blocks.append((image, x, y + headerHeight))
            x += image.width + gap
        }
        y += headerHeight + (images.map(\.height).max() ?? 0)
    }

    func compose() -> Image {
        var canvas = Image(width: width, height: y + margin, fill: Color.white.rgb)
        for block in blocks { canvas.paste(block.image, x: block.x, y: block.y) }
        return canvas
    }
}

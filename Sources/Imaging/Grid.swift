/// Where a grid's row labels are drawn.
public enum LabelPlacement: Sendable {
    /// In a column to the left of each row, wrapped to `GridStyle.maxLabelWidth`.
    case left
    /// In a band above each row, wrapped to the row's width.
    case above
}

/// Spacing, colours and text settings of a grid.
public struct GridStyle: Sendable {
    /// Pixels of background between neighbouring cells.
    public var gap: Int
    /// Pixels of background around the whole grid.
    public var margin: Int
    public var background: Color
    public var textColor: Color
    public var labelPlacement: LabelPlacement
    /// Widest a left-placed label may get before it wraps onto more lines.
    public var maxLabelWidth: Int
    /// Integer magnification of the bitmap font.
    public var textScale: Int

    public init(gap: Int = 2, margin: Int = 4, background: Color = .white, textColor: Color = .black,
                labelPlacement: LabelPlacement = .left, maxLabelWidth: Int = 200, textScale: Int = 1) {
        self.gap = gap
        self.margin = margin
        self.background = background
        self.textColor = textColor
        self.labelPlacement = labelPlacement
        self.maxLabelWidth = maxLabelWidth
        self.textScale = textScale
    }
}

/// Lays images out in labelled rows and columns: sample grids (one row per prompt) and
/// side-by-side run comparisons (one column per run).
public enum Grid {
    /// Renders `rows` (each a list of images) into one image. Cells take the size of the largest
    /// image, smaller ones are centred; short rows leave empty cells. `rowLabels[i]` labels row i,
    /// `columnHeaders[j]` heads column j, `title` goes on top; missing or empty strings draw nothing.
    public static func render(_ rows: [[Image]], rowLabels: [String] = [], columnHeaders: [String] = [],
                              title: String? = nil, style: GridStyle = GridStyle()) -> Image {
        let scale = max(1, style.textScale)
        let gap = max(0, style.gap), margin = max(0, style.margin)
        let pad = 4 * scale   // between text and the images it describes
        let cellWidth = rows.joined().map(\.width).max() ?? 0
        let cellHeight = rows.joined().map(\.height).max() ?? 0
        let columns = max(rows.map(\.count).max() ?? 0, columnHeaders.count)
        let cellsWidth = columns > 0 ? columns * cellWidth + (columns - 1) * gap : 0

        func label(_ i: Int) -> String { i < rowLabels.count ? rowLabels[i] : "" }
        let hasLabels = rowLabels.contains { !$0.isEmpty }
        let labelWrapWidth = style.labelPlacement == .left ? style.maxLabelWidth : max(cellsWidth, 1)
        let labelLines = rows.indices.map { i in
            label(i).isEmpty ? [] : BitmapFont.wrap(label(i), maxWidth: labelWrapWidth, scale: scale)
        }
        let labelColumn = (hasLabels && style.labelPlacement == .left)
            ? (labelLines.joined().map { BitmapFont.textWidth($0, scale: scale) }.max() ?? 0) + pad : 0

        // Row heights: a left label taller than the images stretches its row; an above label
        // adds a band whose height is that label's.
        let rowHeights = rows.indices.map { i -> (band: Int, total: Int) in
            let text = labelLines[i].isEmpty ? 0 : BitmapFont.textHeight(labelLines[i].joined(separator: "\n"), scale: scale)
            switch style.labelPlacement {
            case .left: return (0, max(cellHeight, text))
            case .above: return hasLabels ? (text + pad, text + pad + cellHeight) : (0, cellHeight)
            }
        }

        let headerLines = columnHeaders.map { BitmapFont.wrap($0, maxWidth: max(cellWidth, 1), scale: scale) }
        let headerBand = columnHeaders.contains { !$0.isEmpty }
            ? (headerLines.map { BitmapFont.textHeight($0.joined(separator: "\n"), scale: scale) }.max() ?? 0) + pad : 0

        let contentWidth = labelColumn + cellsWidth
        let titleScale = 2 * scale
        let titleLines = (title ?? "").isEmpty ? [] : BitmapFont.wrap(title ?? "", maxWidth: max(contentWidth, 1), scale: titleScale)
        let titleBand = titleLines.isEmpty ? 0 : BitmapFont.textHeight(titleLines.joined(separator: "\n"), scale: titleScale) + pad
        let titleWidth = titleLines.map { BitmapFont.textWidth($0, scale: titleScale) }.max() ?? 0

        let rowsHeight = rowHeights.map(\.total).reduce(0, +) + max(0, rows.count - 1) * gap
        let width = 2 * margin + max(contentWidth, titleWidth)
        let height = 2 * margin + titleBand + headerBand + rowsHeight
        var canvas = Image(width: max(width, 1), height: max(height, 1), fill: style.background.rgb)

        var y = margin
        if !titleLines.isEmpty {
            drawCentered(titleLines, on: &canvas, centerX: width / 2, y: y, color: style.textColor, scale: titleScale)
            y += titleBand
        }
        let cellsX = margin + labelColumn
        for (j, lines) in headerLines.enumerated() where !lines.isEmpty {
            let centerX = cellsX + j * (cellWidth + gap) + cellWidth / 2
            drawCentered(lines, on: &canvas, centerX: centerX, y: y, color: style.textColor, scale: scale)
        }
        y += headerBand

        for (i, row) in rows.enumerated() {
            let (band, total) = rowHeights[i]
            let text = labelLines[i].joined(separator: "\n")
            let cellsTop = y + band
            if !text.isEmpty {
                switch style.labelPlacement {
                case .left:
                    let textTop = y + (total - BitmapFont.textHeight(text, scale: scale)) / 2
                    BitmapFont.drawText(text, on: &canvas, x: margin, y: textTop, color: style.textColor, scale: scale)
                case .above:
                    BitmapFont.drawText(text, on: &canvas, x: cellsX, y: y, color: style.textColor, scale: scale)
                }
            }
            for (j, image) in row.enumerated() {
                let x = cellsX + j * (cellWidth + gap) + (cellWidth - image.width) / 2
                canvas.paste(image, x: x, y: cellsTop + (cellHeight - image.height) / 2)
            }
            y += total + gap
        }
        return canvas
    }

    private static func drawCentered(_ lines: [String], on canvas: inout Image, centerX: Int, y: Int,
                                     color: Color, scale: Int) {
        for (k, line) in lines.enumerated() {
            let x = centerX - BitmapFont.textWidth(line, scale: scale) / 2
            BitmapFont.drawText(line, on: &canvas, x: x, y: y + k * BitmapFont.lineHeight * scale,
                                color: color, scale: scale)
        }
    }
}

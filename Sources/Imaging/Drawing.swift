/// Pixel-level drawing primitives shared by the font, grids and plots; all of them clip.
extension Image {
    /// Sets one pixel if it lies inside the image; drawing code clips through this.
    @inlinable
    public mutating func plot(_ x: Int, _ y: Int, _ color: Color) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let i = 3 * (y * width + x)
        pixels[i] = color.r
        pixels[i + 1] = color.g
        pixels[i + 2] = color.b
    }

    /// Fills the rectangle [x, x+w) × [y, y+h), clipped to the image.
    public mutating func fillRect(x: Int, y: Int, width w: Int, height h: Int, color: Color) {
        let x0 = max(0, x), y0 = max(0, y), x1 = min(width, x + w), y1 = min(height, y + h)
        guard x0 < x1, y0 < y1 else { return }
        for yy in y0..<y1 {
            for xx in x0..<x1 { plot(xx, yy, color) }
        }
    }

    /// Copies `source` with its top-left corner at (x, y), clipped to this image.
    public mutating func paste(_ source: Image, x: Int, y: Int) {
        let x0 = max(0, x), x1 = min(width, x + source.width)
        guard x0 < x1 else { return }
        let rowBytes = 3 * (x1 - x0)
        source.pixels.withUnsafeBufferPointer { src in
            pixels.withUnsafeMutableBufferPointer { dst in
                for sy in 0..<source.height {
                    let dy = y + sy
                    guard dy >= 0, dy < height else { continue }
                    let from = src.baseAddress! + 3 * (sy * source.width + (x0 - x))
                    let to = dst.baseAddress! + 3 * (dy * width + x0)
                    to.update(from: from, count: rowBytes)
                }
            }
        }
    }

    /// Draws a line (Bresenham) with a square pen `thickness` pixels wide, keeping only pixels
    /// inside `clip` when given (x, y, width, height).
    public mutating func drawLine(from p0: (x: Int, y: Int), to p1: (x: Int, y: Int), color: Color,
                                  thickness: Int = 1, clip: (x: Int, y: Int, width: Int, height: Int)? = nil) {
        let dx = abs(p1.x - p0.x), dy = -abs(p1.y - p0.y)
        let sx = p0.x < p1.x ? 1 : -1, sy = p0.y < p1.y ? 1 : -1
        var x = p0.x, y = p0.y, err = dx + dy
        let offset = (thickness - 1) / 2
        while true {
            for py in (y - offset)..<(y - offset + thickness) {
                for px in (x - offset)..<(x - offset + thickness) {
                    if let c = clip, px < c.x || py < c.y || px >= c.x + c.width || py >= c.y + c.height { continue }
                    plot(px, py, color)
                }
            }
            if x == p1.x && y == p1.y { break }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x += sx }
            if e2 <= dx { err += dx; y += sy }
        }
    }
}

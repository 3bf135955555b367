import Imaging

extension Image {
    /// Area-averaged shrink by `factor` in (0, 1]: each output pixel is the mean of the source area
    /// it covers, so text and thin edges of a grid fade instead of breaking up the way
    /// nearest-neighbour sampling would break them.
    func downscaled(by factor: Double) -> Image {
        guard factor < 1 else { return self }
        let w = max(1, Int((Double(width) * factor).rounded())), h = max(1, Int((Double(height) * factor).rounded()))
        let columns = Image.coverage(from: width, to: w), rows = Image.coverage(from: height, to: h)
        // Separable: rows first into a float buffer (source height × output width), then columns.
        var horizontal = [Float](repeating: 0, count: height * w * 3)
        pixels.withUnsafeBufferPointer { src in
            horizontal.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    let s = src.baseAddress! + y * width * 3, d = dst.baseAddress! + y * w * 3
                    for (x, taps) in columns.enumerated() {
                        var r: Float = 0, g: Float = 0, b: Float = 0
                        for (i, weight) in taps {
                            r += weight * Float(s[3 * i]); g += weight * Float(s[3 * i + 1]); b += weight * Float(s[3 * i + 2])
                        }
                        d[3 * x] = r; d[3 * x + 1] = g; d[3 * x + 2] = b
                    }
                }
            }
        }
        var out = [UInt8](repeating: 0, count: w * h * 3)
        horizontal.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for (y, taps) in rows.enumerated() {
                    let d = dst.baseAddress! + y * w * 3
                    for c in 0..<(w * 3) {
                        var v: Float = 0
                        for (i, weight) in taps { v += weight * src[i * w * 3 + c] }
                        d[c] = UInt8(max(0, min(255, v.rounded())))
                    }
                }
            }
        }
        return Image(width: w, height: h, pixels: out)
    }

    /// For each of `n` output pixels, the source pixels of the `m` it covers and their weights
    /// (overlap lengths, normalized to sum to 1).
    private static func coverage(from m: Int, to n: Int) -> [[(Int, Float)]] {
        let scale = Double(m) / Double(n)
        return (0..<n).map { j in
            let start = Double(j) * scale, end = Double(j + 1) * scale
            var taps: [(Int, Float)] = []
            for i in Int(start)..<min(m, Int(end.rounded(.up))) {
                let overlap = min(end, Double(i + 1)) - max(start, Double(i))
                if overlap > 0 { taps.append((i, Float(overlap / scale))) }
            }
            return taps
        }
    }
}

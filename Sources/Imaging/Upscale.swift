extension Image {
    /// Nearest-neighbour upscaling by an integer factor (each pixel becomes factor × factor),
    /// so that 32×32 samples stay crisp at 128×128 in grids.
    public func upscaled(by factor: Int) -> Image {
        precondition(factor >= 1, "upscale factor must be at least 1, got \(factor)")
        if factor == 1 { return self }
        let outWidth = width * factor, outHeight = height * factor
        var out = [UInt8](repeating: 0, count: outWidth * outHeight * 3)
        // Build each output row once, then copy it factor − 1 times: rows are the unit of work.
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                guard let s = src.baseAddress, let d = dst.baseAddress else { return }
                let outRow = outWidth * 3
                for y in 0..<height {
                    let row = d + y * factor * outRow
                    for x in 0..<width {
                        let p = s + 3 * (y * width + x)
                        var q = row + 3 * x * factor
                        for _ in 0..<factor {
                            q[0] = p[0]; q[1] = p[1]; q[2] = p[2]
                            q += 3
                        }
                    }
                    for r in 1..<factor { (row + r * outRow).update(from: row, count: outRow) }
                }
            }
        }
        return Image(width: outWidth, height: outHeight, pixels: out)
    }
}

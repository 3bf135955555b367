/// Unfolds the k×k neighbourhood of every pixel of a (B, H, W, C) map into a row, so that a
/// stride-1 "same" convolution becomes one `Linear` (one sgemm) over the rows. Outside the map
/// counts as zero (padding k / 2). A row is ordered (ky, kx, channel), like a `Patchify` patch.
enum Im2Col {
    /// inp (B, H, W, C) → out (B, H·W, k·k·C).
    static func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, B: Int, H: Int, W: Int, C: Int, k: Int) {
        let pad = k / 2, row = k * k * C
        for b in 0..<B {
            let img = inp + b * H * W * C
            for y in 0..<H {
                for x in 0..<W {
                    let dst = out + ((b * H + y) * W + x) * row
                    for ky in 0..<k {
                        let yy = y + ky - pad
                        for kx in 0..<k {
                            let xx = x + kx - pad, d = dst + (ky * k + kx) * C
                            if yy < 0 || yy >= H || xx < 0 || xx >= W {
                                d.update(repeating: 0, count: C)
                            } else {
                                d.update(from: img + (yy * W + xx) * C, count: C)
                            }
                        }
                    }
                }
            }
        }
    }

    /// The adjoint: dout (B, H·W, k·k·C) → dinp (B, H, W, C) += every row entry back at its pixel.
    static func backward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, B: Int, H: Int, W: Int, C: Int, k: Int) {
        let pad = k / 2, row = k * k * C
        for b in 0..<B {
            let img = dinp + b * H * W * C
            for y in 0..<H {
                for x in 0..<W {
                    let src = dout + ((b * H + y) * W + x) * row
                    for ky in 0..<k {
                        let yy = y + ky - pad
                        guard yy >= 0 && yy < H else { continue }
                        for kx in 0..<k {
                            let xx = x + kx - pad
                            guard xx >= 0 && xx < W else { continue }
                            let s = src + (ky * k + kx) * C, d = img + (yy * W + xx) * C
                            for c in 0..<C { d[c] += s[c] }
                        }
                    }
                }
            }
        }
    }
}

import Tensor

/// adaLN modulation (DiT): the conditioning vector of each sample gives a shift and a scale that
/// act on every token of that sample. shift/scale rows belong to one sample each and are read
/// with row stride `condStride` (they are slices of one (B, 6C) adaLN output).
public enum Modulate {
    /// inp (B, T, C), shift (B, C), scale (B, C) → out (B, T, C) = inp · (1 + scale) + shift
    public static func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                               shift: UnsafePointer<Float>, scale: UnsafePointer<Float>, condStride: Int,
                               B: Int, T: Int, C: Int) {
        for b in 0..<B {
            let sh = shift + b * condStride
            let sc = scale + b * condStride
            for t in 0..<T {
                let base = (b * T + t) * C
                let x = inp + base
                let y = out + base
                for c in 0..<C { y[c] = x[c] * (1 + sc[c]) + sh[c] }
            }
        }
    }

    /// dinp (B, T, C) += dout · (1 + scale);  dshift (B, C) += Σ_t dout;  dscale (B, C) += Σ_t dout · inp.
    /// dshift/dscale use the same row stride `condStride`.
    public static func backward(dinp: UnsafeMutablePointer<Float>, dshift: UnsafeMutablePointer<Float>,
                                dscale: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                                inp: UnsafePointer<Float>, scale: UnsafePointer<Float>, condStride: Int,
                                B: Int, T: Int, C: Int) {
        for b in 0..<B {
            let sc = scale + b * condStride
            let dsh = dshift + b * condStride
            let dsc = dscale + b * condStride
            for t in 0..<T {
                let base = (b * T + t) * C
                let x = inp + base
                let dy = dout + base
                let dx = dinp + base
                for c in 0..<C {
                    dx[c] += dy[c] * (1 + sc[c])
                    dsh[c] += dy[c]
                    dsc[c] += dy[c] * x[c]
                }
            }
        }
    }
}

/// The gated residual add of an adaLN-Zero block: residual += gate ⊙ inp, gate per sample.
public enum GatedResidual {
    /// residual (B, T, C) += gate (B, C; row stride condStride) · inp (B, T, C)
    public static func forward(residual: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                               gate: UnsafePointer<Float>, condStride: Int, B: Int, T: Int, C: Int) {
        for b in 0..<B {
            let g = gate + b * condStride
            for t in 0..<T {
                let base = (b * T + t) * C
                let x = inp + base
                let r = residual + base
                for c in 0..<C { r[c] += g[c] * x[c] }
            }
        }
    }

    /// Given dresidual (B, T, C) (the gradient flowing through the residual stream):
    /// dinp (B, T, C) += gate · dresidual;  dgate (B, C) += Σ_t dresidual · inp.
    public static func backward(dinp: UnsafeMutablePointer<Float>, dgate: UnsafeMutablePointer<Float>,
                                dresidual: UnsafePointer<Float>, inp: UnsafePointer<Float>,
                                gate: UnsafePointer<Float>, condStride: Int, B: Int, T: Int, C: Int) {
        for b in 0..<B {
            let g = gate + b * condStride
            let dg = dgate + b * condStride
            for t in 0..<T {
                let base = (b * T + t) * C
                let x = inp + base
                let dr = dresidual + base
                let dx = dinp + base
                for c in 0..<C {
                    dx[c] += g[c] * dr[c]
                    dg[c] += dr[c] * x[c]
                }
            }
        }
    }
}

import Foundation
import Tensor

/// Token embeddings: a learned table indexed by integer ids.
public enum TokenEmbedding {
    /// tokens (N) ids in 0..<V → out (N, C) = table[tokens]; table (V, C).
    public static func forward(out: UnsafeMutablePointer<Float>, tokens: UnsafePointer<Int32>,
                               table: UnsafePointer<Float>, N: Int, C: Int) {
        for n in 0..<N {
            // Ids come from the tokenizer, which only emits ids of its own vocabulary.
            let id = Int(tokens[n])
            precondition(id >= 0, "token id \(id) at position \(n) is negative")
            (out + n * C).update(from: table + id * C, count: C)
        }
    }
    /// dtable (V, C) += scatter of dout (N, C) rows at tokens.
    public static func backward(dtable: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                                tokens: UnsafePointer<Int32>, N: Int, C: Int) {
        for n in 0..<N {
            let row = dtable + Int(tokens[n]) * C, g = dout + n * C
            for c in 0..<C { row[c] += g[c] }
        }
    }
}

/// Position embeddings added to every sample of a batch.
public enum PositionEmbedding {
    /// x (B, T, C) += pos (T, C). Sample b starts at x + b·sampleStride (default T·C), so the
    /// positions can cover a slice of a longer joint sequence (the image part of text+image).
    public static func forward(x: UnsafeMutablePointer<Float>, pos: UnsafePointer<Float>,
                               B: Int, T: Int, C: Int, sampleStride: Int? = nil) {
        let stride = sampleStride ?? T * C
        precondition(stride >= T * C, "sample stride \(stride) is shorter than T·C = \(T * C)")
        for b in 0..<B {
            let xb = x + b * stride
            for i in 0..<(T * C) { xb[i] += pos[i] }
        }
    }
    /// dpos (T, C) += Σ_b dx[b].  `sampleStride` as in forward: elements between samples (default T·C).
    public static func backward(dpos: UnsafeMutablePointer<Float>, dx: UnsafePointer<Float>,
                                B: Int, T: Int, C: Int, sampleStride: Int? = nil) {
        let stride = sampleStride ?? T * C
        precondition(stride >= T * C, "sample stride \(stride) is shorter than T·C = \(T * C)")
        for b in 0..<B {
            let db = dx + b * stride
            for i in 0..<(T * C) { dpos[i] += db[i] }
        }
    }

    /// The fixed 2-D sin-cos table of DiT/MAE for a gh × gw grid: (gh·gw, C), C divisible by 4.
    /// Half the channels encode the row, half the column. Used to initialise image positions.
    ///
    /// Bit-for-bit the layout of MAE's `get_2d_sincos_pos_embed` (which DiT copies): there
    /// `meshgrid(grid_w, grid_h)` puts the column index in `grid[0]`, so despite the name `emb_h`
    /// the FIRST C/2 channels encode the column and the last C/2 the row. Each half is
    /// [sin(pos·ω_i) for i < C/4, cos(pos·ω_i) for i < C/4] with ω_i = 1 / 10000^(i / (C/4)).
    /// Grid cell (r, c) is row r·gw + c, matching Patchify's row-major patch order.
    public static func sinCos2D(C: Int, gh: Int, gw: Int) -> [Float] {
        precondition(C % 4 == 0, "2-D sin-cos embedding needs a width divisible by 4, got \(C)")
        let quarter = C / 4
        // Frequencies and angles in double: positions up to ~100 times ω near 1 lose digits in float.
        let omega = (0..<quarter).map { 1 / pow(10000.0, Double($0) / Double(quarter)) }
        var table = [Float](repeating: 0, count: gh * gw * C)
        for r in 0..<gh {
            for c in 0..<gw {
                let base = (r * gw + c) * C
                for (half, pos) in [Double(c), Double(r)].enumerated() {
                    let o = base + half * 2 * quarter
                    for i in 0..<quarter {
                        table[o + i] = Float(sin(pos * omega[i]))
                        table[o + quarter + i] = Float(cos(pos * omega[i]))
                    }
                }
            }
        }
        return table
    }
}

/// Sinusoidal features of a scalar time (σ scaled by 1000 as in DiT): (B) → (B, F),
/// half cosines and half sines at geometrically spaced frequencies (max period 10000).
public enum TimestepFeatures {
    /// t (B) → out (B, F) = [cos(scale·t·f_i), sin(scale·t·f_i)] with f_i = exp(−ln(10000)·i/(F/2)),
    /// as DiT's `timestep_embedding`; an odd F gets a trailing zero column, as there.
    public static func forward(out: UnsafeMutablePointer<Float>, t: UnsafePointer<Float>, B: Int, F: Int,
                               scale: Float = 1000) {
        let half = F / 2
        for b in 0..<B {
            let row = out + b * F
            // Arguments reach ~1000 rad, where float32 sin/cos lose ~4 digits; double keeps them.
            let tb = Double(scale) * Double(t[b])
            for i in 0..<half {
                let arg = tb * exp(-log(10000.0) * Double(i) / Double(half))
                row[i] = Float(cos(arg))
                row[half + i] = Float(sin(arg))
            }
            if F % 2 == 1 { row[F - 1] = 0 }
        }
    }
}

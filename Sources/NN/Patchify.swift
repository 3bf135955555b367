import Tensor

/// Cuts images into non-overlapping p×p patches and puts them back (ViT/DiT patch embedding
/// without the linear layer; the linear part is a `Linear` on the patch vectors).
/// A patch vector is ordered (py, px, channel), matching a (H, W, C) image.
public enum Patchify {
    /// inp (B, H, W, C) → out (B, (H/p)·(W/p), p·p·C), patches in row-major order.
    public static func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                               B: Int, H: Int, W: Int, C: Int, p: Int) {
        precondition(H % p == 0 && W % p == 0, "image \(H)×\(W) is not divisible into \(p)×\(p) patches")
        let gh = H / p, gw = W / p
        let run = p * C  // one patch row (px, channel) is contiguous in both layouts
        for b in 0..<B {
            let img = inp + b * H * W * C
            let pat = out + b * gh * gw * p * run
            for gy in 0..<gh {
                for gx in 0..<gw {
                    let dst = pat + (gy * gw + gx) * p * run
                    for py in 0..<p {
                        let src = img + ((gy * p + py) * W + gx * p) * C
                        (dst + py * run).update(from: src, count: run)
                    }
                }
            }
        }
    }

    /// The inverse: patches (B, (H/p)·(W/p), p·p·C) → image (B, H, W, C). It is also Patchify's
    /// backward (a permutation's adjoint is its inverse), with `accumulate` adding into out.
    public static func unpatchify(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                                  B: Int, H: Int, W: Int, C: Int, p: Int, accumulate: Bool = false) {
        precondition(H % p == 0 && W % p == 0, "image \(H)×\(W) is not divisible into \(p)×\(p) patches")
        let gh = H / p, gw = W / p
        let run = p * C
        for b in 0..<B {
            let img = out + b * H * W * C
            let pat = inp + b * gh * gw * p * run
            for gy in 0..<gh {
                for gx in 0..<gw {
                    let src = pat + (gy * gw + gx) * p * run
                    for py in 0..<p {
                        let dst = img + ((gy * p + py) * W + gx * p) * C
                        let s = src + py * run
                        if accumulate {
                            for i in 0..<run { dst[i] += s[i] }
                        } else {
                            dst.update(from: s, count: run)
                        }
                    }
                }
            }
        }
    }

    /// dout (B, Np, p·p·C) → dinp (B, H, W, C) +=.
    public static func backward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                                B: Int, H: Int, W: Int, C: Int, p: Int) {
        unpatchify(out: dinp, inp: dout, B: B, H: H, W: W, C: C, p: p, accumulate: true)
    }
}

import Foundation
import Imaging
import Tensor
import Shapes

/// Degradations that imitate what a generative model draws: soft edges, pixel noise, specks.
enum Degradations {
    /// A separable Gaussian blur of standard deviation `sigma` px, edges clamped.
    static func blur(_ image: Image, sigma: Float) -> Image {
        guard sigma > 0 else { return image }
        let radius = Int((3 * sigma).rounded(.up))
        let s2 = 2 * Double(sigma) * Double(sigma)
        var kernel = [Float](repeating: 0, count: 2 * radius + 1)
        for k in -radius...radius { kernel[k + radius] = Float(exp(-Double(k * k) / s2)) }
        let total = kernel.reduce(0, +)
        for i in kernel.indices { kernel[i] /= total }
        let w = image.width, h = image.height, n = w * h * 3
        var a = [Float](repeating: 0, count: n), b = a
        for i in 0..<n { a[i] = Float(image.pixels[i]) }
        // Horizontal pass a → b, vertical pass b → a.
        a.withUnsafeMutableBufferPointer { a in
            b.withUnsafeMutableBufferPointer { b in
                kernel.withUnsafeBufferPointer { k in
                    for y in 0..<h {
                        for x in 0..<w {
                            var r: Float = 0, g: Float = 0, bl: Float = 0
                            for t in -radius...radius {
                                let j = 3 * (y * w + min(max(x + t, 0), w - 1)), kv = k[t + radius]
                                r += kv * a[j]; g += kv * a[j + 1]; bl += kv * a[j + 2]
                            }
                            let o = 3 * (y * w + x)
                            b[o] = r; b[o + 1] = g; b[o + 2] = bl
                        }
                    }
                    for y in 0..<h {
                        for x in 0..<w {
                            var r: Float = 0, g: Float = 0, bl: Float = 0
                            for t in -radius...radius {
                                let j = 3 * (min(max(y + t, 0), h - 1) * w + x), kv = k[t + radius]
                                r += kv * b[j]; g += kv * b[j + 1]; bl += kv * b[j + 2]
                            }
                            let o = 3 * (y * w + x)
                            a[o] = r; a[o + 1] = g; a[o + 2] = bl
                        }
                    }
                }
            }
        }
        return Image(width: w, height: h, pixels: quantize(a))
    }

    /// Adds Gaussian noise of standard deviation `std` on the [0, 1] scale, clipped.
    static func noise(_ image: Image, std: Float, rng: inout RNG) -> Image {
        guard std > 0 else { return image }
        var v = [Float](repeating: 0, count: image.pixels.count)
        rng.fillNormal(&v, std: std * 255)
        for i in v.indices { v[i] += Float(image.pixels[i]) }
        return Image(width: image.width, height: image.height, pixels: quantize(v))
    }

    /// Paints `count` squares of side 1–3 px in random palette colours at random places.
    static func speckles(_ image: Image, count: Int, rng: inout RNG) -> Image {
        var out = image
        for _ in 0..<count {
            let side = 1 + rng.int(below: 3)
            let color = ObjectColor.allCases[rng.int(below: ObjectColor.allCases.count)].rgb
            let x0 = rng.int(below: image.width - side + 1), y0 = rng.int(below: image.height - side + 1)
            for y in y0..<(y0 + side) { for x in x0..<(x0 + side) { out[x, y] = color } }
        }
        return out
    }

    static func quantize(_ v: [Float]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: v.count)
        for i in v.indices { out[i] = UInt8(min(max(v[i] + 0.5, 0), 255)) }
        return out
    }
}

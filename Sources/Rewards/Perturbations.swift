#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Imaging
import Shapes
import Tensor

/// Image degradations that imitate what a generative model gets wrong — soft edges, pixel
/// noise, missing parts, specks — used to make reward-model training data and to test the
/// quality metric.
public enum Perturbations {
    /// A separable Gaussian blur of standard deviation `sigma` px, edges clamped.
    public static func blur(_ image: Image, sigma: Float) -> Image {
        guard sigma > 0 else { return image }
        let radius = Int((3 * sigma).rounded(.up))
        var kernel = (-radius...radius).map { k in expf(-Float(k * k) / (2 * sigma * sigma)) }
        let total = kernel.reduce(0, +)
        for i in kernel.indices { kernel[i] /= total }
        let w = image.width, h = image.height
        let pixels = image.pixels.map(Float.init)
        let rows = blurPass(pixels, kernel: kernel, w: w, h: h, horizontal: true)
        return Image(width: w, height: h, pixels: quantize(blurPass(rows, kernel: kernel, w: w, h: h, horizontal: false)))
    }

    /// One 1-D pass of a separable blur over RGB floats, edges clamped.
    private static func blurPass(_ input: [Float], kernel: [Float], w: Int, h: Int, horizontal: Bool) -> [Float] {
        let radius = kernel.count / 2
        var out = [Float](repeating: 0, count: input.count)
        // Raw pointers: the data generator blurs thousands of images per training run.
        input.withUnsafeBufferPointer { src in
            kernel.withUnsafeBufferPointer { k in
                out.withUnsafeMutableBufferPointer { dst in
                    for y in 0..<h {
                        for x in 0..<w {
                            var r: Float = 0, g: Float = 0, b: Float = 0
                            for t in -radius...radius {
                                let xx = horizontal ? min(max(x + t, 0), w - 1) : x
                                let yy = horizontal ? y : min(max(y + t, 0), h - 1)
                                let j = 3 * (yy * w + xx), kv = k[t + radius]
                                r += kv * src[j]; g += kv * src[j + 1]; b += kv * src[j + 2]
                            }
                            let o = 3 * (y * w + x)
                            dst[o] = r; dst[o + 1] = g; dst[o + 2] = b
                        }
                    }
                }
            }
        }
        return out
    }

    /// Adds Gaussian noise of standard deviation `std` on the [0, 1] scale, clipped.
    public static func noise(_ image: Image, std: Float, rng: inout RNG) -> Image {
        guard std > 0 else { return image }
        var v = [Float](repeating: 0, count: image.pixels.count)
        rng.fillNormal(&v, std: std * 255)
        for i in v.indices { v[i] += Float(image.pixels[i]) }
        return Image(width: image.width, height: image.height, pixels: quantize(v))
    }

    /// Paints the rectangle [x0, x0 + width) × [y0, y0 + height) (clipped) with `color`.
    public static func fill(_ image: Image, x0: Int, y0: Int, width: Int, height: Int,
                            color: (UInt8, UInt8, UInt8)) -> Image {
        var out = image
        for y in max(0, y0)..<max(max(0, y0), min(image.height, y0 + height)) {
            for x in max(0, x0)..<max(max(0, x0), min(image.width, x0 + width)) { out[x, y] = color }
        }
        return out
    }

    /// Erases a random rectangle of 3–12 px sides by painting it with the image's background.
    public static func erase(_ image: Image, rng: inout RNG) -> Image {
        let bg = Detector.estimateBackground(image)
        let color = (UInt8(bg.x * 255), UInt8(bg.y * 255), UInt8(bg.z * 255))
        let w = 3 + rng.int(below: 10), h = 3 + rng.int(below: 10)
        return fill(image, x0: rng.int(below: image.width - 2), y0: rng.int(below: image.height - 2),
                    width: w, height: h, color: color)
    }

    /// Paints `count` squares of side 1–3 px in random palette colours at random places.
    public static func speckles(_ image: Image, count: Int, rng: inout RNG) -> Image {
        var out = image
        for _ in 0..<count {
            let side = 1 + rng.int(below: 3)
            let color = ObjectColor.allCases[rng.int(below: ObjectColor.allCases.count)].rgb
            out = fill(out, x0: rng.int(below: image.width - side + 1), y0: rng.int(below: image.height - side + 1),
                       width: side, height: side, color: color)
        }
        return out
    }

    static func quantize(_ v: [Float]) -> [UInt8] {
        v.map { UInt8(min(max($0 + 0.5, 0), 255)) }
    }
}

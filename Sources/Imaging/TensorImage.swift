import Tensor

/// Conversion between model space (floats in [−1, 1], (H, W, 3) order) and 8-bit images.
extension Image {
    /// Maps one model value to a byte: (x + 1) / 2 · 255, rounded, clamped to 0…255.
    /// NaN maps to 0 so that a diverged sample renders black instead of trapping.
    @inlinable
    public static func byte(fromUnit x: Float) -> UInt8 {
        let v = ((x + 1) * 0.5 * 255).rounded()
        if !(v > 0) { return 0 }   // also catches NaN
        if v >= 255 { return 255 }
        return UInt8(v)
    }

    /// Maps a byte back to model space: p / 255 · 2 − 1, so 0 → −1 and 255 → 1.
    @inlinable
    public static func unit(fromByte p: UInt8) -> Float {
        Float(p) / 255 * 2 - 1
    }

    /// An image from `width × height × 3` floats in [−1, 1], (H, W, 3) order.
    public init<C: Collection>(floats: C, width: Int, height: Int) where C.Element == Float {
        precondition(floats.count == width * height * 3,
                     "a \(width)×\(height) RGB image needs \(width * height * 3) floats, got \(floats.count)")
        self.init(width: width, height: height, pixels: floats.map(Image.byte(fromUnit:)))
    }

    /// An image from a (H, W, 3) tensor in [−1, 1].
    public init(tensor: Tensor) {
        precondition(tensor.rank == 3 && tensor.shape[2] == 3,
                     "an image tensor has shape (H, W, 3), got \(tensor.shape)")
        self.init(floats: tensor.data, width: tensor.shape[1], height: tensor.shape[0])
    }

    /// The pixels in model space: (H, W, 3) floats in [−1, 1].
    public func floats() -> [Float] {
        pixels.map(Image.unit(fromByte:))
    }

    /// The pixels as a (H, W, 3) tensor in [−1, 1].
    public func tensor() -> Tensor {
        Tensor(shape: [height, width, 3], data: floats())
    }

    /// Images from a (B, H, W, 3) tensor in [−1, 1], one per batch entry.
    public static func batch(from tensor: Tensor) -> [Image] {
        precondition(tensor.rank == 4 && tensor.shape[3] == 3,
                     "an image batch has shape (B, H, W, 3), got \(tensor.shape)")
        return batch(from: tensor.data, count: tensor.shape[0], width: tensor.shape[2], height: tensor.shape[1])
    }

    /// Images from `count × height × width × 3` floats in [−1, 1], (B, H, W, 3) order.
    public static func batch(from floats: [Float], count: Int, width: Int, height: Int) -> [Image] {
        let size = width * height * 3
        precondition(floats.count == count * size,
                     "\(count) images of \(width)×\(height) need \(count * size) floats, got \(floats.count)")
        return (0..<count).map { b in
            Image(floats: floats[(b * size)..<((b + 1) * size)], width: width, height: height)
        }
    }

    /// Stacks equal-size images into a (B, H, W, 3) tensor in [−1, 1].
    public static func tensor(of images: [Image]) -> Tensor {
        guard let first = images.first else { return Tensor(zeros: [0, 0, 0, 3]) }
        precondition(images.allSatisfy { $0.width == first.width && $0.height == first.height },
                     "a batch tensor needs images of one size")
        var data = [Float]()
        data.reserveCapacity(images.count * first.pixels.count)
        for image in images { data.append(contentsOf: image.floats()) }
        return Tensor(shape: [images.count, first.height, first.width, 3], data: data)
    }
}

/// A float32 tensor: a shape and its contiguous row-major data.
///
/// Tensors are plain values; hot loops reach their storage through `withUnsafe…` so that the
/// compiler drops bounds checks and copy-on-write checks once per loop, not per element.
public struct Tensor: Equatable, Sendable {
    public var shape: [Int]
    public var data: [Float]

    public init(shape: [Int], data: [Float]) {
        precondition(shape.reduce(1, *) == data.count,
                     "shape \(shape) holds \(shape.reduce(1, *)) elements, data has \(data.count)")
        self.shape = shape
        self.data = data
    }

    public init(zeros shape: [Int]) {
        self.init(shape: shape, data: [Float](repeating: 0, count: shape.reduce(1, *)))
    }

    public init(repeating value: Float, shape: [Int]) {
        self.init(shape: shape, data: [Float](repeating: value, count: shape.reduce(1, *)))
    }

    /// Standard-normal entries scaled by `std`, drawn from `rng`.
    public init(randomNormal shape: [Int], std: Float = 1, rng: inout RNG) {
        var data = [Float](repeating: 0, count: shape.reduce(1, *))
        rng.fillNormal(&data, std: std)
        self.init(shape: shape, data: data)
    }

    public var count: Int { data.count }
    public var rank: Int { shape.count }

    /// The same data seen with another shape of equal size.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, data: data)
    }

    public subscript(index: Int) -> Float {
        get { data[index] }
        set { data[index] = newValue }
    }
}

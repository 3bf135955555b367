import Tensor

/// Exponential moving average of the weights, for evaluation and sampling.
/// Decay warms up as min(maxDecay, (1 + n)/(10 + n)) after n updates, so early averages are not
/// dominated by the random initialisation.
public struct EMA: Sendable {
    public var shadow: [Float]
    public var maxDecay: Float
    public var updates: Int

    public init(values: [Float], maxDecay: Float = 0.999) {
        self.shadow = values
        self.maxDecay = maxDecay
        self.updates = 0
    }

    /// The decay the next update will use.
    public var currentDecay: Float {
        min(maxDecay, Float(1 + updates) / Float(10 + updates))
    }

    /// shadow = d · shadow + (1 − d) · values.
    public mutating func update(from values: [Float]) {
        precondition(values.count == shadow.count,
                     "EMA holds \(shadow.count) values, was given \(values.count)")
        let d = currentDecay
        let w = 1 - d
        shadow.withUnsafeMutableBufferPointer { s in
            values.withUnsafeBufferPointer { x in
                for i in 0..<s.count { s[i] = d * s[i] + w * x[i] }
            }
        }
        updates += 1
    }
}

/// One row of a forward-process update: a clean sample x₀ of the iteration noised to
/// x_t = (1 − t)·x₀ + t·ε, with the flow-matching target v* = ε − x₀ (DESIGN.md §2 and §10).
/// The velocities are (D) vectors of the network's output; the loss writes dL/dv_θ for the row.
public struct ForwardRow {
    /// v_θ(x_t, t, c), the trained policy's velocity (D).
    public var policy: UnsafePointer<Float>
    /// v_old(x_t, t, c), the old (sampling) policy's velocity (D), no gradient.
    public var old: UnsafePointer<Float>
    /// v* = ε − x₀ (D).
    public var target: UnsafePointer<Float>
    public var t: Float
    /// The sample's group advantage (already clipped to ±advantage_clip).
    public var advantage: Float
    public var count: Int
}

/// What one row's loss measured, for the metrics (fields a loss does not have stay at their defaults).
public struct ForwardRowOutput: Sendable {
    public var loss: Double = 0
    /// DiffusionNFT: the r-weighted positive and negative parts, ÷ β (they sum to `loss`).
    public var positive: Double = 0, negative: Double = 0
    /// DiffusionNFT's optimality weight r.
    public var r: Double = 0
    /// AWM: the likelihood ratio, whether the clip cut the row's gradient, and the β_old·mean (v_θ − v_old)² term.
    public var ratio: Double = 1
    public var clipped = false
    public var anchor: Double = 0
    public init() {}
}

/// A forward-process policy loss: a value per row and its gradient with respect to v_θ. The trainer
/// averages rows over the whole mini-batch (all ranks), adds β·mean (v_θ − v_ref)² against the
/// frozen base when `kl_beta` > 0, and backpropagates through the network.
public protocol ForwardLoss: Sendable {
    var name: String { get }
    /// The row's loss; writes dL/dv_θ (count values) into `gradient`.
    func evaluate(_ row: ForwardRow, gradient: UnsafeMutablePointer<Float>) -> ForwardRowOutput
}

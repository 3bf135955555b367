/// Named float buffers allocated once and freed together (llm.c's activation memory).
///
/// Forward and backward passes write into buffers planned once for the largest batch, so the
/// per-step loops allocate nothing.
public final class Arena {
    private var chunks: [UnsafeMutablePointer<Float>] = []
    /// Floats handed out so far.
    public private(set) var allocated = 0

    public init() {}

    deinit { for c in chunks { c.deallocate() } }

    /// A fresh zeroed buffer of `count` floats that lives as long as the arena.
    public func take(_ count: Int) -> UnsafeMutablePointer<Float> {
        let p = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        p.initialize(repeating: 0, count: max(count, 1))
        chunks.append(p)
        allocated += count
        return p
    }
}

/// Sets n floats to zero.
@inline(__always)
public func zero(_ p: UnsafeMutablePointer<Float>, _ n: Int) {
    p.update(repeating: 0, count: n)
}

/// Copies n floats.
@inline(__always)
public func copy(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ n: Int) {
    dst.update(from: src, count: n)
}

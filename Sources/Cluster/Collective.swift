/// The processes of one training job and the few collective operations data-parallel training
/// needs (the MPI subset flowrl uses). Every rank must call the same operations in the same order
/// with the same lengths (except `allgather`'s), or the job deadlocks — so every decision that
/// changes control flow (skip an update, stop the run) is taken from numbers all ranks share.
///
/// Implementations: `SingleProcess` (the default; every operation is the identity) and, when built
/// with `--traits MPI`, `MPICollective`.
public protocol Collective: AnyObject, Sendable {
    /// This process's index, 0 ..< size; rank 0 writes the run directory.
    var rank: Int { get }
    /// Number of processes in the job.
    var size: Int { get }
    /// Element-wise sum over all ranks, in place; every rank ends with the same numbers.
    func allreduceSum(_ values: UnsafeMutableBufferPointer<Float>)
    /// Element-wise sum over all ranks, in place, in double precision.
    func allreduceSum(_ values: UnsafeMutableBufferPointer<Double>)
    /// Every rank's `values` (lengths may differ between ranks), indexed by rank.
    func allgather(_ values: [Double]) -> [[Double]]
    /// Returns once every rank has called it.
    func barrier()
    /// Seconds spent in collective operations so far.
    var timing: CollectiveTiming { get }
    /// Ends the job's communication after a successful run (MPI_Finalize); call once, at the end.
    func finish()
}

/// Where the time inside collective operations went.
public struct CollectiveTiming: Sendable, Equatable {
    /// Waiting for the other ranks to arrive (load imbalance, or a rank busy writing the run directory).
    public var waitSeconds = 0.0
    /// Moving and summing data once all ranks were there.
    public var transferSeconds = 0.0
    public init() {}
}

extension Collective {
    /// Whether this is rank 0, the one that logs and writes files.
    public var isRoot: Bool { rank == 0 }

    /// The contiguous block of `count` items (prompt groups, batch rows) this rank handles: items
    /// split as evenly as possible, lower ranks first; empty when count < size.
    public func share(of count: Int) -> Range<Int> {
        Cluster.share(of: count, rank: rank, size: size)
    }

    /// Sums an array over all ranks, in place.
    public func allreduceSum(_ values: inout [Float]) {
        values.withUnsafeMutableBufferPointer { allreduceSum($0) }
    }

    /// Sums an array over all ranks, in place.
    public func allreduceSum(_ values: inout [Double]) {
        values.withUnsafeMutableBufferPointer { allreduceSum($0) }
    }

    /// Whether `flag` is true on any rank (the same answer everywhere).
    public func anyTrue(_ flag: Bool) -> Bool {
        guard size > 1 else { return flag }
        var v: [Double] = [flag ? 1 : 0]
        allreduceSum(&v)
        return v[0] > 0
    }

    /// Whether every rank holds the same 64-bit fingerprint (e.g. of its weights); the same answer
    /// everywhere, so ranks can stop together when they have drifted apart.
    public func agree(on fingerprint: UInt64) -> Bool {
        guard size > 1 else { return true }
        // Doubles carry 53 bits exactly: send the two halves.
        let all = allgather([Double(fingerprint >> 32), Double(fingerprint & 0xffff_ffff)])
        return all.allSatisfy { $0 == all[0] }
    }
}

/// FNV-1a over the 32-bit patterns of floats: a cheap fingerprint to check that ranks hold identical weights.
public func fingerprint(_ values: [Float]) -> UInt64 {
    values.withUnsafeBufferPointer { p in
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for v in p { h = (h ^ UInt64(v.bitPattern)) &* 0x0000_0100_0000_01b3 }
        return h
    }
}

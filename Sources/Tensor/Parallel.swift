import Dispatch

/// Sample-parallel loops for work whose matrix products are too small for OpenBLAS to split
/// (attention's per-(sample, head) products, per-sample elementwise passes).
///
/// Inside a parallel region OpenBLAS is switched to one thread so the two levels of parallelism
/// do not oversubscribe the cores; the previous setting is restored afterwards.
public enum Parallel {
    nonisolated(unsafe) private static var workerCount = 1
    /// Set while a parallel region runs: nested regions (attention inside a network shard) run
    /// serially on their caller's thread instead of oversubscribing the cores.
    nonisolated(unsafe) private static var active = false

    /// Threads used by `forRanges` (and by OpenBLAS outside parallel regions).
    public static var workers: Int { workerCount }

    /// Sets the thread budget of the process: OpenBLAS threads and sample-parallel workers.
    public static func configure(threads: Int) {
        workerCount = max(1, threads)
        BLAS.threads = workerCount
    }

    /// Splits 0..<count into at most `workers` contiguous ranges and runs `body` on each
    /// concurrently. `body` must only write memory owned by its range.
    public static func forRanges(_ count: Int, _ body: (Range<Int>) -> Void) {
        let w = active ? 1 : min(workerCount, count)
        if w <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        let saved = BLAS.threads
        BLAS.threads = 1
        active = true
        defer { active = false; BLAS.threads = saved }
        withoutActuallyEscaping(body) { body in
            let task = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: w) { i in
                let lo = count * i / w, hi = count * (i + 1) / w
                task.value(lo..<hi)
            }
        }
    }
}

/// Carries a value into a concurrent closure when the caller guarantees the accesses are disjoint.
public struct UncheckedSendable<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}

import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Sample-parallel loops for work whose matrix products are too small for OpenBLAS to split
/// (attention's per-(sample, head) products, per-sample elementwise passes).
///
/// Inside a parallel region OpenBLAS is switched to one thread so the two levels of parallelism
/// do not oversubscribe the cores; the previous setting is restored afterwards.
///
/// The regions run on a pool of persistent threads woken by semaphores rather than on
/// `DispatchQueue.concurrentPerform`, which allocates a few blocks per call: a denoising step runs
/// dozens of regions, and the rollout and update loops are meant to allocate nothing per step.
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
        guard let parts = parallelParts(count) else {
            if count > 0 { body(0..<count) }
            return
        }
        // `withoutActuallyEscaping` boxes the closure (one 32-byte allocation per region); regions
        // started once per denoising step use `forRanges(_:task:)` instead.
        withoutActuallyEscaping(body) { body in
            withUnsafePointer(to: Region(body: body)) { run(count: count, parts: parts, .closure($0)) }
        }
    }

    /// `forRanges` for a body that is a long-lived object: starting the region allocates nothing.
    /// For regions run once per denoising step, where the closure form's box would be a per-step
    /// allocation.
    public static func forRanges(_ count: Int, task: any ParallelTask) {
        guard let parts = parallelParts(count) else {
            if count > 0 { task.run(0..<count) }
            return
        }
        run(count: count, parts: parts, .task(task))
    }

    /// The number of parts a region of `count` items runs in, or nil to run it serially on the
    /// caller's thread (one worker, one item, or a region nested in another).
    private static func parallelParts(_ count: Int) -> Int? {
        let w = active ? 1 : min(workerCount, count)
        return w > 1 ? w : nil
    }

    /// Runs a region on the pool with OpenBLAS single-threaded inside it.
    private static func run(count: Int, parts: Int, _ region: RegionBody) {
        let saved = BLAS.threads
        BLAS.threads = 1
        active = true
        defer { active = false; BLAS.threads = saved }
        WorkerPool.shared.run(count: count, parts: parts, region)
    }
}

/// The body of a parallel region as an object its owner keeps (and reuses) across regions: the
/// owner stores the region's arguments in the task's properties, then starts it.
public protocol ParallelTask: AnyObject {
    /// Runs the part of the region given by `range`; must only write memory owned by the range.
    func run(_ range: Range<Int>)
}

/// What a worker runs: a closure region on its caller's stack, or a task object.
enum RegionBody {
    case closure(UnsafePointer<Region>)
    case task(any ParallelTask)

    func run(_ range: Range<Int>) {
        switch self {
        case .closure(let region): region.pointee.body(range)
        case .task(let task): task.run(range)
        }
    }
}

/// Threads that sleep on a semaphore each and run one part of a parallel region when woken.
/// Only the thread that owns `Parallel` (the caller of `forRanges`) starts regions, one at a time.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool()

    private var wake: [DispatchSemaphore] = []
    private let finished = DispatchSemaphore(value: 0)
    // The region being run; written before the workers are woken, read by them after.
    private var region: RegionBody?
    private var count = 0
    private var parts = 0

    /// Runs `body` on parts 0..<parts of 0..<count: part 0 on the calling thread, the others on
    /// pool threads. Returns when every part has finished.
    func run(count: Int, parts: Int, _ region: RegionBody) {
        while wake.count < parts - 1 { startThread(index: wake.count + 1) }
        self.region = region
        self.count = count
        self.parts = parts
        for i in 1..<parts { wake[i - 1].signal() }
        region.run(range(0))
        for _ in 1..<parts { finished.wait() }
        self.region = nil
    }

    private func range(_ part: Int) -> Range<Int> {
        (count * part / parts)..<(count * (part + 1) / parts)
    }

    private func startThread(index: Int) {
        let semaphore = DispatchSemaphore(value: 0)
        wake.append(semaphore)
        let context = Unmanaged.passRetained(WorkerContext(pool: self, index: index, wake: semaphore)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { raw in
            let context = Unmanaged<WorkerContext>.fromOpaque(raw!).takeRetainedValue()
            context.pool.loop(part: context.index, wake: context.wake)
        }, context)
        precondition(status == 0, "cannot start a worker thread (pthread_create returned \(status))")
        pthread_detach(thread)
    }

    private func loop(part: Int, wake: DispatchSemaphore) -> Never {
        while true {
            wake.wait()
            region.unsafelyUnwrapped.run(range(part))
            finished.signal()
        }
    }
}

/// The body of a parallel region. Wrapped in a struct so that it is stored, and called, in its
/// natural form: a bare closure behind a generic pointer (or in an Optional) is stored
/// reabstracted, and calling it through the reabstraction thunk allocates on every call.
struct Region {
    let body: (Range<Int>) -> Void
}

private final class WorkerContext {
    let pool: WorkerPool
    let index: Int
    let wake: DispatchSemaphore
    init(pool: WorkerPool, index: Int, wake: DispatchSemaphore) {
        self.pool = pool; self.index = index; self.wake = wake
    }
}

/// Carries a value into a concurrent closure when the caller guarantees the accesses are disjoint.
public struct UncheckedSendable<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}

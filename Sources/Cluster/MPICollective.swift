#if MPI
import CMPI
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The ranks of an MPI job (`mpirun -np N flowrl …`), over MPI_COMM_WORLD.
///
/// Failure handling. A job must not hang when one rank dies. The world communicator returns
/// errors instead of aborting inside the library (MPI_ERRORS_RETURN), and every collective first
/// waits for all ranks in a non-blocking barrier, polled with growing sleeps (so a rank that waits
/// for slower ones, e.g. while rank 0 evaluates, leaves its core to them instead of spinning) and
/// bounded by `timeout`. An MPI error or the timeout prints one `flowrl: …` line naming the rank
/// and the operation, then MPI_Abort ends every rank of the job. Open MPI's mpirun already ends
/// the job when a rank exits non-zero or is killed by a signal; the barrier's timeout covers a rank
/// that hangs, and launchers that do not kill the other tasks (srun without --kill-on-bad-exit).
///
/// MPI is called from one thread only (the caller's); OpenBLAS and Dispatch workers never call it.
public final class MPICollective: Collective, @unchecked Sendable {
    public let rank: Int
    public let size: Int
    public private(set) var timing = CollectiveTiming()
    /// Seconds a rank waits for the others inside one collective before giving up.
    public let timeout: Double
    /// Long enough for rank 0 to evaluate and write a checkpoint while the others wait.
    public static let defaultTimeout = 1800.0
    private var finished = false
    private let world = cmpi_comm_world()
    /// MPI counts are 32-bit: longer buffers go in pieces of this many elements.
    private static let maxCount = 1 << 30

    /// Initialises MPI (once per process: `Cluster.join` makes the only instance).
    init(timeout: Double) {
        self.timeout = timeout
        var provided: Int32 = 0
        let rc = MPI_Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided)
        if rc != MPI_SUCCESS {
            FileHandle.standardError.write(Data("flowrl: MPI_Init failed (\(rc))\n".utf8))
            exit(1)
        }
        MPI_Comm_set_errhandler(world, cmpi_errors_return())
        var r: Int32 = 0, s: Int32 = 0
        MPI_Comm_rank(world, &r)
        MPI_Comm_size(world, &s)
        rank = Int(r); size = Int(s)
    }

    public func allreduceSum(_ values: UnsafeMutableBufferPointer<Float>) {
        reduce(values, type: cmpi_float())
    }

    public func allreduceSum(_ values: UnsafeMutableBufferPointer<Double>) {
        reduce(values, type: cmpi_double())
    }

    private func reduce<T>(_ values: UnsafeMutableBufferPointer<T>, type: MPI_Datatype) {
        guard let base = values.baseAddress else { return }
        arrive("MPI_Allreduce")
        let start = Date()
        for lo in stride(from: 0, to: values.count, by: Self.maxCount) {
            let n = min(Self.maxCount, values.count - lo)
            check(MPI_Allreduce(cmpi_in_place(), base + lo, Int32(n), type, cmpi_sum(), world), "MPI_Allreduce")
        }
        timing.transferSeconds += Date().timeIntervalSince(start)
    }

    public func allgather(_ values: [Double]) -> [[Double]] {
        arrive("MPI_Allgather")
        let start = Date()
        var counts = [Int32](repeating: 0, count: size)
        var mine = Int32(values.count)
        check(MPI_Allgather(&mine, 1, cmpi_int(), &counts, 1, cmpi_int(), world), "MPI_Allgather")
        var displacements = [Int32](repeating: 0, count: size)
        for r in 1..<max(size, 1) { displacements[r] = displacements[r - 1] + counts[r - 1] }
        let total = Int(counts.reduce(0, +))
        var all = [Double](repeating: 0, count: max(total, 1))
        values.withUnsafeBufferPointer { send in
            check(MPI_Allgatherv(send.baseAddress, mine, cmpi_double(), &all, counts, displacements, cmpi_double(), world),
                  "MPI_Allgatherv")
        }
        timing.transferSeconds += Date().timeIntervalSince(start)
        return (0..<size).map { r in
            let lo = Int(displacements[r])
            return Array(all[lo..<(lo + Int(counts[r]))])
        }
    }

    public func barrier() {
        arrive("MPI_Barrier")
    }

    public func finish() {
        guard !finished else { return }
        finished = true
        MPI_Finalize()
    }

    /// Returns once every rank has entered the same collective; see the type's comment.
    private func arrive(_ operation: String) {
        let start = Date()
        var request = cmpi_request_null()
        check(MPI_Ibarrier(world, &request), operation)
        var done: Int32 = 0
        var pause: UInt32 = 10   // microseconds, doubled up to 2 ms: short waits stay short
        while true {
            check(MPI_Test(&request, &done, cmpi_status_ignore()), operation)
            if done != 0 { break }
            if Date().timeIntervalSince(start) > timeout {
                fail("\(operation): the other ranks did not arrive within \(Int(timeout)) s (FLOWRL_MPI_TIMEOUT); one has probably died or hung")
            }
            usleep(pause)
            pause = min(pause * 2, 2000)
        }
        timing.waitSeconds += Date().timeIntervalSince(start)
    }

    private func check(_ rc: Int32, _ operation: String) {
        guard rc != MPI_SUCCESS else { return }
        var text = [CChar](repeating: 0, count: Int(MPI_MAX_ERROR_STRING) + 1)
        var length: Int32 = 0
        MPI_Error_string(rc, &text, &length)
        let reason = String(decoding: text.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        fail("\(operation) failed (\(reason)); another rank has probably died")
    }

    /// One line on stderr, then the whole job ends: nothing a rank does alone can repair it.
    private func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("flowrl: rank \(rank) of \(size): \(message)\n".utf8))
        MPI_Abort(world, 1)
        _exit(1)
    }
}
#endif

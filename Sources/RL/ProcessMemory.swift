import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The process's memory as the kernel and the allocator see it, for `flowrl bench`.
///
/// Peak resident memory comes from getrusage (whole process) and from /proc/self/status's VmHWM,
/// which Linux lets a process reset (write 5 to /proc/self/clear_refs), so one phase's peak can be
/// measured after another phase already raised the process peak.
public enum ProcessMemory {
    /// Peak resident bytes of the process so far (getrusage ru_maxrss, reported by Linux in KiB).
    public static var maxResidentBytes: Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss) * 1024
    }

    /// Peak resident bytes since the last `resetPeak()` (VmHWM), or nil where /proc is missing.
    public static var peakResidentBytes: Int? { statusField("VmHWM") }

    /// Current resident bytes (VmRSS), or nil where /proc is missing.
    public static var residentBytes: Int? { statusField("VmRSS") }

    /// Starts a new peak window for `peakResidentBytes`; returns false when the kernel refused.
    @discardableResult
    public static func resetPeak() -> Bool {
        guard let h = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? h.close() }
        do { try h.write(contentsOf: Data("5".utf8)) } catch { return false }
        return true
    }

    private static func statusField(_ name: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            let kib = line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
            return kib.map { $0 * 1024 }
        }
        return nil
    }
}

/// Counts malloc-family calls, to show that a loop allocates nothing per iteration.
///
/// glibc keeps no call count, so the counts come from `bench/malloc_count.c`, a small shim that
/// `bench/alloc_check.sh` builds and LD_PRELOADs; without it both are nil.
public enum AllocationCounter {
    private typealias Counter = @convention(c) () -> UInt64
    private static func symbol(_ name: String) -> Counter? {
        guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(sym, to: Counter.self)
    }
    private static let callCounter = symbol("flowrl_malloc_calls")
    private static let liveCounter = symbol("flowrl_malloc_live_bytes")

    /// malloc + calloc + realloc + aligned allocations so far, when the counting shim is preloaded.
    public static var calls: Int? { callCounter.map { Int($0()) } }

    /// Bytes allocated and not yet freed (malloc_usable_size of each block), with the shim.
    public static var liveBytes: Int? { liveCounter.map { Int(Int64(bitPattern: $0())) } }
}

#if canImport(Glibc)
import Glibc
#endif

/// CPU time of this process (all its threads), for costs that must not depend on what else the
/// machine runs: two runs of a study share the cores with each other and with whatever the user
/// does, which inflates wall-clock seconds but not the CPU seconds a run itself spends.
public enum ProcessClock {
    public static func cpuSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
}

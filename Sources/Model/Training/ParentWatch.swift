#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A study's runs end with the study: `flowrl study run` starts each `flowrl train` with
/// FLOWRL_PARENT_PID set, and the run asks the kernel for SIGTERM when its parent dies (Linux's
/// PR_SET_PDEATHSIG), which the training loop handles like any interrupt — checkpoint, exit 143 —
/// so a study killed with SIGKILL leaves resumable runs, not orphans writing beside a rerun.
public enum ParentWatch {
    public static let variable = "FLOWRL_PARENT_PID"

    public static func installFromEnvironment() {
        guard let text = ProcessInfo.processInfo.environment[variable], let parent = pid_t(text) else { return }
        #if os(Linux)
        // prctl is variadic in C, so Swift does not import it; its first integer arguments pass
        // in the same registers either way. PR_SET_PDEATHSIG is 1 (<linux/prctl.h>).
        typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "prctl") {
            _ = unsafeBitCast(symbol, to: Prctl.self)(1, UInt(SIGTERM), 0, 0, 0)
        }
        #endif
        // The parent may have died before the request: then nobody will send it.
        if getppid() != parent { raise(SIGTERM) }
    }
}

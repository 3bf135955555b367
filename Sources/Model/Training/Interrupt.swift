#if canImport(Glibc)
import Glibc
#endif

/// SIGINT/SIGTERM handling for long jobs: the first signal sets a flag that the training loop
/// checks after each step (it then saves a checkpoint and exits 130 or 143); a second SIGINT
/// exits at once.
public enum Interrupt {
    nonisolated(unsafe) private static var received: Int32 = 0

    /// The signal received so far (SIGINT or SIGTERM), or nil.
    public static var signal: Int32? {
        let s = received
        return s == 0 ? nil : s
    }

    /// The conventional exit code for a job stopped by `signal` (128 + signal number).
    public static var exitCode: Int32 { 128 + received }

    public static func install() {
        let handler: @convention(c) (Int32) -> Void = { sig in
            if Interrupt.received != 0 && sig == SIGINT { _exit(130) }
            Interrupt.received = sig
        }
        _ = Glibc.signal(SIGINT, handler)
        _ = Glibc.signal(SIGTERM, handler)
    }

    /// For tests: forget a received signal.
    public static func reset() { received = 0 }
}

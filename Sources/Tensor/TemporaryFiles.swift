import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The temporary files and directories this process is writing right now (the `*.tmp-<pid>` of an
/// atomic write, a checkpoint's `.tmp-step_…` directory), so that they are removed when the
/// process ends half way: at exit (normal or error; an `atexit` handler), and on a signal (the
/// second Ctrl-C of a training run, or SIGINT/SIGTERM/SIGHUP of a command that installs no
/// handler of its own). Each writer still cleans up after its own failures; this covers the exits
/// that skip them. SIGKILL and crashes leave temporaries behind: `AtomicFiles.removeLeftovers`
/// and the checkpoint pruning delete those of dead processes later.
///
/// Lives in Tensor, the lowest module that writes files (safetensors), so that Imaging's PNG
/// writer and Model's checkpoints use the same registry.
///
/// The signal path may only do async-signal-safe work: no allocation, no locks. So the registry is
/// a fixed table of slots, each holding a NUL-terminated path copied in when registered and a
/// state word (free, file, directory) stored after the copy; the handler walks the table with
/// unlink(2) and rmdir(2) only. A path longer than a slot, or a table full of concurrent writes,
/// goes unregistered (the later leftover cleanup still covers it).
public enum TemporaryFiles {
    /// A registered entry; pass it back to `unregister` once the temporary is renamed or removed.
    public struct Token: Sendable, Equatable { let slot: Int }

    static let slotCount = 128
    static let slotBytes = 4096
    private static let free: Int32 = 0, file: Int32 = 1, directory: Int32 = 2

    // Allocated once and never freed, so the handler never sees them move.
    nonisolated(unsafe) private static let paths = UnsafeMutablePointer<CChar>.allocate(capacity: slotCount * slotBytes)
    nonisolated(unsafe) private static let states: UnsafeMutablePointer<Int32> = {
        let s = UnsafeMutablePointer<Int32>.allocate(capacity: slotCount)
        s.initialize(repeating: free, count: slotCount)
        return s
    }()
    private static let lock = NSLock()
    nonisolated(unsafe) private static var installed = false

    /// Makes the table now: Swift initialises a static on first use (swift_once, which may
    /// allocate), which a signal handler must not be the one to do. Signal handlers' installers
    /// call this.
    public static func prepare() {
        _ = paths
        _ = states
    }

    /// Registers a temporary file (or, with `isDirectory`, an empty-or-registered-files directory)
    /// that this process is about to create.
    @discardableResult
    public static func register(_ path: String, isDirectory: Bool = false) -> Token? {
        let bytes = Array(path.utf8CString)
        guard bytes.count <= slotBytes else { return nil }
        lock.lock(); defer { lock.unlock() }
        installAtFirstUse()
        guard let slot = (0..<slotCount).first(where: { states[$0] == free }) else { return nil }
        bytes.withUnsafeBufferPointer { (paths + slot * slotBytes).update(from: $0.baseAddress!, count: $0.count) }
        states[slot] = isDirectory ? directory : file
        return Token(slot: slot)
    }

    /// Forgets an entry (its temporary was renamed into place or removed by its writer).
    public static func unregister(_ token: Token?) {
        guard let token else { return }
        lock.lock(); defer { lock.unlock() }
        states[token.slot] = free
    }

    /// The paths registered now, for tests.
    public static var registered: [String] {
        lock.lock(); defer { lock.unlock() }
        return (0..<slotCount).filter { states[$0] != free }.map { String(cString: paths + $0 * slotBytes) }
    }

    /// Removes every registered temporary: files first, then the directories that held them.
    public static func removeAll() {
        lock.lock(); defer { lock.unlock() }
        removeEntries()
    }

    /// `removeAll` for signal handlers: takes no lock (a handler may have interrupted a thread that
    /// holds it) and calls only unlink and rmdir.
    public static func removeAllFromSignal() { removeEntries() }

    private static func removeEntries() {
        // Two passes without an array literal (no allocation on the signal path).
        for slot in 0..<slotCount where states[slot] == file {
            _ = unlink(paths + slot * slotBytes)
            states[slot] = free
        }
        for slot in 0..<slotCount where states[slot] == directory {
            _ = rmdir(paths + slot * slotBytes)
            states[slot] = free
        }
    }

    /// At the first registration: an atexit handler, and handlers for the signals that would
    /// otherwise end the process at once (those still at their default action; a training run's
    /// `Interrupt.install` replaces them later and calls `removeAllFromSignal` itself).
    private static func installAtFirstUse() {
        guard !installed else { return }
        installed = true
        atexit { TemporaryFiles.removeAll() }
        let handler: @convention(c) (Int32) -> Void = { sig in
            TemporaryFiles.removeAllFromSignal()
            // Die of the signal as before (the shell's status stays 128 + sig): the default action
            // is restored and the signal raised again; it is delivered when this handler returns.
            _ = Glibc.signal(sig, SIG_DFL)
            _ = raise(sig)
        }
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            let previous = Glibc.signal(sig, handler)
            if previous != nil { _ = Glibc.signal(sig, previous) }   // not SIG_DFL: someone else handles (or ignores) it
        }
    }
}

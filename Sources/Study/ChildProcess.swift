import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A `flowrl train` child of a study: spawned in its own process group, so that a terminal's
/// Ctrl-C reaches only the study (which forwards one SIGINT to each run — a run that got two
/// would exit at once without its checkpoint), with stdout and stderr appended to a log file and
/// the run's lock inherited as descriptor 3, so the lock lives exactly as long as the run does,
/// even if the study process itself is killed.
struct ChildProcess {
    let pid: pid_t

    enum Exit: Equatable {
        case code(Int32)
        case signal(Int32)
    }

    static let lockDescriptor: Int32 = 3

    /// Starts `executable arguments…` with `environment` added to this process's, output to `logPath`.
    static func spawn(_ executable: String, _ arguments: [String], environment: [String: String],
                      logPath: String, lockFD: Int32) throws -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        // dup2 clears close-on-exec on the copy: the lock survives exec in the child only.
        posix_spawn_file_actions_adddup2(&actions, lockFD, lockDescriptor)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        posix_spawnattr_setpgroup(&attributes, 0)
        // The child starts with default handlers and no blocked signals, whatever the study installed.
        var all = sigset_t(), none = sigset_t()
        sigfillset(&all); sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)

        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        // argv[0] "flowrl" whatever path starts it (the study passes /proc/self/exe).
        let argv = (["flowrl"] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard status == 0 else {
            throw StudyRunError.spawn(executable, String(cString: strerror(status)))
        }
        return ChildProcess(pid: pid)
    }

    /// The exit of the child if it has ended (reaps it), or nil while it runs.
    func poll() -> Exit? {
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        guard r == pid else { return nil }
        return ChildProcess.decode(status)
    }

    /// Waits for the child to end.
    func wait() -> Exit {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return ChildProcess.decode(status)
    }

    func send(_ signal: Int32) { kill(pid, signal) }

    static func decode(_ status: Int32) -> Exit {
        let sig = status & 0x7f
        return sig == 0 ? .code((status >> 8) & 0xff) : .signal(sig)
    }
}

/// An exclusive advisory lock on a file (flock), released when every descriptor sharing it closes.
struct FileLock {
    let fd: Int32

    /// Takes the lock; nil if another process holds it (`wait` false) .
    static func acquire(_ path: String, wait: Bool) -> FileLock? {
        let raw = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard raw >= 0 else { return nil }
        // Above the descriptors a child maps (0–3), so that dup2 onto 3 never meets itself.
        let fd = fcntl(raw, F_DUPFD_CLOEXEC, 10)
        close(raw)
        guard fd >= 0 else { return nil }
        var r: Int32
        repeat { r = flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) } while r != 0 && errno == EINTR
        guard r == 0 else { close(fd); return nil }
        return FileLock(fd: fd)
    }

    func release() { close(fd) }
}

public enum StudyRunError: Error, CustomStringConvertible {
    case spawn(String, String)

    public var description: String {
        switch self {
        case let .spawn(exe, why): return "cannot start \(exe): \(why)"
        }
    }
}

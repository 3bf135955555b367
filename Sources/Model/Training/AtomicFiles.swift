import Foundation
import Tensor
#if canImport(Glibc)
import Glibc
#endif

/// File writes that never leave a half-written file behind: write a temporary file beside the
/// target, fsync it, rename it over the target, fsync the directory.
public enum AtomicFiles {
    public static func write(_ data: Data, to path: String) throws {
        let tmp = path + ".tmp-\(getpid())"
        let registered = TemporaryFiles.register(tmp)
        defer { TemporaryFiles.unregister(registered) }
        // Data.write without .atomic writes `tmp` itself; FileManager.createFile would first write
        // a temporary of its own (.dat.nosync…) that no registry knows about.
        do { try data.write(to: URL(fileURLWithPath: tmp)) } catch {
            unlink(tmp)   // a partial file (a full disk)
            throw FileError.notWritable(path)
        }
        do { try fsyncPath(tmp) } catch { unlink(tmp); throw error }
        guard rename(tmp, path) == 0 else {
            unlink(tmp)
            throw FileError.notWritable(path)
        }
        try? fsyncPath((path as NSString).deletingLastPathComponent)
    }

    /// Deletes the `*.tmp-<pid>` files that writes killed half way left in `directory`, skipping
    /// those of processes still alive (a concurrent writer's).
    public static func removeLeftovers(in directory: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names {
            guard let r = name.range(of: ".tmp-", options: .backwards), let pid = Int32(name[r.upperBound...]),
                  pid != getpid(), kill(pid, 0) != 0 else { continue }
            try? FileManager.default.removeItem(atPath: directory + "/" + name)
        }
    }

    /// Flushes a file or directory to disk.
    public static func fsyncPath(_ path: String) throws {
        let fd = open(path.isEmpty ? "." : path, O_RDONLY)
        guard fd >= 0 else { throw FileError.notWritable(path) }
        defer { close(fd) }
        _ = fsync(fd)
    }

    /// Creates a directory and its parents, with an error naming it when that fails.
    public static func makeDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw FileError.notWritable(path)
        }
        guard FileManager.default.isWritableFile(atPath: path) else { throw FileError.notWritable(path) }
    }
}

/// File-system errors a user can cause, each naming the path.
public enum FileError: Error, CustomStringConvertible, Equatable {
    case notWritable(String)
    case missing(String)
    case unreadable(String, String)

    public var description: String {
        switch self {
        case .notWritable(let p): return "cannot write \(p) (is the directory writable?)"
        case .missing(let p): return "\(p) does not exist"
        case let .unreadable(p, why): return "cannot read \(p): \(why)"
        }
    }
}

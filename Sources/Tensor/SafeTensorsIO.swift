#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// POSIX rather than Foundation so that fsync is explicit: without it a crash right after the
// rename can leave a zero-length checkpoint on ext4/xfs.
extension SafeTensorsFile {
    /// The whole regular file at `path`.
    static func readWholeFile(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let e = errno
            if e == ENOENT { throw SafeTensorsError.fileNotFound(file: path) }
            throw SafeTensorsError.unreadable(file: path, reason: errorText(e))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw SafeTensorsError.unreadable(file: path, reason: errorText(errno)) }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw SafeTensorsError.unreadable(file: path, reason: "not a regular file")
        }
        let size = Int(info.st_size)
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let n = bytes.withUnsafeMutableBytes { posixRead(fd, $0.baseAddress! + done, size - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SafeTensorsError.unreadable(file: path, reason: errorText(errno))
            }
            if n == 0 { break } // the file shrank while we read; decode will report what is missing
            done += n
        }
        if done < size { bytes.removeLast(size - done) }
        return bytes
    }

    /// Writes `bytes` to `path + ".tmp-<pid>"`, fsyncs it, renames it over `path`, then fsyncs
    /// the directory so that the rename itself survives a crash.
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let tmp = path + ".tmp-\(getpid())"
        func failure(_ what: String) -> SafeTensorsError {
            .writeFailed(file: path, reason: "\(what): \(errorText(errno))")
        }
        let registered = TemporaryFiles.register(tmp)
        defer { TemporaryFiles.unregister(registered) }
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("cannot create \(tmp)") }
        var renamed = false
        defer { if !renamed { unlink(tmp) } }
        do {
            var done = 0
            while done < bytes.count {
                let n = bytes.withUnsafeBytes { posixWrite(fd, $0.baseAddress! + done, bytes.count - done) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw failure("write to \(tmp)")
                }
                done += n
            }
            guard fsync(fd) == 0 else { throw failure("fsync of \(tmp)") }
        } catch {
            close(fd)
            throw error
        }
        guard close(fd) == 0 else { throw failure("close of \(tmp)") }
        guard rename(tmp, path) == 0 else { throw failure("rename of \(tmp)") }
        renamed = true

        let slash = path.lastIndex(of: "/")
        let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let dirfd = open(directory, O_RDONLY | O_CLOEXEC)
        if dirfd >= 0 {
            _ = fsync(dirfd) // best effort: some filesystems refuse fsync on directories
            close(dirfd)
        }
    }
}

private func errorText(_ code: Int32) -> String { String(cString: strerror(code)) }

// Free functions because inside SafeTensorsFile the names `read` and `write` mean its own methods.
private func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, buffer, count)
}

private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Imaging

/// `external:CMD`: a reward computed by a child process speaking JSON lines, so any scorer
/// (a CLIP or PickScore model in Python, an OCR, a rule) plugs in without touching flowrl.
///
/// Protocol. The command runs once, as `/bin/sh -c CMD`, when the reward is built, and lives
/// until the reward is released. For every image flowrl writes ONE line to its stdin:
///
///     {"id": 17, "prompt": "a red circle", "png": "<base64 of an 8-bit RGB PNG>"}
///
/// and the process writes ONE line per request to its stdout:
///
///     {"id": 17, "reward": 0.83}
///
/// Ids are integers that increase over the life of the process (never reused); answers may come
/// in any order and are matched by id; blank output lines are ignored; other keys in an answer
/// are ignored. A whole batch is written before any answer is awaited (reading and writing are
/// interleaved, so a process that answers line by line never blocks), so a scorer may either
/// answer each line as it comes or read several and answer them together. Stdout carries
/// nothing but answers (print logs to stderr, whose last lines appear in flowrl's errors), and
/// the process must flush after each answer (Python: `print(..., flush=True)`). On end of input
/// the process should exit; otherwise it gets SIGTERM, then SIGKILL.
///
/// Errors, each naming the command: the process exits or closes stdout before answering
/// (`externalExited`, with its status and stderr), stays silent for `timeout` seconds while
/// answers are outstanding (`externalTimeout`), writes a line that is not a JSON object with an
/// integer "id" and a numeric "reward", or answers an id it was not asked or twice
/// (`externalMalformed`), or returns NaN/±∞ (`externalNonFinite`). After any of these the
/// reward is broken: the process is stopped and every later call repeats the error, because
/// answers still in flight could no longer be matched safely. The caller (the trainer) fails the
/// step before anything is written, so the last checkpoint stays intact.
///
/// flowrl ignores SIGPIPE once an external reward exists, so that a process that dies while
/// being written to is reported as an error instead of killing flowrl.
public final class ExternalReward: Reward, @unchecked Sendable {
    public let name = "external"
    public let command: String
    /// Seconds the process may stay silent while answers are outstanding.
    public let timeout: Double
    private let process = Process()
    private let input: FileHandle, output: FileHandle, errors: FileHandle
    /// All mutable state below is guarded by `lock`: one batch at a time.
    private let lock = NSLock()
    private var nextID = 0
    private var pendingOutput: [UInt8] = []
    private var stderrTail: [UInt8] = []
    private var failure: RewardError?
    private var stopped = false
    /// False once the process has closed stderr, which then leaves the poll set (a closed pipe
    /// would report readable forever and spin the loop).
    private var stderrOpen = true

    /// The child's process id (for tests and diagnostics).
    public var processIdentifier: Int32 { process.processIdentifier }

    /// Starts `command`. A command that does not exist still starts a shell, which exits with
    /// status 127; that is reported by the first `score` call, with the shell's message.
    public init(command: String, timeout: Double = 60) throws {
        let trimmed = command.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw RewardError.externalFailed(command: command, reason: "the command is empty") }
        guard timeout > 0, timeout.isFinite else {
            throw RewardError.externalFailed(command: command, reason: "timeout must be a positive number of seconds, got \(timeout)")
        }
        self.command = trimmed
        self.timeout = timeout
        signal(SIGPIPE, SIG_IGN)
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", trimmed]
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        do { try process.run() } catch {
            throw RewardError.externalFailed(command: trimmed, reason: "cannot start /bin/sh: \(error.localizedDescription)")
        }
        input = stdin.fileHandleForWriting
        output = stdout.fileHandleForReading
        errors = stderr.fileHandleForReading
        // Process.run() has closed the parent's copies of the child's pipe ends, so reading
        // stdout sees end-of-file when the process exits.
        for fd in [input.fileDescriptor, output.fileDescriptor, errors.fileDescriptor] {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
    }

    deinit { stop() }

    public func score(images: [Image], prompts: [String]) throws -> RewardScores {
        try checkCounts(images: images, prompts: prompts)
        lock.lock()
        defer { lock.unlock() }
        if let failure { throw failure }
        do {
            let values = try exchange(images: images, prompts: prompts)
            return RewardScores(single: name, values)
        } catch let e as RewardError {
            failure = e
            stop(graceful: false)
            throw e
        }
    }

    /// Writes one request line per image and collects the answers, interleaving the two with
    /// poll(2) so that neither side can block the other on a full pipe.
    private func exchange(images: [Image], prompts: [String]) throws -> [Float] {
        guard !images.isEmpty else { return [] }
        let firstID = nextID
        nextID += images.count
        var request: [UInt8] = []
        for (i, image) in images.enumerated() {
            let png = try PNG.encode(image, compressionLevel: 6)
            let line = RequestLine(id: firstID + i, prompt: prompts[i], png: Data(png).base64EncodedString())
            request += try JSONEncoder().encode(line)
            request.append(0x0A)
        }
        var rewards = [Float?](repeating: nil, count: images.count)
        var answered = 0, written = 0
        var deadline = Date().addingTimeInterval(timeout)
        while answered < images.count {
            var fds = [pollfd(fd: output.fileDescriptor, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: stderrOpen ? errors.fileDescriptor : -1, events: Int16(POLLIN), revents: 0)]
            if written < request.count { fds.append(pollfd(fd: input.fileDescriptor, events: Int16(POLLOUT), revents: 0)) }
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 {
                throw RewardError.externalTimeout(command: command, seconds: timeout, answered: answered, of: images.count)
            }
            let ready = poll(&fds, nfds_t(fds.count), Int32(min(remaining * 1000 + 1, 60_000)))
            if ready < 0 {
                if errno == EINTR { continue }
                throw RewardError.externalFailed(command: command, reason: "poll failed: \(String(cString: strerror(errno)))")
            }
            if fds[1].revents != 0 { drainStderr() }
            if fds.count > 2, fds[2].revents != 0 {
                let n = request.withUnsafeBytes { write(input.fileDescriptor, $0.baseAddress! + written, request.count - written) }
                if n > 0 {
                    written += n
                } else if n < 0, errno != EAGAIN, errno != EINTR {
                    // EPIPE: the process is gone or closed its input; its exit says why.
                    throw exited(answered: answered, of: images.count)
                }
            }
            if fds[0].revents != 0 {
                var chunk = [UInt8](repeating: 0, count: 65_536)
                let n = chunk.withUnsafeMutableBytes { read(output.fileDescriptor, $0.baseAddress!, $0.count) }
                if n == 0 { throw exited(answered: answered, of: images.count) }
                if n < 0 {
                    if errno == EAGAIN || errno == EINTR { continue }
                    throw RewardError.externalFailed(command: command, reason: "cannot read its output: \(String(cString: strerror(errno)))")
                }
                pendingOutput += chunk[0..<n]
                deadline = Date().addingTimeInterval(timeout)
                while let newline = pendingOutput.firstIndex(of: 0x0A) {
                    let line = String(decoding: pendingOutput[..<newline], as: UTF8.self)
                    pendingOutput.removeSubrange(...newline)
                    guard let (id, reward) = try parseAnswer(line) else { continue }
                    let slot = id - firstID
                    guard slot >= 0, slot < images.count else {
                        throw RewardError.externalMalformed(command: command, line: line,
                                                            reason: "id \(id) was not asked for (this batch has ids \(firstID)…\(firstID + images.count - 1))")
                    }
                    guard rewards[slot] == nil else {
                        throw RewardError.externalMalformed(command: command, line: line, reason: "id \(id) was answered twice")
                    }
                    rewards[slot] = reward
                    answered += 1
                }
                if pendingOutput.count > 1 << 20 {
                    throw RewardError.externalMalformed(command: command, line: String(decoding: pendingOutput.prefix(200), as: UTF8.self),
                                                        reason: "no newline in 1 MB of output")
                }
            }
        }
        return rewards.map { $0 ?? 0 }
    }

    /// The (id, reward) of one answer line, nil for a blank line.
    private func parseAnswer(_ line: String) throws -> (Int, Float)? {
        let text = line.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty { return nil }
        func bad(_ reason: String) -> RewardError { .externalMalformed(command: command, line: text, reason: reason) }
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) else {
            // Python's json.dumps writes NaN and Infinity as bare words, which JSON does not allow,
            // and Foundation refuses numbers beyond Double's range (1e999): both are non-finite.
            if let m = text.firstMatch(of: #/"reward"\s*:\s*(-?Infinity|NaN|[-+0-9.eE]+)/#),
               let value = Double(String(m.1)), !value.isFinite {
                let id = text.firstMatch(of: #/"id"\s*:\s*(-?\d+)/#).flatMap { Int($0.1) } ?? -1
                throw RewardError.externalNonFinite(command: command, id: id, value: String(m.1))
            }
            throw bad("not valid JSON (stdout is reserved for answers; log to stderr)")
        }
        guard let dict = object as? [String: Any] else { throw bad("not a JSON object") }
        guard let idNumber = dict["id"] as? NSNumber, let id = Int(exactly: idNumber.doubleValue) else {
            throw bad("it has no integer \"id\"")
        }
        guard let rewardNumber = dict["reward"] as? NSNumber else {
            throw bad("it has no numeric \"reward\"")
        }
        let reward = rewardNumber.doubleValue
        guard reward.isFinite, Float(reward).isFinite else {
            throw RewardError.externalNonFinite(command: command, id: id, value: String(reward))
        }
        return (id, Float(reward))
    }

    /// The error for a process that stopped answering: waits briefly for its exit status.
    private func exited(answered: Int, of total: Int) -> RewardError {
        let until = Date().addingTimeInterval(1)
        while process.isRunning, Date() < until { usleep(5_000) }
        drainStderr()
        let how: String
        if process.isRunning {
            how = "closed its output"
        } else if process.terminationReason == .uncaughtSignal {
            how = "was killed by signal \(process.terminationStatus)"
        } else {
            how = "exited with status \(process.terminationStatus)"
        }
        return .externalExited(command: command, how: how, answered: answered, of: total, stderr: lastStderrLines())
    }

    /// Reads whatever the process has written to stderr, keeping the last 2 KB.
    private func drainStderr() {
        var chunk = [UInt8](repeating: 0, count: 8192)
        while true {
            guard stderrOpen else { return }
            let n = chunk.withUnsafeMutableBytes { read(errors.fileDescriptor, $0.baseAddress!, $0.count) }
            if n == 0 { stderrOpen = false }
            if n <= 0 { return }
            stderrTail += chunk[0..<n]
            if stderrTail.count > 2048 { stderrTail.removeFirst(stderrTail.count - 2048) }
        }
    }

    /// The last two non-empty lines of stderr, joined, for error messages.
    private func lastStderrLines() -> String {
        String(decoding: stderrTail, as: UTF8.self).split(separator: "\n").suffix(2)
            .map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " | ")
    }

    /// Ends the process: EOF on its stdin first (a well-behaved scorer exits) when `graceful`,
    /// then SIGTERM, then SIGKILL, and waits until it is reaped, so no zombie remains.
    ///
    /// Signals go to the process group: Foundation starts the shell as the leader of a new group,
    /// and a `/bin/sh -c "python3 score.py"` shell does not forward signals to its child, which
    /// would otherwise survive (and keep the pipes open) after the shell is gone.
    private func stop(graceful: Bool = true) {
        if stopped { return }
        stopped = true
        try? input.close()
        if !(graceful && waitForExit(seconds: 1)) {
            signalGroup(SIGTERM)
            if !waitForExit(seconds: 1) {
                signalGroup(SIGKILL)
                // Bounded: a descendant that left the group (a daemon) could hold Foundation's
                // exit notification forever, and flowrl must not hang on it.
                _ = waitForExit(seconds: 5)
            }
        }
        try? output.close()
        try? errors.close()
    }

    private func signalGroup(_ signal: Int32) {
        let pid = process.processIdentifier
        // Never kill(0) or kill(-1): those would reach flowrl itself or every process.
        guard process.isRunning, pid > 1 else { return }
        if getpgid(pid) == pid { kill(-pid, signal) } else { kill(pid, signal) }
    }

    private func waitForExit(seconds: Double) -> Bool {
        let until = Date().addingTimeInterval(seconds)
        while process.isRunning {
            if Date() >= until { return false }
            usleep(2_000)
        }
        return true
    }
}

/// One request line; encoded with JSONEncoder so that any prompt text is escaped correctly.
private struct RequestLine: Encodable {
    let id: Int
    let prompt: String
    let png: String
}

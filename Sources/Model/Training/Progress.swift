import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Progress of a long job on stderr: a redrawn bar on a terminal, plain periodic lines otherwise
/// (so that logs of background runs stay readable).
public final class Progress {
    let total: Int
    let label: String
    let isTTY: Bool
    let started = Date()
    var lastLine = Date.distantPast
    /// Units already done when this process started (a resumed run): the rate counts only the
    /// units done since, or a resumed run would promise an ETA of seconds.
    let startDone: Int
    /// Seconds between plain lines when stderr is not a terminal.
    public var plainInterval: TimeInterval = 10

    public init(total: Int, label: String, alreadyDone: Int = 0) {
        self.total = total
        self.startDone = alreadyDone
        self.label = label
        self.isTTY = isatty(STDERR_FILENO) != 0
    }

    /// Reports that `done` of `total` units are finished, with a short status text.
    public func update(_ done: Int, _ status: String = "") {
        let now = Date()
        let elapsed = now.timeIntervalSince(started)
        let rate = elapsed > 0 ? Double(done - startDone) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        if isTTY {
            let width = 28
            let filled = total > 0 ? min(width, done * width / total) : 0
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            let line = "\r\(label) \(bar) \(done)/\(total) \(status)  eta \(Progress.clock(eta))\u{1B}[K"
            FileHandle.standardError.write(Data(line.utf8))
            if done >= total { FileHandle.standardError.write(Data("\n".utf8)) }
        } else if now.timeIntervalSince(lastLine) >= plainInterval || done >= total {
            lastLine = now
            let line = "\(label) \(done)/\(total) \(status) elapsed \(Progress.clock(elapsed)) eta \(Progress.clock(eta))\n"
            FileHandle.standardError.write(Data(line.utf8))
        }
    }

    /// Ends a bar line early (interrupt or error) so the next message starts on a fresh line.
    public func finishLine() {
        if isTTY { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    static func clock(_ s: Double) -> String {
        guard s.isFinite else { return "?" }
        let t = Int(s)
        return t >= 3600 ? String(format: "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60)
                         : String(format: "%d:%02d", t / 60, t % 60)
    }
}

/// Prints a message line on stderr.
public func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

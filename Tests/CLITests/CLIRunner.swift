import Foundation
import XCTest

/// Runs the real `flowrl` executable built beside the test bundle, capturing its output.
enum CLI {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        /// False when the process died of a signal (a trap or crash) rather than exiting.
        var exited: Bool
    }

    /// The flowrl binary of this build: beside the test executable (Linux) or beside the .xctest
    /// bundle (macOS).
    static var binary: URL {
        let exe = Bundle.main.executableURL ?? Bundle.main.bundleURL
        var dir = exe.deletingLastPathComponent()
        while dir.path.count > 1 {
            let candidate = dir.appendingPathComponent("flowrl")
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDir), !isDir.boolValue { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return exe.deletingLastPathComponent().appendingPathComponent("flowrl")
    }

    /// The package root (so relative defaults such as prompts/ and models/ resolve).
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static func run(_ args: [String], cwd: URL? = nil, environment: [String: String] = [:]) throws -> Result {
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        p.currentDirectoryURL = cwd ?? packageRoot
        if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                      stderr: String(decoding: e, as: UTF8.self), exited: p.terminationReason == .exit)
    }

    /// Starts the binary in the background with stdout and stderr going to `log`, for tests that
    /// signal or kill it; the caller waits for it.
    static func start(_ args: [String], cwd: URL, log: URL, environment: [String: String] = [:]) throws -> Process {
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        p.currentDirectoryURL = cwd
        if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        p.standardOutput = handle
        p.standardError = handle
        try p.run()
        return p
    }

    /// Asserts a user error: non-zero exit, exactly one line on stderr starting with "flowrl: "
    /// and containing `mention`, no stack trace. Returns that line.
    @discardableResult
    static func assertOneLineError(_ args: [String], mentions mention: String, cwd: URL? = nil,
                                   file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let r = try run(args, cwd: cwd)
        XCTAssertNotEqual(r.status, 0, "exit status of \(args)", file: file, line: line)
        let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: true)
        XCTAssertEqual(lines.count, 1, "stderr of \(args): \(r.stderr)", file: file, line: line)
        XCTAssertTrue(r.stderr.hasPrefix("flowrl: "), "stderr of \(args): \(r.stderr)", file: file, line: line)
        XCTAssertTrue(r.stderr.contains(mention), "stderr of \(args) lacks '\(mention)': \(r.stderr)", file: file, line: line)
        for bad in ["Fatal error", "Stack dump", "backtrace", "Illegal instruction"] {
            XCTAssertFalse(r.stderr.contains(bad), "\(args) crashed: \(r.stderr)", file: file, line: line)
        }
        XCTAssertTrue(r.exited, "\(args) died of signal \(r.status)", file: file, line: line)
        return r.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `assertOneLineError` run in `fixture.root`, also asserting that no file under it was
    /// written, changed or removed.
    @discardableResult
    static func assertRejected(_ args: [String], mentions mention: String, in fixture: Fixture,
                               file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let before = DirectorySnapshot(fixture.root)
        let message = try assertOneLineError(args, mentions: mention, cwd: fixture.root, file: file, line: line)
        let after = DirectorySnapshot(fixture.root)
        XCTAssertEqual(before.difference(to: after), [], "\(args) touched files", file: file, line: line)
        // The messages are the issue's note: `swift test … | grep '^rejected:'` lists them.
        print("rejected: flowrl \(args.joined(separator: " "))\n    → \(message)")
        return message
    }
}

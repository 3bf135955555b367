import Foundation
import XCTest

/// Runs the real `flowrl` executable built beside the test bundle, capturing its output.
enum CLI {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
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

    static func run(_ args: [String], cwd: URL? = nil) throws -> Result {
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        p.currentDirectoryURL = cwd ?? packageRoot
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                      stderr: String(decoding: e, as: UTF8.self))
    }

    /// Asserts a user error: non-zero exit, exactly one line on stderr starting with "flowrl: "
    /// and containing `mention`, no stack trace.
    static func assertOneLineError(_ args: [String], mentions mention: String, cwd: URL? = nil,
                                   file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try run(args, cwd: cwd)
        XCTAssertNotEqual(r.status, 0, "exit status of \(args)", file: file, line: line)
        let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: true)
        XCTAssertEqual(lines.count, 1, "stderr of \(args): \(r.stderr)", file: file, line: line)
        XCTAssertTrue(r.stderr.hasPrefix("flowrl: "), "stderr of \(args): \(r.stderr)", file: file, line: line)
        XCTAssertTrue(r.stderr.contains(mention), "stderr of \(args) lacks '\(mention)': \(r.stderr)", file: file, line: line)
        for bad in ["Fatal error", "Stack dump", "backtrace", "Illegal instruction"] {
            XCTAssertFalse(r.stderr.contains(bad), "\(args) crashed: \(r.stderr)", file: file, line: line)
        }
    }
}

import Foundation
import Imaging
import XCTest
@testable import Model

final class LeftoverFilesTests: XCTestCase {
    /// The pid of a process that has exited (a child started and waited for).
    func deadPid() throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run()
        p.waitUntilExit()
        return p.processIdentifier
    }

    func testTemporariesOfDeadWritersAreRemovedAndLiveOnesKept() throws {
        let dir = NSTemporaryDirectory() + "flowrl-leftovers-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let dead = try deadPid()
        let names = [".step_000010.png.\(UUID().uuidString).tmp-\(dead)",   // a PNG write killed half way
                     "config.json.tmp-\(dead)",                               // an atomic file write killed half way
                     "metrics.jsonl.tmp-\(getpid())",                         // this process's own write in flight
                     "step_000010.png"]
        for n in names { FileManager.default.createFile(atPath: dir + "/" + n, contents: Data([1])) }

        AtomicFiles.removeLeftovers(in: dir)
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: dir))
        XCTAssertEqual(left, ["metrics.jsonl.tmp-\(getpid())", "step_000010.png"])
    }

    func testPNGWriteLeavesNoTemporaryBehind() throws {
        let dir = NSTemporaryDirectory() + "flowrl-pngtmp-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try PNG.write(Image(width: 4, height: 4), to: dir + "/a.png")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["a.png"])
    }
}

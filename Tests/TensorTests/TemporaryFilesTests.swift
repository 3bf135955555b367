import Foundation
import Tensor
import XCTest

/// The registry of this process's temporaries removes exactly what is registered: files first,
/// then their (then empty) directories; unregistered paths stay.
final class TemporaryFilesTests: XCTestCase {
    func testRemoveAllDeletesRegisteredFilesAndDirectoriesOnly() throws {
        let root = NSTemporaryDirectory() + "flowrl-tmpfiles-\(UUID().uuidString)"
        let dir = root + "/.tmp-step_000001-1"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // The directory is registered before its file, as CheckpointStore does; removal must still
        // empty it first.
        let tokens = [TemporaryFiles.register(dir, isDirectory: true), TemporaryFiles.register(dir + "/model.safetensors"),
                      TemporaryFiles.register(root + "/a.png.tmp-1")]
        XCTAssertFalse(tokens.contains(nil))
        for path in [dir + "/model.safetensors", root + "/a.png.tmp-1", root + "/keep.json"] {
            XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data("x".utf8)))
        }
        let written = TemporaryFiles.register(root + "/done.tmp-1")   // renamed away: unregistered
        TemporaryFiles.unregister(written)
        XCTAssertTrue(FileManager.default.createFile(atPath: root + "/done.tmp-1", contents: nil))

        TemporaryFiles.removeAll()
        let left = try FileManager.default.contentsOfDirectory(atPath: root).sorted()
        XCTAssertEqual(left, ["done.tmp-1", "keep.json"])
        XCTAssertFalse(TemporaryFiles.registered.contains { $0.hasPrefix(root) })
        try FileManager.default.removeItem(atPath: root)
    }

    func testAPathLongerThanASlotIsNotRegistered() {
        XCTAssertNil(TemporaryFiles.register("/" + String(repeating: "a", count: 5000)))
    }
}

import Foundation
import XCTest

/// scripts/read-tensorboard.py: TensorBoard's own EventAccumulator reading a logdir, as JSON.
/// Skips the test (with the reason) where python3 or the tensorboard package is missing.
public enum TensorBoardReader {
    public static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/read-tensorboard.py").path
    }

    /// runs → {"file_version", "scalars", "histograms", "images", "texts"}.
    public static func read(_ logdir: String) throws -> [String: [String: Any]] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script, logdir]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        do { try p.run() } catch { throw XCTSkip("python3 is not available: \(error)") }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        if p.terminationStatus == 127 { throw XCTSkip("python3 is not available") }
        if p.terminationStatus == 3 {
            throw XCTSkip("Python's tensorboard package is not installed (python3 -m pip install tensorboard): "
                          + String(decoding: e, as: UTF8.self))
        }
        guard p.terminationStatus == 0, let json = try JSONSerialization.jsonObject(with: o) as? [String: Any],
              let runs = json["runs"] as? [String: [String: Any]] else {
            throw NSError(domain: "TensorBoardReader", code: Int(p.terminationStatus),
                          userInfo: [NSLocalizedDescriptionKey: String(decoding: e, as: UTF8.self)])
        }
        return runs
    }
}

import Foundation
import XCTest

/// Debian's headless Chromium, to check that a report page renders with no network and no server.
/// Skips the test where it is not installed.
enum Chromium {
    static var binary: String? {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            for dir in ["/usr/bin", "/usr/local/bin", "/snap/bin"] where FileManager.default.isExecutableFile(atPath: dir + "/" + name) {
                return dir + "/" + name
            }
        }
        return nil
    }

    /// Runs chromium headless on `html` with `args` ("--dump-dom" or "--screenshot=PATH"); returns stdout.
    static func run(_ html: String, _ args: [String]) throws -> String {
        guard let binary else { throw XCTSkip("chromium is not installed (apt-get install chromium)") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        // No network is needed: the page holds every byte it shows, and --dump-dom would show a
        // failed external load as a missing image rather than an error, so the test checks the DOM too.
        p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                       "--user-data-dir=" + NSTemporaryDirectory() + "flowrl-chromium-\(UUID().uuidString)"]
            + args + ["file://" + html]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        _ = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "chromium \(args) on \(html)")
        return String(decoding: o, as: UTF8.self)
    }
}

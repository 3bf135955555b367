import ArgumentParser
import Foundation
import Tracking

/// `flowrl report`: one self-contained HTML page for a run or a study.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a self-contained HTML report (inline SVG plots, embedded grids, no network) for a run or a study.")

    @Argument(help: "A run directory (with metrics.jsonl) or a study directory (with study.json and report.json).")
    var source: String
    @Option(help: "HTML file to write (default: <dir>/report.html).") var out: String?

    func run() throws {
        let html: String
        switch try RunOrStudy.classify(source) {
        case .run(let dir): html = try RunReport.load(dir).html()
        case .study(let dir): html = try StudyReport.load(dir).html()
        }
        let path = out ?? source + "/report.html"
        guard FileManager.default.createFile(atPath: path, contents: Data(html.utf8)) else { throw TrackingError.notWritable(path) }
        print("wrote \(path)")
    }
}

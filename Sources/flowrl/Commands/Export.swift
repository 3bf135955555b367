import ArgumentParser
import Foundation
import Tracking

/// `flowrl export`: runs and studies in other tools' formats.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export runs and studies for other tools (TensorBoard).",
        subcommands: [ExportTensorBoard.self])
}

/// `flowrl export tensorboard`: event files from metrics.jsonl, grids and config.json.
struct ExportTensorBoard: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tensorboard",
        abstract: "Write TensorBoard event files for run or study directories (a study becomes one logdir, one sub-run per ARM/seed-S).")

    @Argument(help: "Run directories (with metrics.jsonl) or study directories (with study.json).") var sources: [String]
    @Option(help: "Logdir to write into: a run goes to DIR/<run name>, a study's runs to DIR/ARM/seed-S (default: RUN/tb or STUDY/tb).")
    var out: String?

    func validate() throws {
        guard !sources.isEmpty else { throw ValidationError("give at least one run or study directory") }
    }

    func run() throws {
        for source in sources {
            for dir in try TensorBoardExport.export(source, out: out) { print("wrote \(dir)") }
        }
        if let out { print("view with: tensorboard --logdir \(out)") }
    }
}

import ArgumentParser
import Foundation
import RL

/// `flowrl compare`: one PNG and a table of final numbers for run directories (one run: how it moved).
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare training runs: grids side by side, reward and gold metrics vs step, log-ratio diagnostics.")

    @Argument(help: "Run directories written by `flowrl train` (one shows how that run moved).") var runs: [String]
    @Option(help: "Where to write the comparison PNG.") var out: String = "outputs/compare.png"
    @Option(help: "Iterations averaged for per-step log-ratio curves and recent numbers.") var window: Int = 10
    @Flag(help: "Also show the grids of the first step common to all runs (one run: first and last side by side).") var firstStep = false
    @Flag(help: "Print the final numbers as JSON instead of a table.") var json = false

    func validate() throws {
        guard !runs.isEmpty else { throw ValidationError("give at least one run directory") }
        guard window >= 1 else { throw ValidationError("--window must be at least 1, got \(window)") }
    }

    func run() throws {
        var report = try ComparisonReport.load(runs)
        report.window = window
        report.includeFirstGridStep = firstStep
        try report.write(to: out)
        print(json ? try report.table.json() : report.table.text)
        if !json { print("wrote \(out)") }
    }
}

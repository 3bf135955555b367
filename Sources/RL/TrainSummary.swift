import Foundation

/// The few lines `flowrl train` prints when a run ends or is interrupted, read back from the run
/// directory (so they say what metrics.jsonl says, resumed parts included): held-out strict
/// accuracy at the start, at its best and at the end; how the proxy moved on the same held-out
/// images (proxy up while strict accuracy falls is over-optimization); where the grids are; and the
/// command that draws the before/after figure.
public struct TrainSummary: Sendable {
    public var directory: String
    /// Held-out strict accuracy (fraction) per evaluation step.
    public var strict: MetricSeries
    /// The training reward on the held-out images (`eval_proxy`) per evaluation step.
    public var proxy: MetricSeries
    /// Steps with a grids/step_NNNNNN.png.
    public var gridSteps: [Int]

    /// Reads `directory`'s metrics.jsonl and grids; errors are those of `RunRecord.load`.
    public init(run directory: String) throws {
        let record = try RunRecord.load(directory)
        self.directory = directory
        strict = record.eval["eval_strict"] ?? MetricSeries()
        proxy = record.eval["eval_proxy"] ?? MetricSeries()
        gridSteps = record.gridSteps
    }

    /// The summary, one line per fact.
    public var lines: [String] {
        var out = ["summary of \(directory):"]
        if let first = strict.steps.first, let best = strict.best, let last = strict.last {
            out.append("  held-out strict accuracy: \(TrainSummary.percent(strict.values[0])) at step \(first), "
                       + "best \(TrainSummary.percent(best.value)) at step \(best.step), "
                       + "end \(TrainSummary.percent(last.value)) at step \(last.step) "
                       + "(\(TrainSummary.points(last.value - strict.values[0])) points)")
        } else {
            out.append("  held-out strict accuracy: no evaluation logged yet")
        }
        if let first = proxy.steps.first, let last = proxy.last {
            out.append(String(format: "  held-out proxy reward (eval_proxy): %.3f at step %d → %.3f at step %d",
                              proxy.values[0], first, last.value, last.step))
        }
        let grids = directory + "/" + RunRecord.gridsFolder + "/"
        if let a = gridSteps.first, let b = gridSteps.last {
            out.append("  grids: \(grids) (\(RunRecord.gridFileName(a))" + (a == b ? "" : " … \(RunRecord.gridFileName(b))") + ")")
        } else {
            out.append("  grids: none written yet (\(grids))")
        }
        if gridSteps.count >= 2 {
            out.append("  before/after figure: flowrl compare \(directory) --first-step")
        }
        return out
    }

    public var text: String { lines.joined(separator: "\n") }

    static func percent(_ x: Double) -> String { String(format: "%.1f%%", 100 * x) }
    static func points(_ dx: Double) -> String { String(format: "%+.1f", 100 * dx) }
}

import Foundation
import Shapes

/// The final numbers of one run, as `flowrl compare` prints them (and writes with `--json`).
public struct RunSummary: Codable, Equatable, Sendable {
    public var name: String
    public var directory: String
    public var algo: String
    public var reward: String
    /// The last training step logged (iterations done).
    public var iterations: Int
    public var plannedIterations: Int?
    public var finalRewardMean: Double?
    /// reward_mean averaged over the last `window` iterations (one iteration's mean is noisy).
    public var recentRewardMean: Double?
    public var bestEvalStrict: Double?
    public var bestEvalStrictStep: Int?
    public var finalEvalStrict: Double?
    public var finalEvalStep: Int?
    /// The last value of every eval_* metric (eval_strict, eval_partial, eval_quality, per category…).
    public var finalEval: [String: Double]
    public var finalClipfrac: Double?
    public var finalKL: Double?
    public var finalApproxKL: Double?
    /// Mean over timesteps of log_ratio_mean_per_step, averaged over the last `window` iterations.
    public var meanLogRatio: Double?
    /// Smallest and largest per-timestep std of log ρ over the same window: a wide range is the
    /// step-dependent spread GRPO-Guard removes.
    public var logRatioStdMin: Double?
    public var logRatioStdMax: Double?

    enum CodingKeys: String, CodingKey {
        case name, directory, algo, reward, iterations, plannedIterations = "planned_iterations"
        case finalRewardMean = "final_reward_mean", recentRewardMean = "recent_reward_mean"
        case bestEvalStrict = "best_eval_strict", bestEvalStrictStep = "best_eval_strict_step"
        case finalEvalStrict = "final_eval_strict", finalEvalStep = "final_eval_step", finalEval = "final_eval"
        case finalClipfrac = "final_clipfrac", finalKL = "final_kl", finalApproxKL = "final_approx_kl"
        case meanLogRatio = "mean_log_ratio", logRatioStdMin = "log_ratio_std_min", logRatioStdMax = "log_ratio_std_max"
    }

    /// Summarizes `run`; per-step and recent averages use its last `window` iterations.
    public init(run: RunRecord, name: String, window: Int) {
        self.name = name
        directory = run.directory; algo = run.algo; reward = run.reward
        iterations = run.lastStep; plannedIterations = run.plannedIterations
        let rewards = run.training["reward_mean"]
        finalRewardMean = rewards?.last?.value
        recentRewardMean = rewards.flatMap { s in
            let tail = s.values.suffix(max(1, window)).filter(\.isFinite)
            return tail.isEmpty ? nil : tail.reduce(0, +) / Double(tail.count)
        }
        let strict = run.eval["eval_strict"]
        bestEvalStrict = strict?.best?.value; bestEvalStrictStep = strict?.best?.step
        finalEvalStrict = strict?.last?.value; finalEvalStep = strict?.last?.step
        finalEval = [:]
        for key in ComparisonTable.evalKeys([run]) { finalEval[key] = run.eval[key]?.last?.value }
        finalClipfrac = run.training["clipfrac"]?.last?.value
        finalKL = run.training["kl"]?.last?.value
        finalApproxKL = run.training["approx_kl"]?.last?.value
        let means = run.perStepMean("log_ratio_mean_per_step", window: window)
        meanLogRatio = means.isEmpty ? nil : means.reduce(0, +) / Double(means.count)
        let stds = run.perStepMean("log_ratio_std_per_step", window: window)
        logRatioStdMin = stds.min(); logRatioStdMax = stds.max()
    }
}

/// The text table of final numbers: one row per quantity, one column per run.
public struct ComparisonTable: Sendable {
    public var summaries: [RunSummary]
    public var window: Int

    public init(runs: [RunRecord], names: [String], window: Int) {
        precondition(runs.count == names.count, "one name per run")
        self.window = window
        summaries = zip(runs, names).map { RunSummary(run: $0, name: $1, window: window) }
    }

    /// Eval metrics to report, in reading order: strict, partial, other overall metrics
    /// (quality, diversity, …), then per-category ones; timings are not metrics.
    static func evalKeys(_ runs: [RunRecord]) -> [String] {
        Set(runs.flatMap { $0.eval.keys }).filter { $0.hasPrefix("eval_") && !$0.contains("seconds") }
            .sorted(by: evalOrder)
    }

    /// Rows of (quantity, one cell per run).
    public var rows: [(String, [String])] {
        func cells(_ f: (RunSummary) -> String) -> [String] { summaries.map(f) }
        func num(_ v: Double?) -> String { v.map { ComparisonTable.format($0) } ?? "-" }
        func pct(_ v: Double?) -> String { v.map { $0.isFinite ? String(format: "%.1f%%", $0 * 100) : "\($0)" } ?? "-" }
        var out: [(String, [String])] = [
            ("algo", cells(\.algo)),
            ("reward", cells(\.reward)),
            ("iterations", cells { s in s.plannedIterations.map { "\(s.iterations) of \($0)" } ?? "\(s.iterations)" }),
            ("reward_mean final", cells { num($0.finalRewardMean) }),
            ("reward_mean last \(window)", cells { num($0.recentRewardMean) }),
            ("eval_strict best @ step", cells { s in s.bestEvalStrict.map { pct($0) + " @ \(s.bestEvalStrictStep ?? 0)" } ?? "-" }),
            ("eval_strict final @ step", cells { s in s.finalEvalStrict.map { pct($0) + " @ \(s.finalEvalStep ?? 0)" } ?? "-" }),
        ]
        for key in Set(summaries.flatMap { $0.finalEval.keys }).sorted(by: ComparisonTable.evalOrder)
        where key != "eval_strict" {
            out.append(("\(key) final", cells { s in
                key.hasPrefix("eval_strict") ? pct(s.finalEval[key]) : num(s.finalEval[key])
            }))
        }
        out += [
            ("clipfrac final", cells { num($0.finalClipfrac) }),
            ("kl final", cells { num($0.finalKL) }),
            ("approx_kl final", cells { num($0.finalApproxKL) }),
            ("mean log rho (last \(window))", cells { num($0.meanLogRatio) }),
            ("std log rho min..max", cells { s in
                guard let a = s.logRatioStdMin, let b = s.logRatioStdMax else { return "-" }
                return num(a) + ".." + num(b)
            }),
        ]
        return out
    }

    /// Strict, partial, other overall metrics, then per-category ones; alphabetical within each.
    static func evalOrder(_ a: String, _ b: String) -> Bool {
        func rank(_ key: String) -> Int {
            if key == "eval_strict" { return 0 }
            if key == "eval_partial" { return 1 }
            return isPerCategory(key) ? 3 : 2
        }
        return (rank(a), a) < (rank(b), b)
    }

    /// Whether an eval metric is one caption category's share (eval_strict_counting, …).
    static func isPerCategory(_ key: String) -> Bool {
        CaptionCategory.allCases.contains { key.hasSuffix("_" + $0.rawValue) }
    }

    /// The table as monospaced text, a header row of run names first.
    public var text: String {
        let table = [("", summaries.map(\.name))] + rows
        let labelWidth = table.map(\.0.count).max() ?? 0
        let columnWidths = summaries.indices.map { j in table.map { $0.1[j].count }.max() ?? 0 }
        return table.map { label, cells in
            var line = label.padding(toLength: labelWidth, withPad: " ", startingAt: 0)
            for (j, cell) in cells.enumerated() {
                line += "  " + cell.padding(toLength: columnWidths[j], withPad: " ", startingAt: 0)
            }
            return String(line.reversed().drop { $0 == " " }.reversed())
        }.joined(separator: "\n")
    }

    /// The summaries as pretty JSON (`{"runs": [...]}`); non-finite numbers become "nan"/"inf".
    public func json() throws -> String {
        struct Document: Encodable { var window: Int; var runs: [RunSummary] }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(Document(window: window, runs: summaries)), as: UTF8.self)
    }

    /// Four significant digits, in exponent form for very small or large magnitudes.
    static func format(_ v: Double) -> String {
        guard v.isFinite else { return "\(v)" }
        let m = abs(v)
        if m != 0 && (m < 1e-3 || m >= 1e5) { return String(format: "%.3e", v) }
        return String(format: "%.4f", v)
    }
}

import Foundation

/// report.md: the study's tables in words a reader can quote, each interval with its n.
extension StudyReport {
    /// Accuracy-like metrics (fractions) are shown in percent, differences in points.
    static func isFraction(_ metric: String) -> Bool {
        metric.hasPrefix("eval_strict") || metric.hasPrefix("eval_fail") || metric == "eval_pass_at_k"
    }

    static func format(_ v: Double?, _ metric: String) -> String {
        guard let v, v.isFinite else { return "—" }
        if isFraction(metric) { return String(format: "%.1f", v * 100) }
        if metric == "seconds" { return String(format: "%.0f", v) }
        if metric == "step" { return String(format: "%.0f", v) }
        if metric == "ratio" { return String(format: "%.2f", v) }
        if metric == "share" { return String(format: "%.0f%%", v * 100) }
        if metric == "seconds per iteration" { return String(format: "%.2f", v) }
        return String(format: "%.3f", v)
    }

    /// "55.4 [51.0, 59.8] (n 3)" — or "55.4 (n 1)" where the interval is undefined.
    static func cell(_ x: Interval?, _ metric: String, signed: Bool = false) -> String {
        guard let x else { return "—" }
        var mean = format(x.mean, metric)
        if signed && x.mean >= 0 { mean = "+" + mean }
        guard let lo = x.low, let hi = x.high else { return "\(mean) (n \(x.n))" }
        return "\(mean) [\(format(lo, metric)), \(format(hi, metric))] (n \(x.n))"
    }

    /// "+2.5 [-0.5, 5.4] (n 4) | not distinguishable": a paired difference and what it says.
    static func judged(_ x: Interval?, _ metric: String) -> String {
        "\(cell(x, metric, signed: true)) | \(verdict(x))"
    }

    static func verdict(_ x: Interval?) -> String {
        guard let x else { return "no data" }
        guard x.low != nil else { return "one seed: no interval" }
        return x.excludesZero ? (x.mean > 0 ? "higher" : "lower") : "not distinguishable"
    }

    /// What the time axis measures: CPU seconds when every run logged them.
    var secondsUnit: String { runs.filter { !$0.steps.isEmpty }.allSatisfy(\.cpuSeconds) ? "CPU seconds" : "seconds" }
    var secondsMeaning: String {
        secondsUnit == "CPU seconds"
            ? "the CPU seconds of each iteration (all threads; evaluation excluded), so runs sharing the cores are not penalised"
            : "wall-clock seconds of rollout, reward and update (evaluation excluded)"
    }

    public func markdown() -> String {
        let pct = Int((confidence * 100).rounded())
        var md = "# Study `\(study.name)`\n\n"
        md += "Regenerate: `flowrl study run \(study.source)` (resumes; the report is rewritten at the end) or "
        md += "`flowrl study report DIR`. Arms: \(study.arms.joined(separator: ", ")); baseline **\(study.baseline)**; "
        md += "seeds \(study.seeds.map(String.init).joined(separator: ", ")). "
        md += "Every interval is a \(pct)% Student-t interval over seeds (n − 1 degrees of freedom); paired differences "
        md += "are taken seed by seed against the baseline (the same seed gives every arm the same prompts and starting noises). "
        md += "Strict accuracy and its differences are in percent / percentage points.\n\n"
        let missing = runs.filter { $0.status != .finished }
        if missing.isEmpty {
            md += "All \(runs.count) runs finished.\n\n"
        } else {
            md += "Runs not finished (left out of the summary and the paired peak/final rows):\n\n"
            for r in missing {
                md += "- \(r.arm) seed \(r.seed): \(r.status.rawValue)" + (r.steps.last.map { " at step \($0)" } ?? "")
                    + (r.error.map { " — \($0)" } ?? "") + "\n"
            }
            md += "\n"
        }
        if Set(study.rewards.values).count > 1 {
            md += "Note: the arms optimize different rewards, so `eval_proxy` and the equal-proxy readings compare different proxies.\n\n"
        }

        md += "## Over-optimization summary\n\n"
        md += "Held-out strict accuracy (finished runs). *Given back* = final − best. *At equal proxy* = strict accuracy when the "
        md += "held-out proxy first reaches \(StudyReport.format(equalProxyLevel, "eval_proxy")), the highest level every finished run of every arm "
        md += "reaches (linear interpolation between evaluations). *At equal time* = strict accuracy after "
        md += "\(StudyReport.format(equalTimeSeconds, "seconds")) \(secondsUnit) of training, the shortest run's total. "
        md += "Training time is \(secondsMeaning).\n\n"
        md += "| arm | start | best | best step | final | given back | at equal proxy | at equal time | train seconds |\n"
        md += "|---|---|---|---|---|---|---|---|---|\n"
        for arm in study.arms {
            guard let s = summary[arm] else { continue }
            md += "| \(arm) | \(StudyReport.cell(s.initialStrict, "eval_strict")) | \(StudyReport.cell(s.bestStrict, "eval_strict")) | "
            md += "\(StudyReport.cell(s.bestStep, "step")) | \(StudyReport.cell(s.finalStrict, "eval_strict")) | "
            md += "\(StudyReport.cell(s.finalMinusBest, "eval_strict", signed: true)) | \(StudyReport.cell(s.strictAtEqualProxy, "eval_strict")) | "
            md += "\(StudyReport.cell(s.strictAtEqualTime, "eval_strict")) | \(StudyReport.cell(s.trainSeconds, "seconds")) |\n"
        }
        if let g = baselineGain, g > 0 {
            md += "\nTime to the baseline's mean gain (\(String(format: "%+.1f", g * 100)) points of strict accuracy over the start), "
            md += "in training \(secondsUnit), over the seeds that reach it; *fraction* = those seconds over the baseline run's "
            md += "total of the same seed (below 0.33: the baseline's gain in a third of its time):\n\n"
            md += "| arm | seeds reaching it | seconds | baseline's total seconds | fraction |\n|---|---|---|---|---|\n"
            let baseSeconds = summary[study.baseline]?.trainSeconds
            for arm in study.arms {
                guard let s = summary[arm] else { continue }
                md += "| \(arm) | \(s.reachedBaselineGain)/\(s.finished) | \(StudyReport.cell(s.secondsToBaselineGain, "seconds")) | "
                md += "\(StudyReport.cell(baseSeconds, "seconds")) | \(StudyReport.cell(s.fractionOfBaselineSeconds, "ratio")) |\n"
            }
        }
        md += timeSections()
        md += "\n## Paired differences from \(study.baseline)\n\n"
        md += "Arm minus baseline, seed by seed. *Peak* = best over evaluations minus the baseline's best; *final* = last "
        md += "evaluation; *at equal proxy* = strict accuracy at the highest proxy level every run of the pair reaches.\n\n"
        md += "| arm | metric | final | verdict | peak | verdict |\n|---|---|---|---|---|---|\n"
        for arm in study.arms where arm != study.baseline {
            guard let p = paired[arm] else { continue }
            for m in study.metrics {
                md += "| \(arm) | \(m) | \(StudyReport.judged(p.final[m] ?? nil, m)) | \(StudyReport.judged(p.peak[m] ?? nil, m)) |\n"
            }
            md += "| \(arm) | eval_strict at equal proxy (\(StudyReport.format(p.equalProxyLevel, "eval_proxy"))) | "
                + "\(StudyReport.judged(p.strictAtEqualProxy, "eval_strict")) | | |\n"
            md += "| \(arm) | eval_strict at equal time (\(StudyReport.format(p.equalTimeSeconds, "seconds")) s) | "
                + "\(StudyReport.judged(p.strictAtEqualTime, "eval_strict")) | | |\n"
        }

        let k = study.arms.count - 1
        if k > 1 {
            md += "\nThe primary comparison, strict accuracy at equal proxy, is made once per arm: with \(k) arms against the "
            md += "baseline, each at \(String(format: "%.1f", adjustedConfidence * 100))% (Bonferroni) so that the chance of any "
            md += "false verdict among the \(k) stays at most \(100 - pct)%. The other rows are unadjusted \(pct)% intervals, "
            md += "\(k * (study.metrics.count * 2 + 2)) of them: where two arms do not really differ, about one row in twenty still "
            md += "says \"higher\" or \"lower\".\n\n"
            md += "| arm | eval_strict at equal proxy, adjusted | verdict |\n|---|---|---|\n"
            for arm in study.arms where arm != study.baseline {
                guard let p = paired[arm] else { continue }
                md += "| \(arm) | \(StudyReport.judged(p.strictAtEqualProxyAdjusted, "eval_strict")) |\n"
            }
        }

        for m in study.metrics {
            md += "\n## \(m) by evaluation step\n\n| step | " + study.arms.joined(separator: " | ") + " |\n"
            md += "|---|" + String(repeating: "---|", count: study.arms.count) + "\n"
            let steps = Set(study.arms.flatMap { arms[$0]?.steps ?? [] }).sorted()
            for s in steps {
                md += "| \(s) |"
                for arm in study.arms {
                    let a = arms[arm]
                    let x = a.flatMap { a in a.steps.firstIndex(of: s).flatMap { a.metrics[m]?[$0] } }
                    md += " \(StudyReport.cell(x, m)) |"
                }
                md += "\n"
            }
        }
        md += "\n## Training \(secondsUnit) by evaluation step\n\n| step | " + study.arms.joined(separator: " | ") + " |\n"
        md += "|---|" + String(repeating: "---|", count: study.arms.count) + "\n"
        for s in Set(study.arms.flatMap { arms[$0]?.steps ?? [] }).sorted() {
            md += "| \(s) |"
            for arm in study.arms {
                let x = arms[arm].flatMap { a in a.steps.firstIndex(of: s).flatMap { a.seconds[$0] } }
                md += " \(StudyReport.cell(x, "seconds")) |"
            }
            md += "\n"
        }
        md += "\n![study figure](report.png)\n"
        return md
    }

    /// Strict accuracy against training time, and where each arm's time goes.
    func timeSections() -> String {
        var md = ""
        if !byTime.seconds.isEmpty {
            md += "\nHeld-out strict accuracy by training \(secondsUnit) (finished runs, linear interpolation between "
            md += "evaluations; the last column is the equal time above):\n\n"
            md += "| arm | " + byTime.seconds.map { String(format: "%.0f s", $0) }.joined(separator: " | ") + " |\n"
            md += "|---|" + String(repeating: "---|", count: byTime.seconds.count) + "\n"
            for arm in study.arms {
                guard let xs = byTime.strict[arm] else { continue }
                md += "| \(arm) | " + xs.map { StudyReport.cell($0, "eval_strict") }.joined(separator: " | ") + " |\n"
            }
        }
        md += "\nWhere the training time goes (finished runs): \(secondsUnit == "CPU seconds" ? "CPU" : "wall-clock") seconds per "
        md += "iteration; the shares of an iteration's wall-clock time in rollout (sampling), reward and update; "
        md += "wall-clock seconds of one held-out evaluation (not counted as training time):\n\n"
        md += "| arm | seconds per iteration | rollout | reward | update | seconds per evaluation |\n|---|---|---|---|---|---|\n"
        for arm in study.arms {
            guard let s = summary[arm] else { continue }
            md += "| \(arm) | \(StudyReport.cell(s.cpuPerIteration, "seconds per iteration")) | "
            md += StudyRunData.Cost.phases.map { StudyReport.cell(s.phaseShares[$0] ?? nil, "share") }.joined(separator: " | ")
            md += " | \(StudyReport.cell(s.evaluationSeconds, "seconds")) |\n"
        }
        return md
    }
}

import Foundation

/// `flowrl report STUDY`: the page of a study from its report.json (written by `flowrl study
/// report`): per-arm metric tables with intervals and mean curves with interval bands, the paired
/// differences against the baseline, the over-optimization summary and the strict-vs-proxy
/// frontier. Intervals are null where fewer than two seeds exist; they show as "—".
/// Headings are stable: <h2> Arms, Paired differences, Over-optimization, Frontier.
public struct StudyReport {
    public var name: String
    /// report.json as parsed.
    public var report: [String: Any]
    /// report.png beside report.json, when present.
    public var figure: [UInt8]?

    public static func load(_ directory: String) throws -> StudyReport {
        let path = directory + "/report.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TrackingError.unreadable(path, "no such file (write it with `flowrl study report \(directory)`)")
        }
        guard let object = JSONRecord.parse(data) else {
            throw TrackingError.unreadable(path, "not a JSON object")
        }
        return StudyReport(name: object["study"] as? String ?? RunOrStudy.name(directory), report: object,
                           figure: FileManager.default.contents(atPath: directory + "/report.png").map { [UInt8]($0) })
    }

    var baseline: String { report["baseline"] as? String ?? "" }
    var metrics: [String] { (report["metrics"] as? [Any])?.compactMap { $0 as? String } ?? [] }
    var arms: [String: Any] { report["arms"] as? [String: Any] ?? [:] }
    /// Arms in a stable order: the baseline first, then by name.
    /// The study file's order (`arm_order`, the baseline first in the shipped studies); reports
    /// without it: the baseline, then by name.
    var armNames: [String] {
        if let order = report["arm_order"] as? [String], Set(order) == Set(arms.keys) { return order }
        return arms.keys.sorted { ($0 == baseline ? 0 : 1, $0) < ($1 == baseline ? 0 : 1, $1) }
    }

    static func numbers(_ v: Any?) -> [Double?] { (v as? [Any])?.map { MetricsEvents.number($0) } ?? [] }
    static func num(_ v: Any?) -> Double? { v.flatMap { MetricsEvents.number($0) } }
    static func interval(_ v: Any?, digits: Int = 3) -> String {
        let d = v as? [String: Any] ?? [:]
        let n = num(d["n"]).map { " <span class=\"ci\">n=\(Int($0))</span>" } ?? ""
        return HTML.interval(num(d["mean"]), num(d["ci_low"]), num(d["ci_high"]), digits: digits) + n
    }
    func color(_ arm: String) -> String { SVGPlot.palette[(armNames.firstIndex(of: arm) ?? 0) % SVGPlot.palette.count] }

    public func html() -> String {
        let confidence = StudyReport.num(report["confidence"]).map { String(format: "%.0f%%", $0 * 100) } ?? "95%"
        let seeds = StudyReport.numbers(report["seeds"]).compactMap { $0.map { String(Int($0)) } }
        var body = "<h1>\(HTML.escape(name))</h1>\n"
        body += "<p class=\"sub\">baseline \(HTML.escape(baseline)) · seeds \(seeds.joined(separator: ", ")) · "
            + "\(confidence) Student-t intervals over seeds (— where fewer than two seeds)</p>\n"
        if let figure {
            body += "<figure><img src=\"\(HTML.dataURI(png: figure))\" alt=\"study figure\"><figcaption>report.png</figcaption></figure>\n"
        }
        body += "<h2>Arms</h2>\n" + runsTable() + armSection()
        body += "<h2>Paired differences</h2>\n" + pairedSection()
        body += "<h2>Over-optimization</h2>\n" + summarySection()
        body += "<h2>Training time</h2>\n" + timeSection()
        body += "<h2>Frontier</h2>\n" + frontierSection()
        return HTML.page(title: "flowrl study report: \(name)", body: body)
    }

    func runsTable() -> String {
        let runs = report["runs"] as? [[String: Any]] ?? []
        let rows = runs.map { r in
            [HTML.escape(r["arm"] as? String ?? "?"), StudyReport.num(r["seed"]).map { String(Int($0)) } ?? "—",
             HTML.escape(r["dir"] as? String ?? ""), HTML.escape(r["status"] as? String ?? "?"),
             StudyReport.num(r["last_step"]).map { String(Int($0)) } ?? "—"]
        }
        return "<h3>Runs</h3>\n" + HTML.table(["arm", "seed", "directory", "status", "last step"], rows)
    }

    /// Per metric: final and best mean with intervals per arm, and the mean curves with bands.
    func armSection() -> String {
        var tables = "", plots: [SVGPlot] = []
        for metric in metrics {
            var rows: [[String]] = []
            var series: [SVGPlot.Series] = []
            for arm in armNames {
                guard let a = arms[arm] as? [String: Any], let m = a[metric] as? [String: Any] else { continue }
                let steps = StudyReport.numbers(a["steps"]).map { $0 ?? .nan }
                let mean = StudyReport.numbers(m["mean"]), low = StudyReport.numbers(m["ci_low"]), high = StudyReport.numbers(m["ci_high"])
                let n = StudyReport.numbers(m["n"])
                guard let last = mean.indices.last else { continue }
                let best = mean.indices.filter { mean[$0]?.isFinite ?? false }.max { mean[$0]! < mean[$1]! }
                func at(_ i: Int?) -> String {
                    guard let i else { return "—" }
                    let nn = n[safe: i].flatMap { $0 }.map { " <span class=\"ci\">n=\(Int($0))</span>" } ?? ""
                    return HTML.interval(mean[i], low[safe: i] ?? nil, high[safe: i] ?? nil) + nn
                        + " <span class=\"ci\">@\(steps[safe: i].map { String(Int($0)) } ?? "?")</span>"
                }
                rows.append([HTML.escape(arm), at(last), at(best)])
                series.append(SVGPlot.Series(arm, xs: steps, ys: mean, band: (low, high), markers: true, color: color(arm)))
            }
            guard !rows.isEmpty else { continue }
            tables += "<h3>\(HTML.escape(metric))</h3>\n" + HTML.table(["arm", "final mean [CI]", "best mean [CI]"], rows)
            plots.append(SVGPlot(title: "\(metric) (mean, CI band)", xLabel: "iteration", series: series))
        }
        // Strict accuracy against training time: arms cost different seconds per iteration.
        var timed: [SVGPlot.Series] = []
        for arm in armNames {
            guard let a = arms[arm] as? [String: Any], let sec = a["seconds"] as? [String: Any],
                  let m = a["eval_strict"] as? [String: Any] else { continue }
            timed.append(SVGPlot.Series(arm, xs: StudyReport.numbers(sec["mean"]).map { $0 ?? .nan },
                                        ys: StudyReport.numbers(m["mean"]), markers: true, color: color(arm)))
        }
        let timePlot = SVGPlot(title: "eval_strict against training time", xLabel: "seconds (mean over seeds)", series: timed)
        if !timed.isEmpty && !timePlot.isEmpty { plots.append(timePlot) }
        return "<div class=\"plots\">\n" + plots.map { $0.svg() }.joined(separator: "\n") + "\n</div>\n" + tables
    }

    func pairedSection() -> String {
        let paired = report["paired"] as? [String: Any] ?? [:]
        guard !paired.isEmpty else { return "<p>No paired differences (one arm, or no shared seeds).</p>\n" }
        var rows: [[String]] = [], plots: [SVGPlot] = []
        for arm in armNames where paired[arm] != nil {
            let p = paired[arm] as? [String: Any] ?? [:]
            let peak = p["peak"] as? [String: Any] ?? [:], final = p["final"] as? [String: Any] ?? [:]
            for metric in metrics where peak[metric] != nil || final[metric] != nil {
                rows.append([HTML.escape("\(arm) − \(baseline)"), HTML.escape(metric),
                             StudyReport.interval(peak[metric]), StudyReport.interval(final[metric])])
            }
        }
        for metric in metrics {
            var series: [SVGPlot.Series] = []
            for arm in armNames {
                guard let d = (paired[arm] as? [String: Any])?[metric] as? [String: Any] else { continue }
                series.append(SVGPlot.Series("\(arm) − \(baseline)", xs: StudyReport.numbers(d["steps"]).map { $0 ?? .nan },
                                             ys: StudyReport.numbers(d["diff_mean"]),
                                             band: (StudyReport.numbers(d["ci_low"]), StudyReport.numbers(d["ci_high"])),
                                             markers: true, color: color(arm)))
            }
            var plot = SVGPlot(title: "\(metric): paired difference vs \(baseline)", xLabel: "iteration", series: series)
            plot.referenceY = 0
            if !series.isEmpty && !plot.isEmpty { plots.append(plot) }
        }
        return "<div class=\"plots\">\n" + plots.map { $0.svg() }.joined(separator: "\n") + "\n</div>\n"
            + HTML.table(["difference", "metric", "at peak [CI]", "final [CI]"], rows)
    }

    func summarySection() -> String {
        let summary = report["summary"] as? [String: Any] ?? [:]
        let rows = armNames.compactMap { arm -> [String]? in
            guard let s = summary[arm] as? [String: Any] else { return nil }
            return [HTML.escape(arm), StudyReport.interval(s["best_strict"]), StudyReport.interval(s["best_step"], digits: 0),
                    StudyReport.interval(s["final_minus_best"]), StudyReport.interval(s["strict_at_equal_proxy"]),
                    HTML.number(StudyReport.num(s["equal_proxy_level"]))]
        }
        guard !rows.isEmpty else { return "<p>No summary in report.json.</p>\n" }
        return "<p>Best held-out strict accuracy, its step, how far the final evaluation fell from it, and strict accuracy "
            + "at the first proxy level every run reaches (linear interpolation between evaluations).</p>\n"
            + HTML.table(["arm", "best strict [CI]", "best step [CI]", "final − best [CI]", "strict at equal proxy [CI]", "equal proxy level"], rows)
    }

    /// Strict accuracy at equal training seconds, time to the baseline's gain, and where the time
    /// goes (the `summary` keys of report.json; older reports without them show dashes).
    func timeSection() -> String {
        let summary = report["summary"] as? [String: Any] ?? [:]
        let unit = report["seconds_unit"] as? String ?? "seconds"
        func share(_ s: [String: Any], _ phase: String) -> String {
            let shares = s["phase_share"] as? [String: Any]
            guard let x = StudyReport.num((shares?[phase] as? [String: Any])?["mean"]), x.isFinite else { return "—" }
            return String(format: "%.0f%%", x * 100)
        }
        let rows = armNames.compactMap { arm -> [String]? in
            guard let s = summary[arm] as? [String: Any] else { return nil }
            return [HTML.escape(arm), StudyReport.interval(s["train_seconds"], digits: 0),
                    StudyReport.interval(s["strict_at_equal_seconds"]), StudyReport.interval(s["seconds_to_baseline_gain"], digits: 0),
                    StudyReport.interval(s["fraction_of_baseline_seconds"], digits: 2),
                    StudyReport.interval(s["cpu_seconds_per_iteration"], digits: 2),
                    share(s, "rollout"), share(s, "reward"), share(s, "update"),
                    StudyReport.interval(s["evaluation_seconds"], digits: 0)]
        }
        guard !rows.isEmpty else { return "<p>No summary in report.json.</p>\n" }
        return "<p>Training time in \(HTML.escape(unit)) (evaluation excluded). Strict accuracy after the training time every "
            + "run reaches; time until an arm's strict gain reaches the baseline's mean gain, and that time over the baseline "
            + "run's total of the same seed; per-iteration cost and the shares of rollout, reward and update.</p>\n"
            + HTML.table(["arm", "train seconds [CI]", "strict at equal seconds [CI]", "seconds to baseline's gain [CI]",
                          "fraction of baseline's seconds [CI]", "seconds per iteration [CI]", "rollout", "reward", "update",
                          "seconds per evaluation [CI]"], rows)
    }

    func frontierSection() -> String {
        let frontier = report["frontier"] as? [String: Any] ?? [:]
        var series: [SVGPlot.Series] = []
        for arm in armNames {
            guard let f = frontier[arm] as? [String: Any] else { continue }
            series.append(SVGPlot.Series(arm, xs: StudyReport.numbers(f["proxy"]).map { $0 ?? .nan },
                                         ys: StudyReport.numbers(f["strict_mean"]),
                                         band: (StudyReport.numbers(f["ci_low"]), StudyReport.numbers(f["ci_high"])),
                                         markers: true, color: color(arm)))
        }
        let plot = SVGPlot(title: "Strict accuracy against held-out proxy", xLabel: "held-out proxy (eval_proxy)",
                           yLabel: "eval_strict", series: series)
        guard !series.isEmpty, !plot.isEmpty else { return "<p>No frontier in report.json.</p>\n" }
        return "<p>Higher is better at every proxy level: an arm above another reaches the same proxy with more real "
            + "alignment, i.e. over-optimizes less.</p>\n<div class=\"plots\">\n" + plot.svg() + "\n</div>\n"
    }
}

import Foundation

/// `flowrl report RUN`: one page with the run's settings, metric curves on shared step axes,
/// every evaluation grid, and the ratio / clipping diagnostics. Headings are stable (tests and
/// readers look for them): <h1> the run's name, <h2> Configuration, Metrics, Grids, Diagnostics.
public struct RunReport {
    public var name: String
    /// config.json flattened to dotted keys ("model.width"), sorted.
    public var config: [(key: String, value: String)]
    /// Scalar series of training records and of eval records, by metrics.jsonl key.
    public var training: [String: [(step: Int, value: Double)]] = [:]
    public var eval: [String: [(step: Int, value: Double)]] = [:]
    /// Per-timestep arrays of training records (`*_per_step`), by key.
    public var perStep: [String: [(step: Int, values: [Double])]] = [:]
    public var grids: [(step: Int, png: [UInt8])] = []

    public static func load(_ directory: String) throws -> RunReport {
        var report = RunReport(name: RunOrStudy.name(directory), config: [])
        if let data = FileManager.default.contents(atPath: directory + "/config.json") {
            guard let object = JSONRecord.parse(data) else {
                throw TrackingError.unreadable(directory + "/config.json", "not a JSON object")
            }
            report.config = flatten(object, prefix: "").sorted { $0.key < $1.key }
        }
        var train: [String: [Int: Double]] = [:], ev: [String: [Int: Double]] = [:], arrays: [String: [Int: [Double]]] = [:]
        for record in try RunEvents.readRecords(directory + "/metrics.jsonl") {
            guard let step = MetricsEvents.step(of: record) else { continue }
            let kind = record["kind"] as? String
            guard kind == nil || kind == "eval" else { continue }
            for (key, value) in record where key != "step" && key != "kind" {
                if let x = MetricsEvents.number(value) {
                    if kind == "eval" { ev[key, default: [:]][step] = x } else { train[key, default: [:]][step] = x }
                } else if kind == nil, record["skipped"] == nil, key.hasSuffix("_per_step"), let list = value as? [Any] {
                    let xs = list.compactMap(MetricsEvents.number)
                    if xs.count == list.count, !xs.isEmpty { arrays[key, default: [:]][step] = xs }
                }
            }
        }
        // A later record of a step wins (as after a resume); series ascend by step.
        func series(_ points: [Int: Double]) -> [(step: Int, value: Double)] { points.keys.sorted().map { ($0, points[$0]!) } }
        report.training = train.mapValues(series)
        report.eval = ev.mapValues(series)
        report.perStep = arrays.mapValues { m in m.keys.sorted().map { ($0, m[$0]!) } }
        for (step, path) in RunEvents.gridFiles(directory) {
            if let data = FileManager.default.contents(atPath: path) { report.grids.append((step, [UInt8](data))) }
        }
        return report
    }

    static func flatten(_ value: Any, prefix: String) -> [(key: String, value: String)] {
        if let dict = value as? [String: Any] {
            return dict.flatMap { flatten($0.value, prefix: prefix.isEmpty ? $0.key : prefix + "." + $0.key) }
        }
        // The value's own JSON text, so that true stays "true" (Foundation's NSNumber prints 1).
        if let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys, .withoutEscapingSlashes]) {
            let text = String(decoding: data, as: UTF8.self)
            return [(prefix, text.hasPrefix("\"") && text.hasSuffix("\"") && text.count >= 2 ? String(text.dropFirst().dropLast()) : text)]
        }
        return [(prefix, "\(value)")]
    }

    public func html() -> String {
        var body = "<h1>\(HTML.escape(name))</h1>\n"
        body += "<p class=\"sub\">\(HTML.escape(summaryLine()))</p>\n"
        body += "<h2>Configuration</h2>\n<div class=\"config\">\n"
        if config.isEmpty { body += "<p>No config.json.</p>\n" }
        // Three tables side by side (CSS columns), each kept whole.
        let perColumn = max(1, (config.count + 2) / 3)
        for chunk in stride(from: 0, to: config.count, by: perColumn).map({ Array(config[$0..<min($0 + perColumn, config.count)]) }) {
            body += "<div style=\"break-inside: avoid\">" + HTML.table(["key", "value"], chunk.map { [HTML.escape($0.key), HTML.escape($0.value)] }) + "</div>"
        }
        body += "</div>\n<h2>Metrics</h2>\n<div class=\"plots\">\n" + metricPlots().map { $0.svg() }.joined(separator: "\n") + "\n</div>\n"
        body += "<h2>Grids</h2>\n"
        if grids.isEmpty { body += "<p>No grids in grids/.</p>\n" }
        body += "<div class=\"grids\">\n"
        for g in grids {
            var caption = "step \(g.step)"
            if let s = eval["eval_strict"]?.first(where: { $0.step == g.step }) { caption += String(format: " — strict %.1f%%", s.value * 100) }
            body += "<figure><img src=\"\(HTML.dataURI(png: g.png))\" alt=\"grid at step \(g.step)\"><figcaption>\(caption)</figcaption></figure>\n"
        }
        body += "</div>\n<h2>Diagnostics</h2>\n<div class=\"plots\">\n" + diagnosticPlots().map { $0.svg() }.joined(separator: "\n") + "\n</div>\n"
        return HTML.page(title: "flowrl report: \(name)", body: body)
    }

    func summaryLine() -> String {
        let value = { (key: String) in config.first { $0.key == key }?.value }
        var parts: [String] = []
        if let a = value("algo") { parts.append("algo \(a)") }
        if let r = value("reward") { parts.append("reward \(r)") }
        let last = training.values.compactMap { $0.last?.step }.max() ?? 0
        parts.append("last step \(last)")
        if let s = eval["eval_strict"]?.last { parts.append(String(format: "held-out strict %.1f%% at step %d", s.value * 100, s.step)) }
        if let b = eval["eval_strict"]?.max(by: { $0.value < $1.value }) { parts.append(String(format: "best %.1f%% at step %d", b.value * 100, b.step)) }
        return parts.joined(separator: " · ")
    }

    func line(_ name: String, _ points: [(step: Int, value: Double)]?, markers: Bool = false, dashed: Bool = false) -> SVGPlot.Series? {
        guard let points, !points.isEmpty else { return nil }
        return SVGPlot.Series(name, xs: points.map { Double($0.step) }, ys: points.map { $0.value }, markers: markers, dashed: dashed)
    }

    func plot(_ title: String, y: String = "", _ series: [SVGPlot.Series?]) -> SVGPlot? {
        let s = series.compactMap { $0 }
        let p = SVGPlot(title: title, xLabel: "step", yLabel: y, series: s)
        return s.isEmpty || p.isEmpty ? nil : p
    }

    /// Proxy and gold metrics on the same step axis, so over-optimization (proxy up, gold down) lines up.
    func metricPlots() -> [SVGPlot] {
        let categories = eval.keys.filter { $0.hasPrefix("eval_strict_") }.sorted()
        let plots: [SVGPlot?] = [
            plot("Proxy reward", [line("train reward_mean", training["reward_mean"]), line("held-out eval_proxy", eval["eval_proxy"], markers: true)]),
            plot("Held-out strict accuracy (gold)", [line("eval_strict", eval["eval_strict"], markers: true),
                                                     line("eval_partial", eval["eval_partial"], markers: true, dashed: true)]),
            plot("Strict accuracy per category", categories.map { line(String($0.dropFirst(12)), eval[$0], markers: true) }),
            plot("Image quality (gold)", [line("eval_quality", eval["eval_quality"], markers: true)]),
            plot("Diversity (gold)", [line("eval_diversity", eval["eval_diversity"], markers: true)]),
            plot("Objects (gold)", [line("eval_objects", eval["eval_objects"], markers: true)]),
            plot("Pretraining loss", [line("loss", training["loss"])]),
            // Only when it moves (warm-up, decay): a flat line says less than the config table.
            Set(training["lr"]?.map(\.value) ?? []).count > 1 ? plot("Learning rate", [line("lr", training["lr"])]) : nil,
        ]
        return plots.compactMap { $0 }
    }

    /// Log-ratio per timestep index against step, then the clipping and KL diagnostics.
    func diagnosticPlots() -> [SVGPlot] {
        func perIndex(_ key: String) -> [SVGPlot.Series?] {
            guard let rows = perStep[key], let width = rows.map(\.values.count).max() else { return [] }
            return (0..<width).map { k in
                line("t\(k)", rows.filter { $0.values.count > k }.map { ($0.step, $0.values[k]) })
            }
        }
        let clip = ["clip_pos_high", "clip_pos_low", "clip_neg_high", "clip_neg_low"]
        let plots: [SVGPlot?] = [
            plot("Mean log-ratio per timestep index", perIndex("log_ratio_mean_per_step")),
            plot("Std of log-ratio per timestep index", perIndex("log_ratio_std_per_step")),
            plot("Clip fraction", [line("clipfrac", training["clipfrac"])] + clip.map { line(String($0.dropFirst(5)), training[$0], dashed: true) }),
            plot("Approximate KL (½·mean Δlogp²)", [line("approx_kl", training["approx_kl"])]),
            plot("KL to the reference", [line("kl", training["kl"])]),
            plot("Gradient norm", [line("grad_norm", training["grad_norm"])]),
            plot("Zero-std groups", [line("zero_std_ratio", training["zero_std_ratio"])]),
        ]
        // A diagnostic that never moved (KL with β = 0, no zero-std groups) is left out.
        return plots.compactMap { $0 }.filter { p in Set(p.series.flatMap { $0.ys.compactMap { $0 } }).count > 1 }
    }
}

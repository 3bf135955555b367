import Foundation
import Imaging

/// The line plots of a comparison, one `LinePlot` per metric with one series per run, each run
/// in its own colour in every plot.
extension ComparisonReport {
    /// Proxy reward and every overall gold metric against step.
    func rewardAndGoldPlots(size: (Int, Int)) -> [LinePlot] {
        var plots = [trainingPlot("reward_mean", title: "proxy reward (reward_mean)", size: size)]
        for key in ComparisonTable.evalKeys(runs) where !ComparisonTable.isPerCategory(key) {
            plots.append(evalPlot(key, size: size))
        }
        return plots
    }

    /// How the policy moved: clip fraction, KL to the reference and to the old policy, and the
    /// per-timestep statistics of log rho and of the gradient.
    func updatePlots(size: (Int, Int)) -> [LinePlot] {
        var plots = [
            trainingPlot("clipfrac", title: "clip fraction", size: size),
            trainingPlot("kl", title: "KL to reference (kl)", size: size),
            trainingPlot("approx_kl", title: "approx KL to old policy", size: size),
            perStepPlot("log_ratio_mean_per_step", title: "mean log rho per SDE step", zeroLine: true, size: size),
            perStepPlot("log_ratio_std_per_step", title: "std of log rho per SDE step", zeroLine: false, size: size),
        ]
        if runs.contains(where: { $0.perStep["output_grad_norm_per_step"] != nil }) {
            plots.append(perStepPlot("output_grad_norm_per_step", title: "gradient norm per SDE step",
                                     zeroLine: false, size: size))
        }
        return plots
    }

    /// The 2×2 split {A>0, A<0} × {rho above, below the clip range} against step.
    func clipSplitPlots(size: (Int, Int)) -> [LinePlot] {
        [("clip_pos_high", "A>0, rho > 1+eps (clipped)"), ("clip_pos_low", "A>0, rho < 1-eps"),
         ("clip_neg_high", "A<0, rho > 1+eps"), ("clip_neg_low", "A<0, rho < 1-eps (clipped)")]
            .map { trainingPlot($0.0, title: $0.1, yLabel: "share of rows", size: size) }
    }

    /// A training metric against step. Long noisy series are drawn faint, with a centred moving
    /// average on top in the run's colour, so trends (over-optimization) read at a glance.
    func trainingPlot(_ key: String, title: String, yLabel: String? = nil, size: (Int, Int)) -> LinePlot {
        var faint: [PlotSeries] = [], lines: [PlotSeries] = []
        var smoothed = false
        for (i, run) in runs.enumerated() {
            guard let s = run.training[key], !s.steps.isEmpty else {
                lines.append(PlotSeries(name: names[i] + " (none)", x: [], y: [], color: colors[i]))
                continue
            }
            let x = s.steps.map(Double.init)
            let half = s.values.count / 30
            if half > 0 {
                smoothed = true
                faint.append(PlotSeries(name: "", x: x, y: s.values, color: ComparisonReport.tint(colors[i])))
                lines.append(PlotSeries(name: names[i], x: x, y: ComparisonReport.movingAverage(s.values, half: half),
                                        color: colors[i]))
            } else {
                lines.append(PlotSeries(name: names[i], x: x, y: s.values, color: colors[i]))
            }
        }
        return LinePlot(title: title, xLabel: "iteration" + (smoothed ? " (bold: moving average)" : ""),
                        yLabel: yLabel ?? key, series: faint + lines, width: size.0, height: size.1)
    }

    /// An eval metric against step (few points, drawn with markers).
    func evalPlot(_ key: String, size: (Int, Int)) -> LinePlot {
        let series = runs.indices.map { i -> PlotSeries in
            guard let s = runs[i].eval[key], !s.steps.isEmpty else {
                return PlotSeries(name: names[i] + " (none)", x: [], y: [], color: colors[i])
            }
            return PlotSeries(name: names[i], x: s.steps.map(Double.init), y: s.values, color: colors[i])
        }
        let title = ComparisonReport.goldTitles[key] ?? "gold: \(key)"
        return LinePlot(title: title, xLabel: "iteration (held-out eval)", yLabel: key, series: series,
                        width: size.0, height: size.1)
    }

    /// A per-timestep array averaged over the last `window` iterations, against the step index.
    func perStepPlot(_ key: String, title: String, zeroLine: Bool, size: (Int, Int)) -> LinePlot {
        var series: [PlotSeries] = []
        var steps = 0
        for (i, run) in runs.enumerated() {
            let y = run.perStepMean(key, window: window)
            steps = max(steps, y.count)
            series.append(PlotSeries(name: names[i] + (y.isEmpty ? " (none)" : ""),
                                     x: y.indices.map(Double.init), y: y, color: colors[i]))
        }
        if zeroLine && steps > 1 {
            // 26 points: LinePlot marks series of up to 25 points, and the reference needs no marks.
            let x = (0...25).map { Double(steps - 1) * Double($0) / 25 }
            series.insert(PlotSeries(name: "", x: x, y: x.map { _ in 0 }, color: .gray), at: 0)
        }
        return LinePlot(title: title + " (last \(window) its)", xLabel: "SDE step k (0 = pure noise)", yLabel: key,
                        series: series, width: size.0, height: size.1)
    }

    static let goldTitles = [
        "eval_strict": "gold: strict accuracy (held-out)",
        "eval_partial": "gold: partial credit (held-out)",
        "eval_quality": "gold: image quality",
        "eval_diversity": "gold: diversity",
        "eval_proxy": "proxy reward on the held-out images",
    ]

    /// `color` mixed 70% toward white, for the raw points under a moving average.
    static func tint(_ color: Color) -> Color {
        func mix(_ c: UInt8) -> UInt8 { UInt8((Int(c) * 3 + 255 * 7) / 10) }
        return Color(mix(color.r), mix(color.g), mix(color.b))
    }

    /// Centred moving average over 2·half+1 points (shrinking at the ends); non-finite values
    /// are skipped, and a window with none left stays a gap.
    static func movingAverage(_ values: [Double], half: Int) -> [Double] {
        values.indices.map { i in
            let window = values[max(0, i - half)...min(values.count - 1, i + half)].filter(\.isFinite)
            return window.isEmpty ? .nan : window.reduce(0, +) / Double(window.count)
        }
    }
}

import Foundation
import Model

/// report.json: the numbers behind report.md and report.png, for scripts and `flowrl report`.
extension StudyReport {
    static func number(_ v: Double?) -> Any { v.map { $0.isFinite ? $0 as Any : NSNull() } ?? NSNull() }

    /// A list of intervals as aligned lists `mean`, `std`, `ci_low`, `ci_high`, `n`.
    static func columns(_ xs: [Interval?]) -> JSONObject {
        ["mean": xs.map { number($0?.mean) }, "std": xs.map { number($0?.std) },
         "ci_low": xs.map { number($0?.low) }, "ci_high": xs.map { number($0?.high) }, "n": xs.map { $0?.n ?? 0 }]
    }

    static func single(_ x: Interval?) -> Any {
        guard let x else { return ["mean": NSNull(), "ci_low": NSNull(), "ci_high": NSNull(), "n": 0, "std": NSNull()] }
        return x.json.mapValues { v -> Any in (v as? Double).map { number($0) } ?? v }
    }

    public var json: JSONObject {
        var armsJSON: JSONObject = [:], pairedJSON: JSONObject = [:], summaryJSON: JSONObject = [:], frontierJSON: JSONObject = [:]
        for (name, a) in arms {
            var o: JSONObject = ["steps": a.steps, "seconds": StudyReport.columns(a.seconds)]
            for (m, xs) in a.metrics { o[m] = StudyReport.columns(xs) }
            armsJSON[name] = o
        }
        for (name, p) in paired {
            var o: JSONObject = [:]
            for (m, xs) in p.metrics {
                var c = StudyReport.columns(xs)
                c["diff_mean"] = c.removeValue(forKey: "mean")
                c["steps"] = p.steps
                o[m] = c
            }
            o["peak"] = p.peak.mapValues { StudyReport.single($0) }
            o["final"] = p.final.mapValues { StudyReport.single($0) }
            o["strict_at_equal_proxy"] = StudyReport.single(p.strictAtEqualProxy)
            o["equal_proxy_level"] = StudyReport.number(p.equalProxyLevel)
            o["strict_at_equal_seconds"] = StudyReport.single(p.strictAtEqualTime)
            o["strict_at_equal_proxy_adjusted"] = StudyReport.single(p.strictAtEqualProxyAdjusted)
            o["equal_seconds"] = StudyReport.number(p.equalTimeSeconds)
            pairedJSON[name] = o
        }
        for (name, s) in summary {
            summaryJSON[name] = [
                "best_strict": StudyReport.single(s.bestStrict), "best_step": StudyReport.single(s.bestStep),
                "final_minus_best": StudyReport.single(s.finalMinusBest),
                "strict_at_equal_proxy": StudyReport.single(s.strictAtEqualProxy),
                "equal_proxy_level": StudyReport.number(equalProxyLevel),
                "initial_strict": StudyReport.single(s.initialStrict), "final_strict": StudyReport.single(s.finalStrict),
                "gain": StudyReport.single(s.gain), "train_seconds": StudyReport.single(s.trainSeconds),
                "strict_at_equal_seconds": StudyReport.single(s.strictAtEqualTime),
                "equal_seconds": StudyReport.number(equalTimeSeconds),
                "seconds_to_baseline_gain": StudyReport.single(s.secondsToBaselineGain),
                "reached_baseline_gain": s.reachedBaselineGain, "finished_runs": s.finished,
                "fraction_of_baseline_seconds": StudyReport.single(s.fractionOfBaselineSeconds),
                "cpu_seconds_per_iteration": StudyReport.single(s.cpuPerIteration),
                "phase_share": s.phaseShares.mapValues { StudyReport.single($0) },
                "evaluation_seconds": StudyReport.single(s.evaluationSeconds),
            ] as JSONObject
        }
        for (name, f) in frontier {
            frontierJSON[name] = ["proxy": f.proxy, "strict_mean": f.strict.map { StudyReport.number($0?.mean) },
                                  "ci_low": f.strict.map { StudyReport.number($0?.low) },
                                  "ci_high": f.strict.map { StudyReport.number($0?.high) }, "n": f.strict.map { $0?.n ?? 0 }]
        }
        let runList: [JSONObject] = runs.map { r in
            var o: JSONObject = ["arm": r.arm, "seed": Int(r.seed), "dir": "\(r.arm)/seed-\(r.seed)",
                                 "status": r.status.rawValue, "last_step": r.steps.last ?? 0]
            if let e = r.error { o["error"] = e }
            return o
        }
        return ["study": study.name, "source": study.source, "baseline": study.baseline, "metrics": study.metrics,
                "seeds": study.seeds.map { Int($0) }, "arm_order": study.arms, "confidence": confidence,
                "adjusted_confidence": adjustedConfidence, "runs": runList,
                "arms": armsJSON, "paired": pairedJSON, "summary": summaryJSON, "frontier": frontierJSON,
                "by_seconds": ["seconds": byTime.seconds, "eval_strict": byTime.strict.mapValues { StudyReport.columns($0) }] as JSONObject,
                "baseline_gain": StudyReport.number(baselineGain), "seconds_unit": secondsUnit]
    }

    /// Writes report.json, report.md and report.png into the study directory.
    public func write(to layout: StudyLayout) throws {
        let data = try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
        try AtomicFiles.write(data, to: layout.directory + "/report.json")
        try AtomicFiles.write(Data(markdown().utf8), to: layout.directory + "/report.md")
        try StudyFigure(report: self, layout: layout).write(to: layout.directory + "/report.png")
    }
}

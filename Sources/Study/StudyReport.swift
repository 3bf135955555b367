import Foundation

/// The statistics of a study (DESIGN.md §9), computed from its run directories: per arm and
/// evaluation step the mean with a Student-t interval over seeds; per arm the paired difference
/// from the baseline seed by seed; and the over-optimization summary — best held-out strict
/// accuracy, what is given back after it, and strict accuracy at equal proxy and at equal
/// training time. Runs still going count in the per-step statistics; only finished runs count
/// in the summary (a partial run's "final" is not final).
public struct StudyReport {
    public var study: StudyLayout.Resolved
    public var runs: [StudyRunData]
    public var confidence = 0.95

    /// Per-step statistics of one arm; every list is aligned with `steps`.
    public struct ArmSeries {
        public var steps: [Int]
        public var seconds: [Interval?]
        public var metrics: [String: [Interval?]]
    }

    /// One arm minus the baseline, seed by seed.
    public struct PairedSeries {
        public var steps: [Int]
        public var metrics: [String: [Interval?]]
        /// Per seed: the arm's best over steps minus the baseline's best; last step minus last step.
        public var peak: [String: Interval?]
        public var final: [String: Interval?]
        /// Strict accuracy at the proxy level every run of the two arms reaches.
        public var strictAtEqualProxy: Interval?
        public var equalProxyLevel: Double?
        /// Strict accuracy after the training seconds every finished run of the two arms reaches.
        public var strictAtEqualTime: Interval?
        public var equalTimeSeconds: Double?
        /// `strictAtEqualProxy` at the Bonferroni-adjusted confidence `adjustedConfidence`.
        public var strictAtEqualProxyAdjusted: Interval?
    }

    public struct Summary {
        public var bestStrict: Interval?
        public var bestStep: Interval?
        public var finalMinusBest: Interval?
        /// At the proxy level every finished run of every arm reaches (`StudyReport.equalProxyLevel`).
        public var strictAtEqualProxy: Interval?
        public var initialStrict: Interval?
        public var finalStrict: Interval?
        public var gain: Interval?
        public var trainSeconds: Interval?
        /// At the training time every finished run has reached (`StudyReport.equalTimeSeconds`).
        public var strictAtEqualTime: Interval?
        /// Seconds until the run's strict gain first reaches the baseline's mean final gain (when that is a gain), over
        /// the seeds that reach it (`reachedBaselineGain` of them).
        public var secondsToBaselineGain: Interval?
        public var reachedBaselineGain: Int
        /// Seed by seed, `secondsToBaselineGain` over the baseline run's total training seconds:
        /// below 1/3 means "the baseline's gain in a third of its time".
        public var fractionOfBaselineSeconds: Interval?
        public var finished: Int
        /// Where the time goes, over the finished runs: CPU seconds per iteration, the shares of
        /// rollout / reward / update in an iteration, wall-clock seconds of one evaluation.
        public var cpuPerIteration: Interval?
        public var phaseShares: [String: Interval?]
        public var evaluationSeconds: Interval?
    }

    /// Mean strict accuracy of each arm at fractions of the equal training time (finished runs).
    public struct TimeTable {
        public var seconds: [Double]
        public var strict: [String: [Interval?]]
    }

    /// Mean strict accuracy with its interval at a series of proxy levels.
    public struct Frontier {
        public var proxy: [Double]
        public var strict: [Interval?]
    }

    public var arms: [String: ArmSeries] = [:]
    public var paired: [String: PairedSeries] = [:]
    public var summary: [String: Summary] = [:]
    public var frontier: [String: Frontier] = [:]
    public var equalProxyLevel: Double?
    public var equalTimeSeconds: Double?
    public var baselineGain: Double?
    public var byTime = TimeTable(seconds: [], strict: [:])

    /// The study's primary comparison is strict accuracy at equal proxy, once per non-baseline arm:
    /// with k of them, each interval at 1 − α/k (Bonferroni) keeps the chance of any false
    /// "distinguishable" among the k at most α. The per-metric, per-step tables stay unadjusted.
    public var adjustedConfidence: Double {
        let k = max(1, study.arms.count - 1)
        return 1 - (1 - confidence) / Double(k)
    }

    /// Reads the study directory and computes everything.
    public static func build(_ layout: StudyLayout, confidence: Double = 0.95) throws -> StudyReport {
        let study = try layout.read()
        var runs: [StudyRunData] = []
        for arm in study.arms {
            for seed in study.seeds {
                runs.append(StudyRunData.load(layout, arm: arm, seed: seed, iterations: study.iterations[arm] ?? 0,
                                              metrics: study.metrics))
            }
        }
        return StudyReport(study: study, runs: runs, confidence: confidence)
    }

    public init(study: StudyLayout.Resolved, runs: [StudyRunData], confidence: Double = 0.95) {
        self.study = study; self.runs = runs; self.confidence = confidence
        compute()
    }

    func runs(of arm: String, finishedOnly: Bool = false) -> [StudyRunData] {
        runs.filter { $0.arm == arm && !$0.steps.isEmpty && (!finishedOnly || $0.status == .finished) }
    }

    func interval(_ values: [Double]) -> Interval? { Interval.of(values, confidence: confidence) }

    mutating func compute() {
        let finished = runs.filter { $0.status == .finished }
        equalProxyLevel = EqualProxy.commonLevel(finished.map { $0.path() })
        equalTimeSeconds = finished.compactMap(\.seconds.last).min()
        let baselineRuns = runs(of: study.baseline, finishedOnly: true)
        let gains = baselineRuns.compactMap { r -> Double? in
            guard let g = r.metrics["eval_strict"], let first = g.first, let last = g.last else { return nil }
            return last - first
        }
        baselineGain = gains.isEmpty ? nil : gains.reduce(0, +) / Double(gains.count)
        for arm in study.arms {
            arms[arm] = series(arm)
            summary[arm] = summarize(arm)
            frontier[arm] = frontierOf(arm)
            if arm != study.baseline { paired[arm] = pair(arm) }
        }
        byTime = timeTable()
    }

    /// Strict accuracy at ¼, ½, ¾ and all of the equal training time, per arm over its finished runs.
    func timeTable() -> TimeTable {
        guard let total = equalTimeSeconds, total > 0 else { return TimeTable(seconds: [], strict: [:]) }
        let seconds = [0.25, 0.5, 0.75, 1].map { $0 * total }
        var strict: [String: [Interval?]] = [:]
        for arm in study.arms {
            let paths = runs(of: arm, finishedOnly: true).map { $0.timePath() }
            strict[arm] = seconds.map { t in interval(paths.compactMap { EqualProxy.gold(at: t, $0) }) }
        }
        return TimeTable(seconds: seconds, strict: strict)
    }

    func series(_ arm: String) -> ArmSeries {
        let rs = runs(of: arm)
        let steps = Set(rs.flatMap(\.steps)).sorted()
        var metrics: [String: [Interval?]] = [:]
        for m in study.metrics {
            metrics[m] = steps.map { s in interval(rs.compactMap { $0.value(m, atStep: s) }) }
        }
        let seconds = steps.map { s in
            interval(rs.compactMap { r in r.steps.firstIndex(of: s).map { r.seconds[$0] } })
        }
        return ArmSeries(steps: steps, seconds: seconds, metrics: metrics)
    }

    func pair(_ arm: String) -> PairedSeries {
        let a = runs(of: arm), b = runs(of: study.baseline)
        let steps = Set(b.flatMap(\.steps)).sorted()
        func bySeed(_ rs: [StudyRunData], _ f: (StudyRunData) -> Double?) -> [UInt64: Double] {
            var out: [UInt64: Double] = [:]
            for r in rs { if let v = f(r), v.isFinite { out[r.seed] = v } }
            return out
        }
        var metrics: [String: [Interval?]] = [:], peak: [String: Interval?] = [:], final: [String: Interval?] = [:]
        let af = runs(of: arm, finishedOnly: true), bf = runs(of: study.baseline, finishedOnly: true)
        for m in study.metrics {
            metrics[m] = steps.map { s in
                Paired.difference(bySeed(a) { $0.value(m, atStep: s) }, bySeed(b) { $0.value(m, atStep: s) }, confidence: confidence)
            }
            let best = { (r: StudyRunData) in r.metrics[m]?.filter(\.isFinite).max() }
            let last = { (r: StudyRunData) in r.metrics[m]?.last }
            peak[m] = Paired.difference(bySeed(af, best), bySeed(bf, best), confidence: confidence)
            final[m] = Paired.difference(bySeed(af, last), bySeed(bf, last), confidence: confidence)
        }
        let level = EqualProxy.commonLevel((af + bf).map { $0.path() })
        var strictAtLevel: Interval? = nil, strictAtLevelAdjusted: Interval? = nil
        if let level {
            let g = { (r: StudyRunData) in EqualProxy.gold(at: level, r.path()) }
            strictAtLevel = Paired.difference(bySeed(af, g), bySeed(bf, g), confidence: confidence)
            strictAtLevelAdjusted = Paired.difference(bySeed(af, g), bySeed(bf, g), confidence: adjustedConfidence)
        }
        let time = (af + bf).compactMap(\.seconds.last).min()
        var strictAtTime: Interval? = nil
        if let time {
            let g = { (r: StudyRunData) in EqualProxy.gold(at: time, r.timePath()) }
            strictAtTime = Paired.difference(bySeed(af, g), bySeed(bf, g), confidence: confidence)
        }
        return PairedSeries(steps: steps, metrics: metrics, peak: peak, final: final,
                            strictAtEqualProxy: strictAtLevel, equalProxyLevel: level,
                            strictAtEqualTime: strictAtTime, equalTimeSeconds: time,
                            strictAtEqualProxyAdjusted: strictAtLevelAdjusted)
    }

    func summarize(_ arm: String) -> Summary {
        let rs = runs(of: arm, finishedOnly: true)
        var best: [Double] = [], bestStep: [Double] = [], givenBack: [Double] = [], first: [Double] = [], last: [Double] = []
        var gain: [Double] = [], seconds: [Double] = [], atProxy: [Double] = [], atTime: [Double] = [], toGain: [Double] = []
        var fraction: [Double] = []
        let baselineSeconds = Dictionary(runs(of: study.baseline, finishedOnly: true).compactMap { r in
            r.seconds.last.map { (r.seed, $0) }
        }, uniquingKeysWith: { $1 })
        for r in rs {
            guard let strict = r.metrics["eval_strict"], let i = strict.indices.filter({ strict[$0].isFinite })
                .max(by: { strict[$0] < strict[$1] || (strict[$0] == strict[$1] && $0 > $1) }) else { continue }
            best.append(strict[i]); bestStep.append(Double(r.steps[i]))
            if let l = strict.last, let f = strict.first {
                givenBack.append(l - strict[i]); first.append(f); last.append(l); gain.append(l - f)
                // Only a gain is a target to reach in less time; a baseline that lost accuracy sets none.
                if let target = baselineGain, target > 0 {
                    let path = zip(strict, r.seconds).map { (proxy: $0 - f, gold: $1) }
                    if let t = EqualProxy.gold(at: target, path) {
                        toGain.append(t)
                        if let total = baselineSeconds[r.seed], total > 0 { fraction.append(t / total) }
                    }
                }
            }
            if let s = r.seconds.last { seconds.append(s) }
            if let level = equalProxyLevel, let g = EqualProxy.gold(at: level, r.path()) { atProxy.append(g) }
            if let t = equalTimeSeconds, let g = EqualProxy.gold(at: t, r.timePath()) { atTime.append(g) }
        }
        return Summary(bestStrict: interval(best), bestStep: interval(bestStep), finalMinusBest: interval(givenBack),
                       strictAtEqualProxy: interval(atProxy), initialStrict: interval(first), finalStrict: interval(last),
                       gain: interval(gain), trainSeconds: interval(seconds), strictAtEqualTime: interval(atTime),
                       secondsToBaselineGain: interval(toGain), reachedBaselineGain: toGain.count,
                       fractionOfBaselineSeconds: interval(fraction), finished: rs.count,
                       cpuPerIteration: interval(rs.compactMap(\.cost.cpuPerIteration)),
                       phaseShares: Dictionary(uniqueKeysWithValues: StudyRunData.Cost.phases.map { p in
                           (p, interval(rs.compactMap { $0.cost.phaseShares[p] }))
                       }),
                       evaluationSeconds: interval(rs.compactMap(\.cost.evaluationSeconds)))
    }

    /// Strict accuracy against held-out proxy: at evenly spaced proxy levels between the highest
    /// starting proxy and the highest level every finished run of the arm reaches.
    func frontierOf(_ arm: String, levels: Int = 16) -> Frontier {
        let rs = runs(of: arm, finishedOnly: true).map { $0.path() }.filter { !$0.isEmpty }
        guard let top = EqualProxy.commonLevel(rs),
              let bottom = rs.compactMap({ $0.first?.proxy }).filter(\.isFinite).max(), top > bottom else {
            return Frontier(proxy: [], strict: [])
        }
        let proxy = (0..<levels).map { bottom + (top - bottom) * Double($0) / Double(levels - 1) }
        return Frontier(proxy: proxy, strict: proxy.map { level in interval(rs.compactMap { EqualProxy.gold(at: level, $0) }) })
    }
}

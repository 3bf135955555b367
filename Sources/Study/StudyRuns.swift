import Foundation
import RL

/// One run of a study as the report reads it: its evaluations (step, metrics) and the cumulative
/// training seconds (evaluation excluded) at each evaluation step.
public struct StudyRunData: Sendable {
    public enum Status: String, Sendable { case finished, partial, missing, failed }

    public var arm: String
    public var seed: UInt64
    public var status: Status
    public var error: String?
    /// Evaluation steps, ascending, and each metric's value there (nan where not logged).
    public var steps: [Int] = []
    public var metrics: [String: [Double]] = [:]
    public var seconds: [Double] = []
    /// Whether `seconds` are CPU seconds (`seconds_cpu` records) rather than wall-clock ones.
    public var cpuSeconds = false
    /// Where the run's time goes (nil parts where the run did not log them).
    public var cost = Cost()

    /// Mean CPU seconds of one training iteration; the shares of an iteration's wall-clock time spent
    /// in rollout (sampling), reward and update (the phases `seconds_rollout`, `seconds_reward`,
    /// `seconds_update`; shares survive other processes slowing the clock, seconds do not); and the
    /// mean wall-clock seconds of one held-out evaluation, which training seconds exclude.
    public struct Cost: Sendable {
        public var cpuPerIteration: Double?
        public var phaseShares: [String: Double] = [:]
        public var evaluationSeconds: Double?
        public static let phases = ["rollout", "reward", "update"]
    }

    /// The run's (proxy, gold) path for equal-proxy readings.
    public func path(proxy: String = "eval_proxy", gold: String = "eval_strict") -> [(proxy: Double, gold: Double)] {
        guard let p = metrics[proxy], let g = metrics[gold] else { return [] }
        return zip(p, g).map { ($0, $1) }
    }

    /// The (seconds, gold) path for readings at equal training time.
    public func timePath(gold: String = "eval_strict") -> [(proxy: Double, gold: Double)] {
        guard let g = metrics[gold] else { return [] }
        return zip(seconds, g).map { ($0, $1) }
    }

    public func value(_ metric: String, atStep step: Int) -> Double? {
        guard let i = steps.firstIndex(of: step), let v = metrics[metric]?[i], v.isFinite else { return nil }
        return v
    }

    /// Loads `layout`'s run of `arm` and `seed`; a run without metrics is `missing` (or `failed`).
    static func load(_ layout: StudyLayout, arm: String, seed: UInt64, iterations: Int, metrics: [String]) -> StudyRunData {
        let failure = layout.failure(arm, seed)
        var data = StudyRunData(arm: arm, seed: seed, status: failure == nil ? .missing : .failed, error: failure)
        guard let record = try? RunRecord.load(layout.run(arm, seed)) else { return data }
        let evalSteps = Set(record.eval.values.flatMap(\.steps)).sorted()
        guard !evalSteps.isEmpty else { return data }
        if failure == nil {
            data.status = layout.isFinished(arm, seed, iterations: iterations) && evalSteps.last == iterations ? .finished : .partial
        }
        data.steps = evalSteps
        let wanted = Set(metrics).union(["eval_strict", "eval_proxy"])
        for m in wanted {
            guard let s = record.eval[m] else { data.metrics[m] = evalSteps.map { _ in .nan }; continue }
            let byStep = Dictionary(zip(s.steps, s.values), uniquingKeysWith: { $1 })
            data.metrics[m] = evalSteps.map { byStep[$0] ?? .nan }
        }
        // Training seconds per iteration, summed up to each evaluation step: the iteration's CPU
        // seconds where the run logged them (unaffected by other runs sharing the cores), else
        // the wall-clock seconds of its rollout, reward and update.
        var perStep: [Int: Double] = [:]
        let cpu = record.training["seconds_cpu"]
        data.cpuSeconds = cpu != nil
        for key in cpu != nil ? ["seconds_cpu"] : ["seconds_rollout", "seconds_reward", "seconds_update"] {
            guard let s = record.training[key] else { continue }
            for (step, v) in zip(s.steps, s.values) where v.isFinite { perStep[step, default: 0] += v }
        }
        data.cost = cost(record)
        let ordered = perStep.keys.sorted()
        var total = 0.0, k = 0
        for step in evalSteps {
            while k < ordered.count && ordered[k] <= step { total += perStep[ordered[k]]!; k += 1 }
            data.seconds.append(total)
        }
        return data
    }

    static func cost(_ record: RunRecord) -> Cost {
        func mean(_ xs: [Double]) -> Double? {
            let f = xs.filter(\.isFinite)
            return f.isEmpty ? nil : f.reduce(0, +) / Double(f.count)
        }
        var cost = Cost()
        cost.cpuPerIteration = record.training["seconds_cpu"].flatMap { mean($0.values) }
        let sums = Cost.phases.map { p in (record.training["seconds_" + p]?.values ?? []).filter(\.isFinite).reduce(0, +) }
        let total = sums.reduce(0, +)
        if total > 0 { for (p, s) in zip(Cost.phases, sums) { cost.phaseShares[p] = s / total } }
        cost.evaluationSeconds = record.eval["eval_seconds"].flatMap { mean($0.values) }
        return cost
    }
}

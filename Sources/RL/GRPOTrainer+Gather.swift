import Cluster

/// Putting the ranks' pieces of an iteration back together (data-parallel GRPO, see `GRPOTrainer`).
/// In a single process `gatherRows` returns its input unchanged (the scores are gathered by
/// `IterationSamples.scoreAndAdvantages`, shared with the forward-process trainer).
extension GRPOTrainer {
    /// Fields of a row as they travel between ranks (Float and Int values are exact as Double).
    private static let rowFields = 12

    /// Every rank's rows of the iteration's mini-batches, reassembled in the order one process
    /// would have produced them (mini-batch by mini-batch, member by member, `trajectory` = the
    /// member's position), so that diagnostics and BAPO's adaptation see the whole batch.
    func gatherRows(_ batches: [PolicyBatch], _ outputs: [PolicyLossOutput],
                    miniBatches: [[Int]]) -> ([PolicyBatch], [PolicyLossOutput]) {
        guard collective.size > 1 else { return (batches, outputs) }
        var packed: [Double] = []
        for (b, o) in zip(batches, outputs) {
            for r in 0..<b.count {
                packed += [b.advantages[r], b.logpNew[r], b.logpOld[r], b.meanSquaredShift[r], b.std[r], b.dt[r],
                           o.dLogp[r], o.dShift[r], o.logRatio[r], o.weight[r]].map(Double.init)
                packed += [Double(b.step[r]), o.clipped[r] ? 1 : 0]
            }
        }
        let parts = collective.allgather(packed)
        let K = config.rollout.trainedSteps, G = config.groupSize, P = config.promptsPerIteration
        let ownerOfGroup = (0..<collective.size).flatMap { r in
            Cluster.share(of: P, rank: r, size: collective.size).map { _ in r }
        }
        var cursor = [Int](repeating: 0, count: collective.size)
        var allBatches: [PolicyBatch] = [], allOutputs: [PolicyLossOutput] = []
        for (m, members) in miniBatches.enumerated() {
            var b = PolicyBatch(advantages: [], logpNew: [], logpOld: [], meanSquaredShift: [], std: [], dt: [],
                                step: [], trajectory: [], stepsPerTrajectory: K)
            var o = PolicyLossOutput(rows: 0)
            o.loss = outputs[m].loss   // already the mini-batch's loss over all ranks
            for (j, i) in members.enumerated() {
                let r = ownerOfGroup[i / G]
                for _ in 0..<K {
                    let row = cursor[r] * Self.rowFields
                    let f = { (field: Int) in Float(parts[r][row + field]) }
                    b.advantages.append(f(0)); b.logpNew.append(f(1)); b.logpOld.append(f(2))
                    b.meanSquaredShift.append(f(3)); b.std.append(f(4)); b.dt.append(f(5))
                    o.dLogp.append(f(6)); o.dShift.append(f(7)); o.logRatio.append(f(8)); o.weight.append(f(9))
                    b.step.append(Int(parts[r][row + 10])); o.clipped.append(parts[r][row + 11] != 0)
                    b.trajectory.append(j)
                    cursor[r] += 1
                }
            }
            allBatches.append(b); allOutputs.append(o)
        }
        return (allBatches, allOutputs)
    }
}

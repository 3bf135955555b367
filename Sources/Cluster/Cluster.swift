import Foundation

/// How a flowrl process finds its place in a job: alone, or one rank of an MPI job.
public enum Cluster {
    #if MPI
    /// MPI may be initialised once per process.
    nonisolated(unsafe) private static var world: MPICollective?
    #endif

    /// Whether this binary was built with `--traits MPI`.
    public static var hasMPI: Bool {
        #if MPI
        return true
        #else
        return false
        #endif
    }

    /// The collective of this process: MPI's world (made once) when built with `--traits MPI` and
    /// started by an MPI launcher (mpirun, mpiexec, srun), a single process otherwise.
    ///
    /// Throws when a launcher started several ranks of a binary built without MPI: they would each
    /// train alone and write the same run directory.
    public static func join(environment env: [String: String] = ProcessInfo.processInfo.environment) throws -> any Collective {
        guard launchedByMPI(env) else { return SingleProcess() }
        #if MPI
        if let world { return world }
        let timeout = env["FLOWRL_MPI_TIMEOUT"].flatMap(Double.init) ?? MPICollective.defaultTimeout
        let made = MPICollective(timeout: timeout)
        world = made
        return made
        #else
        let size = Int(env["OMPI_COMM_WORLD_SIZE"] ?? env["PMI_SIZE"] ?? "") ?? 1
        guard size <= 1 else { throw ClusterError.builtWithoutMPI(size) }
        return SingleProcess()
        #endif
    }

    /// Whether an MPI launcher started this process (Open MPI's mpirun, MPICH/Hydra, Slurm's PMI/PMIx).
    static func launchedByMPI(_ env: [String: String]) -> Bool {
        ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMI_RANK", "PMIX_RANK"].contains { env[$0] != nil }
    }

    /// The contiguous block of `count` items (prompt groups, batch rows) that rank `rank` of `size`
    /// handles: split as evenly as possible, lower ranks first; empty when count < size.
    public static func share(of count: Int, rank: Int, size: Int) -> Range<Int> {
        (count * rank / size)..<(count * (rank + 1) / size)
    }
}

/// Errors of joining a job that a user can cause.
public enum ClusterError: Error, CustomStringConvertible, Equatable {
    case builtWithoutMPI(Int)
    /// A setting (named) splits into fewer whole items than there are ranks.
    case tooFewItems(String, Int, Int)
    /// The ranks' weights differ at a step: they no longer train one model.
    case diverged(Int)
    /// The ranks computed something that must agree differently (the sentence says what).
    case ranksDisagree(String)

    public var description: String {
        switch self {
        case .builtWithoutMPI(let n):
            return "started as one of \(n) MPI ranks, but this flowrl was built without MPI; rebuild with `swift build -c release --traits MPI`"
        case let .tooFewItems(setting, count, ranks):
            return "\(setting) is \(count), fewer than the \(ranks) ranks: every rank needs at least one; raise it or start fewer ranks"
        case .diverged(let step):
            return "the ranks' weights differ at step \(step); the ranks must run the same build on the same kind of CPU"
        case .ranksDisagree(let what):
            return "ranks disagree: \(what)"
        }
    }
}

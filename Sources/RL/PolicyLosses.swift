/// The registry of policy losses selectable with `--algo` (see docs/policy-losses.md).
public enum PolicyLosses {
    public static let known = ["flow-grpo", "grpo-guard", "gspo", "sspo", "bapo", "st-ppo"]

    /// The loss named `name`, configured from the run's settings.
    public static func make(_ name: String, config: TrainConfig) throws -> any PolicyLoss {
        let eps = config.clipEpsilon
        switch name {
        case "flow-grpo": return FlowGRPOLoss(epsilon: eps)
        case "grpo-guard": return GRPOGuardLoss(epsilon: eps, ratioNorm: config.ratioNorm, reweight: config.reweight)
        case "gspo": return GSPOLoss(epsilon: eps)
        case "sspo": return SSPOLoss(epsilon: eps, segmentSteps: config.segmentSteps)
        case "bapo": return BAPOLoss(epsilon: eps, target: config.bapoTarget)
        case "st-ppo": return STPPOLoss(epsilon: eps, segmentSteps: config.segmentSteps, tolerance: config.stPPOTolerance)
        default: throw TrainError.unknownAlgorithm(name, known)
        }
    }

    /// GRPO-Guard's ε for RatioNorm'd ratios at D = 3072: the paper's 2e-6 … 4e-6 at D = 65536,
    /// middle value ×√(65536/3072) (reasoning in `GRPOGuardLoss`).
    public static let guardClipEpsilon: Float = 1.4e-5

    /// β_KL when the user did not set `kl_beta`: 0 for GRPO-Guard (the paper trains without KL),
    /// `TrainConfig`'s default otherwise.
    public static func defaultKLBeta(algo: String) -> Float {
        // The forward-process trainers' KL is optional too (DiffusionNFT's code uses 1e-4).
        algo == "grpo-guard" || ForwardProcessTrainer.algorithms.contains(algo) ? 0 : TrainConfig().klBeta
    }

    /// ε when the user did not set `clip_epsilon`: GRPO-Guard's ratio lives on a different scale
    /// unless RatioNorm is switched off.
    public static func defaultClipEpsilon(algo: String, ratioNorm: Bool) -> Float {
        algo == "grpo-guard" && ratioNorm ? guardClipEpsilon : TrainConfig().clipEpsilon
    }

    /// Sets the algorithm-dependent defaults (`kl_beta`, `clip_epsilon`) for every such key the
    /// user did not give explicitly (`explicit` holds snake_case keys from flags and config files).
    public static func applyDefaults(to config: inout TrainConfig, explicit: Set<String>) {
        if !explicit.contains(TrainConfig.CodingKeys.klBeta.stringValue) {
            config.klBeta = defaultKLBeta(algo: config.algo)
        }
        if !explicit.contains(TrainConfig.CodingKeys.clipEpsilon.stringValue) {
            config.clipEpsilon = defaultClipEpsilon(algo: config.algo, ratioNorm: config.ratioNorm)
        }
        // AWM's code caps the old policy's decay at 0.3 (DiffusionNFT's at 0.5, the struct default).
        if config.algo == "awm" && !explicit.contains(TrainConfig.CodingKeys.oldDecayMax.stringValue) {
            config.oldDecayMax = 0.3
        }
    }
}

/// Errors of a GRPO run that a user can cause.
public enum TrainError: Error, CustomStringConvertible, Equatable {
    case unknownAlgorithm(String, [String])
    case promptFile(String, String)
    case nonFinite(String, Int)
    case modelMismatch(String)
    case badSetting(String)

    public var description: String {
        switch self {
        case let .unknownAlgorithm(n, known): return "unknown --algo '\(n)' (known: \(known.joined(separator: ", ")))"
        case let .promptFile(path, why): return "prompt file \(path): \(why)"
        case let .nonFinite(cause, n): return "\(n) consecutive iterations with a non-finite \(cause); stopping (last good checkpoint kept)"
        case .modelMismatch(let why): return why
        case .badSetting(let why): return why
        }
    }
}

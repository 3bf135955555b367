import Foundation
import Tensor

/// How the settings of a GRPO run are built, in one place for every entry point (`flowrl train`,
/// `flowrl study`, …), so that the same sources give the same `TrainConfig` whoever asks:
///
///     TrainConfig() ← defaultRecipe ← layer 1 ← layer 2 ← … ← algorithm defaults
///     (on --resume:  the run's saved config.json ← layers ← algorithm defaults)
///
/// A layer is a JSON object of `TrainConfig` keys (snake_case, as in a run's config.json): a
/// `--config` file, a study's settings, one arm of a study, the command-line flags. A later layer
/// wins; a key a layer does not hold leaves the value below it alone.
///
/// **Algorithm-dependent defaults.** `kl_beta` and `clip_epsilon` have defaults that depend on
/// the algorithm (`PolicyLosses.defaultKLBeta`, `.defaultClipEpsilon`: GRPO-Guard's ratio lives
/// on another scale, and the paper trains it without KL). They are filled in for every such key
/// that no layer gives. The values of the base (the default recipe, or the saved settings of a
/// resumed run) belong to the base's algorithm:
/// - a fresh run keeps the recipe's `kl_beta` 0.01 only while no layer names an algorithm: once a
///   config file, arm or flag sets `algo`, that algorithm's own defaults apply (so
///   `--algo grpo-guard` on its own means the paper's β = 0, as documented in docs/guide.md);
/// - a resumed run keeps its saved `kl_beta` and `clip_epsilon` unless its algorithm changes;
///   `--resume --algo X` with another algorithm takes X's defaults for both unless a layer gives them
///   (the changes are listed in `changedOnResume`, which `TrainRun` logs and records in metrics.jsonl).
public enum TrainSettings {
    /// What `flowrl train` runs when nothing else is said: the project's best documented recipe,
    /// identical to configs/guard-curriculum.json (a test holds the two together). GRPO-Guard with
    /// a KL term on the relation-aware base; docs/results.md has its numbers and why each setting.
    /// The previous defaults (Flow-GRPO on models/base, `geneval`) are configs/flow-grpo-baseline.json.
    public static var defaultRecipe: [String: Any] {
        [
        "base": "models/base-curriculum",
        "algo": "grpo-guard",
        "kl_beta": 0.01,
        "reward": "geneval:1,geneval_strict:1,relation:3,extras:0.3",
        "sde_steps": 4,
        "shift": 1,
        "iterations": 300,
        "eval_every": 50,
        "seed": 0,
        ]
    }

    /// Settings whose default depends on the algorithm (see `PolicyLosses.applyDefaults`).
    public static let algorithmBound: Set<String> = [TrainConfig.CodingKeys.klBeta.stringValue,
                                                     TrainConfig.CodingKeys.clipEpsilon.stringValue,
                                                     TrainConfig.CodingKeys.oldDecayMax.stringValue]

    /// A run's settings and, for a resumed run, what they change from its saved ones.
    public struct Resolved {
        public var config: TrainConfig
        /// "key: old → new" lines for every setting outside `TrainConfig.quietOnResume` that differs
        /// from the saved settings (empty for a fresh run).
        public var changedOnResume: [String]
    }

    /// Builds a run's settings from `layers` (lowest first) over the default recipe, or over
    /// `saved` (the run's own config.json) when resuming. Every key of every layer counts as given
    /// explicitly. Throws `TrainSettingsError` for an unknown key, a value of the wrong type, or
    /// settings that cannot run (`TrainConfig.problem`).
    public static func resolve(saved: TrainConfig? = nil, layers: [[String: Any]]) throws -> Resolved {
        var object: [String: Any]
        var fromBase: Set<String>
        if let saved {
            object = try jsonObject(saved)
            fromBase = Set(object.keys)
        } else {
            object = try jsonObject(TrainConfig()).merging(defaultRecipe) { $1 }
            fromBase = Set(defaultRecipe.keys)
        }
        var given = Set<String>()
        for (index, layer) in layers.enumerated() {
            try check(layer, index: index)
            object.merge(layer) { $1 }
            given.formUnion(layer.keys)
        }
        var config = try JSONDecoder().decode(TrainConfig.self, from: JSONSerialization.data(withJSONObject: object))
        // The base's ε and β were chosen for the base's algorithm (see the type's comment).
        let algorithmChosen = saved.map { config.algo != $0.algo } ?? given.contains(TrainConfig.CodingKeys.algo.stringValue)
        if algorithmChosen { fromBase.subtract(algorithmBound) }
        PolicyLosses.applyDefaults(to: &config, explicit: fromBase.union(given))
        if let problem = config.problem { throw TrainSettingsError.invalid(problem) }
        let changed = try saved.map { try ResumedSettings.changedSettings(config, saved: $0, ignoring: TrainConfig.quietOnResume) }
        return Resolved(config: config, changedOnResume: changed ?? [])
    }

    /// Refuses a layer with a key `TrainConfig` does not have or a value of the wrong type, before
    /// it is merged (merged, the error could no longer say which layer was at fault).
    static func check(_ layer: [String: Any], index: Int) throws {
        guard JSONSerialization.isValidJSONObject(layer) else { throw TrainSettingsError.notJSON(layer: index) }
        let data = try JSONSerialization.data(withJSONObject: layer)
        do {
            _ = try StrictJSON.decode(TrainConfig.self, from: data, allowedKeys: TrainConfig.CodingKeys.allKeys)
        } catch let error as StrictJSONError {
            throw TrainSettingsError.badLayer(layer: index, reason: "\(error)")
        }
    }

    static func jsonObject(_ config: TrainConfig) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: JSONEncoder().encode(config)) as? [String: Any] ?? [:]
    }
}

/// Settings that cannot make a run; each message names the setting (and the layer, counted from 1
/// in the order given to `TrainSettings.resolve`).
public enum TrainSettingsError: Error, CustomStringConvertible, Equatable {
    case notJSON(layer: Int)
    case badLayer(layer: Int, reason: String)
    case invalid(String)

    public var description: String {
        switch self {
        case .notJSON(let i): return "settings layer \(i + 1) holds values that are not JSON"
        case let .badLayer(i, reason): return "settings layer \(i + 1): \(reason)"
        case .invalid(let problem): return problem
        }
    }
}

import Foundation
import Model
import RL
import Rewards
import Tensor

/// A study (DESIGN.md §9): arms × seeds of `flowrl train` runs that differ only in the arms'
/// settings, so that the report can pair every arm with the baseline seed by seed.
///
///     {"name": "guard-vs-flowgrpo", "config_file": "configs/guard-curriculum.json",
///      "config": {"iterations": 200}, "seeds": [0, 1, 2], "baseline": "flow-grpo",
///      "arms": [{"name": "flow-grpo", "settings": {"algo": "flow-grpo"}},
///               {"name": "grpo-guard", "settings": {}}]}
///
/// A run's settings are layered over `flowrl train`'s defaults (`TrainSettings`): `config_file`, then `config`, then the arm's `settings`, then
/// its seed; keys are `flowrl train`'s config keys. Paths are relative to the working directory,
/// like every other flowrl path.
public struct StudyFile {
    public struct Arm {
        public var name: String
        /// The arm's own settings (the last layer but the seed).
        public var settings: JSONObject
    }

    public static let defaultMetrics = ["eval_strict", "eval_quality", "eval_diversity", "eval_proxy", "eval_objects"]
    static let fileKeys: Set<String> = ["name", "description", "config", "config_file", "arms", "seeds", "baseline", "metrics"]
    static let armKeys: Set<String> = ["name", "settings"]
    /// The key the study itself sets for every run, from `seeds` (threads come from the command
    /// line and override any `threads` setting).
    static let reservedKeys: Set<String> = ["seed"]

    public var path: String
    public var name: String
    public var description: String?
    /// The shared layers, `config_file` then `config`, merged.
    public var shared: JSONObject
    public var arms: [Arm]
    public var seeds: [UInt64]
    public var baseline: String
    public var metrics: [String]

    /// Reads and checks a study file: every arm × seed must give settings `flowrl train` accepts,
    /// so that a bad arm fails here, before any run starts.
    public static func load(_ path: String) throws -> StudyFile {
        guard let data = FileManager.default.contents(atPath: path) else { throw StudyError.unreadable(path, "does not exist") }
        let top = try object(data, path: path, what: "the study")
        if let bad = top.keys.sorted().first(where: { !fileKeys.contains($0) }) {
            throw StudyError.invalid(path, "unknown key '\(bad)' (known: \(fileKeys.sorted().joined(separator: ", ")))")
        }
        guard let name = top["name"] as? String, isPlainName(name) else {
            throw StudyError.invalid(path, "'name' must be a string of letters, digits, '-', '_' or '.'")
        }
        var shared = JSONObject()
        if let file = top["config_file"] {
            guard let file = file as? String else { throw StudyError.invalid(path, "'config_file' must be a path string") }
            guard let d = FileManager.default.contents(atPath: file) else { throw StudyError.invalid(path, "config_file \(file) does not exist") }
            shared = try object(d, path: path, what: "config_file \(file)")
            // A recipe file may name its own seed; the study's seeds replace it.
            shared.removeValue(forKey: "seed")
        }
        if let config = top["config"] {
            guard let config = config as? JSONObject else { throw StudyError.invalid(path, "'config' must be an object of train settings") }
            shared.merge(config) { $1 }
        }
        if let bad = shared.keys.sorted().first(where: reservedKeys.contains) {
            throw StudyError.invalid(path, "'\(bad)' cannot be a shared setting (the study sets it per run)")
        }
        guard let rawArms = top["arms"] as? [Any], !rawArms.isEmpty else { throw StudyError.invalid(path, "'arms' must be a non-empty list") }
        var arms: [Arm] = []
        for (i, raw) in rawArms.enumerated() {
            guard let a = raw as? JSONObject else { throw StudyError.invalid(path, "arm \(i + 1) is not an object") }
            if let bad = a.keys.sorted().first(where: { !armKeys.contains($0) }) {
                throw StudyError.invalid(path, "arm \(i + 1): unknown key '\(bad)' (known: name, settings)")
            }
            guard let n = a["name"] as? String, isPlainName(n) else {
                throw StudyError.invalid(path, "arm \(i + 1): 'name' must be a string of letters, digits, '-', '_' or '.'")
            }
            guard !arms.contains(where: { $0.name == n }) else { throw StudyError.invalid(path, "arm name '\(n)' appears twice") }
            let settings = a["settings"] ?? JSONObject()
            guard let settings = settings as? JSONObject else { throw StudyError.armSetting(file: path, arm: n, problem: "'settings' must be an object") }
            if let bad = settings.keys.sorted().first(where: reservedKeys.contains) {
                throw StudyError.armSetting(file: path, arm: n, problem: "'\(bad)' is set by the study, not by an arm")
            }
            arms.append(Arm(name: n, settings: settings))
        }
        guard let rawSeeds = top["seeds"] as? [Any], !rawSeeds.isEmpty else { throw StudyError.invalid(path, "'seeds' must be a non-empty list of integers") }
        var seeds: [UInt64] = []
        for s in rawSeeds {
            guard let v = nonNegativeInteger(s) else {
                throw StudyError.invalid(path, "'seeds' must hold non-negative integers, got \(s)")
            }
            guard !seeds.contains(v) else { throw StudyError.invalid(path, "seed \(v) appears twice") }
            seeds.append(v)
        }
        guard let baseline = top["baseline"] as? String else { throw StudyError.invalid(path, "'baseline' must name one of the arms") }
        guard arms.contains(where: { $0.name == baseline }) else {
            throw StudyError.invalid(path, "baseline '\(baseline)' is not an arm (arms: \(arms.map(\.name).joined(separator: ", ")))")
        }
        var metrics = defaultMetrics
        if let m = top["metrics"] {
            guard let m = m as? [String], !m.isEmpty, m.allSatisfy({ $0.hasPrefix("eval_") }) else {
                throw StudyError.invalid(path, "'metrics' must be a non-empty list of eval record keys (eval_strict, eval_proxy, …)")
            }
            metrics = m
        }
        let description = top["description"] as? String
        let study = StudyFile(path: path, name: name, description: description, shared: shared, arms: arms,
                              seeds: seeds, baseline: baseline, metrics: metrics)
        for arm in arms { _ = try study.trainConfig(arm: arm.name, seed: seeds[0]) }
        return study
    }

    /// The layered settings of one run, as written to its settings.json.
    public func settings(arm: String, seed: UInt64) -> JSONObject {
        var s = shared
        if let a = arms.first(where: { $0.name == arm }) { s.merge(a.settings) { $1 } }
        s["seed"] = seed
        return s
    }

    /// The settings `flowrl train --config` will build from `settings(arm:seed:)`: refused here
    /// exactly as train would refuse them (unknown key, wrong type, bad value, unknown algorithm,
    /// reward, base model or prompt file).
    public func trainConfig(arm: String, seed: UInt64) throws -> TrainConfig {
        let object = settings(arm: arm, seed: seed)
        let fail = { (why: String) in StudyError.armSetting(file: path, arm: arm, problem: why) }
        // The same merge `flowrl train --config settings.json` does (TrainSettings: the default
        // recipe under the layers, then the algorithm's ε and β), so validation sees what will run.
        let config: TrainConfig
        do {
            config = try TrainSettings.resolve(layers: [object]).config
        } catch TrainSettingsError.badLayer(_, let reason) {
            throw fail(reason)
        } catch { throw fail("\(error)") }
        do { try PolicyTrainers.validate(config) } catch { throw fail("\(error)") }
        do { _ = try RewardRegistry.parse(config.reward) } catch { throw fail("reward '\(config.reward)': \(error)") }
        guard FileManager.default.fileExists(atPath: config.base + "/config.json") else {
            throw fail("base model \(config.base) does not exist (no config.json)")
        }
        for prompts in [config.trainPrompts, config.testPrompts] {
            do { _ = try TrainRun.readPrompts(prompts) } catch { throw fail("\(error)") }
        }
        return config
    }

    static func object(_ data: Data, path: String, what: String) throws -> JSONObject {
        guard let any = try? JSONSerialization.jsonObject(with: data) else { throw StudyError.invalid(path, "\(what) is not valid JSON") }
        guard let o = any as? JSONObject else { throw StudyError.invalid(path, "\(what) must be a JSON object") }
        if let twice = StrictJSON.duplicateKey(in: data) { throw StudyError.invalid(path, "\(what): key '\(twice)' appears twice") }
        return o
    }

    /// A JSON number that is a whole non-negative integer (not a boolean, which JSONSerialization
    /// also hands out as an NSNumber).
    static func nonNegativeInteger(_ any: Any) -> UInt64? {
        guard let n = any as? NSNumber, String(cString: n.objCType) != "c" else { return nil }
        let d = n.doubleValue
        guard d >= 0, d < 9e15, d == d.rounded() else { return nil }
        return UInt64(d)
    }

    /// Names that are safe as one directory level.
    static func isPlainName(_ s: String) -> Bool {
        !s.isEmpty && s != "." && s != ".." && s.count <= 100
            && s.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) && $0.isASCII || "-_.".unicodeScalars.contains($0) }
    }
}

public typealias JSONObject = [String: Any]

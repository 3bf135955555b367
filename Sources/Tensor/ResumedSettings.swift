import Foundation

/// The settings of a resumed run: those saved in its config.json when it started, overridden by
/// the flags (or `--config` keys) given with `--resume`.
///
/// Why: `--resume` promises the weights an uninterrupted run would have reached. A resumed run
/// that rebuilt its settings from the defaults and whatever flags were typed again would quietly
/// continue a GRPO-Guard run as Flow-GRPO, or from another base model. So the saved settings are
/// the starting point; a flag given on purpose still wins (lowering the learning rate of a run that
/// over-optimizes, swapping a reward process that died), and every such change outside a run's
/// length and reporting is listed by `changedSettings` so the run can log it.
public enum ResumedSettings {
    /// `settings` with the values of `keys` taken from `changes` (both encoded with the same
    /// coding keys); used to lay a `--config` file over the saved settings.
    public static func overlay<S: Codable>(_ settings: S, with changes: S, keys: Set<String>) throws -> S {
        var object = try jsonObject(settings)
        let changed = try jsonObject(changes)
        for key in keys { object[key] = changed[key] }
        return try JSONDecoder().decode(S.self, from: JSONSerialization.data(withJSONObject: object))
    }

    /// The settings outside `ignoring` that differ between `requested` and `saved`, sorted by key,
    /// as "key: old → new" lines (values as JSON text) for the log and the run's metrics.
    public static func changedSettings<S: Encodable>(_ requested: S, saved: S, ignoring: Set<String>) throws -> [String] {
        let now = try jsonObject(requested), then = try jsonObject(saved)
        return Set(now.keys).union(then.keys).subtracting(ignoring).sorted().compactMap { key in
            let a = text(then[key]), b = text(now[key])
            return a == b ? nil : "\(key): \(a) → \(b)"
        }
    }

    static func jsonObject<S: Encodable>(_ settings: S) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: JSONEncoder().encode(settings)) as? [String: Any] ?? [:]
    }

    /// A value as canonical JSON text ("absent" for a missing key), so that equal settings compare
    /// equal whichever NSNumber type JSONSerialization chose for each side.
    static func text(_ value: Any?) -> String {
        guard let value, !(value is NSNull) else { return "absent" }
        if let data = try? JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys, .fragmentsAllowed]),
           let s = String(data: data, encoding: .utf8) {
            return String(s.dropFirst().dropLast())
        }
        return "\(value)"
    }
}

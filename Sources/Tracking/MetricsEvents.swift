import Foundation

/// How a metrics.jsonl record becomes TensorBoard values (docs/tracking.md lists the tags):
/// - training records (no "kind"): every number as `train/<key>`, every `<key>_per_step` array
///   as one tag per timestep index `train/<key>/<k>`, and the per-sample `rewards` as the
///   histogram `train/rewards`;
/// - eval records (kind "eval"): `eval_<name>` as `eval/<name>`, with the per-category strict
///   accuracies `eval_strict_<category>` as `eval/strict/<category>` and the failure rates
///   `eval_fail_<kind>` as `eval/fail/<kind>`;
/// - resume records (kind "resume"): the changed settings as the text `resume`;
/// - any other kind is left out.
/// Non-finite numbers (MetricsLog writes them as "nan"/"inf"/"-inf") are logged as such.
public enum MetricsEvents {
    public static func values(for record: [String: Any]) -> [SummaryValue] {
        let kind = record["kind"] as? String
        var out: [SummaryValue] = []
        switch kind {
        case nil:
            for key in record.keys.sorted() where key != "step" {
                let value = record[key]!
                if let x = number(value) {
                    out.append(SummaryValue(tag: "train/" + key, .scalar(Float(x))))
                } else if let list = value as? [Any] {
                    let xs = list.compactMap(number)
                    guard xs.count == list.count, !xs.isEmpty else { continue }
                    if key == "rewards" {
                        out.append(SummaryValue(tag: "train/rewards", .histogram(Histogram(xs))))
                    } else if key.hasSuffix("_per_step") {
                        for (k, x) in xs.enumerated() { out.append(SummaryValue(tag: "train/\(key)/\(k)", .scalar(Float(x)))) }
                    }
                }
            }
        case "eval":
            for key in record.keys.sorted() where key != "step" && key != "kind" {
                guard let x = number(record[key]!) else { continue }
                out.append(SummaryValue(tag: evalTag(key), .scalar(Float(x))))
            }
        case "resume":
            let changed = (record["changed"] as? [Any])?.map { "\($0)" } ?? []
            out.append(SummaryValue(tag: "resume", .text(changed.isEmpty ? "resumed" : changed.map { "- " + $0 }.joined(separator: "\n"))))
        default:
            break
        }
        return out
    }

    /// `eval_strict` → `eval/strict`, `eval_strict_counting` → `eval/strict/counting`,
    /// `eval_fail_color` → `eval/fail/color`.
    public static func evalTag(_ key: String) -> String {
        var name = key.hasPrefix("eval_") ? String(key.dropFirst(5)) : key
        for group in ["strict_", "fail_"] where name.hasPrefix(group) {
            name = String(group.dropLast()) + "/" + name.dropFirst(group.count)
        }
        return "eval/" + name
    }

    /// A JSON number, or a non-finite float that MetricsLog wrote as "nan"/"inf"/"-inf"; nil for
    /// anything else, booleans included. Takes the values of JSONRecord and of JSONSerialization alike.
    public static func number(_ value: Any) -> Double? {
        if let s = value as? String {
            switch s.lowercased() {
            case "nan": return .nan
            case "inf", "+inf": return .infinity
            case "-inf": return -.infinity
            default: return nil
            }
        }
        // Swift's Int, Double, Float and Bool and Foundation's parsed numbers all cast to NSNumber;
        // a boolean is the one of type "c". `is Bool` cannot tell: on Linux it is true of every
        // NSNumber equal to 0 or 1, so it would drop a JSONSerialization `0` or `1`.
        guard let n = value as? NSNumber, String(cString: n.objCType) != "c" else { return nil }
        return n.doubleValue
    }

    /// A JSON number that is a whole number an Int holds (a step, an iteration count), else nil.
    public static func integer(_ value: Any) -> Int? {
        number(value).flatMap { Int(exactly: $0) }
    }

    /// The step of a record, nil for a line without one.
    public static func step(of record: [String: Any]) -> Int? {
        record["step"].flatMap(integer)
    }
}

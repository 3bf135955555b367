/// Errors a user can cause while exporting events or writing a report; each names the path at fault.
public enum TrackingError: Error, CustomStringConvertible, Equatable {
    case notWritable(String)
    case notARunOrStudy(String)
    case missingFile(String)
    case unreadable(String, String)
    case emptyStudy(String)

    public var description: String {
        switch self {
        case .notWritable(let p): return "cannot write \(p)"
        case .notARunOrStudy(let p):
            return "\(p) is neither a run directory (no metrics.jsonl) nor a study directory (no study.json)"
        case .missingFile(let p): return "\(p) does not exist"
        case let .unreadable(p, why): return "cannot read \(p): \(why)"
        case .emptyStudy(let p): return "study \(p) has no runs yet (no ARM/seed-S/metrics.jsonl under it)"
        }
    }
}

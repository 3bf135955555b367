import Foundation

/// What can be wrong with a study file or a study directory; each message names the file, arm or
/// key at fault, in one line.
public enum StudyError: Error, CustomStringConvertible, Equatable {
    case unreadable(String, String)
    case invalid(String, String)
    case armSetting(file: String, arm: String, problem: String)
    case mismatch(run: String, why: String)
    case busy(String)
    case notAStudy(String)

    public var description: String {
        switch self {
        case let .unreadable(path, why): return "study file \(path): \(why)"
        case let .invalid(path, why): return "study file \(path): \(why)"
        case let .armSetting(file, arm, problem): return "study file \(file): arm '\(arm)': \(problem)"
        case let .mismatch(run, why): return "study run \(run) was started with other settings (\(why)); use another --out or delete it"
        case .busy(let dir): return "study directory \(dir) is in use by another flowrl study process"
        case .notAStudy(let dir): return "\(dir) is not a study directory (no study.json; run `flowrl study run FILE --out \(dir)` first)"
        }
    }
}

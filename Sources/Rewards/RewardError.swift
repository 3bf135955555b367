/// Why a reward could not be built or could not score a batch; every message names the reward
/// (and, for external rewards, the command) at fault.
public enum RewardError: Error, CustomStringConvertible, Equatable {
    /// A spec term names no known reward.
    case unknownReward(name: String, known: [String])
    /// A spec or one of its terms does not follow the grammar of `RewardRegistry`.
    case malformedSpec(spec: String, term: String, reason: String)
    /// A reward was called with a different number of images and prompts.
    case countMismatch(reward: String, images: Int, prompts: Int)
    /// A prompt is not a caption of the shapes world (the reason names the word at fault).
    case badPrompt(reward: String, prompt: String, reason: String)
    /// An image the reward cannot score (e.g. not 32×32 for the learned model).
    case badImage(reward: String, index: Int, reason: String)
    /// A learned reward model directory is missing, incomplete or inconsistent.
    case badModel(path: String, reason: String)
    /// The external process could not be started or written to.
    case externalFailed(command: String, reason: String)
    /// The external process exited (or closed its output) before answering every image.
    /// `how` says what happened: "exited with status 3", "was killed by signal 9", "closed its output".
    case externalExited(command: String, how: String, answered: Int, of: Int, stderr: String)
    /// The external process did not answer within the timeout.
    case externalTimeout(command: String, seconds: Double, answered: Int, of: Int)
    /// A line of the external process's output is not a valid response.
    case externalMalformed(command: String, line: String, reason: String)
    /// The external process returned NaN or ±∞ for an image.
    case externalNonFinite(command: String, id: Int, value: String)

    public var description: String {
        switch self {
        case let .unknownReward(name, known):
            return "unknown reward \"\(name)\"; known rewards: \(known.joined(separator: ", "))"
        case let .malformedSpec(spec, term, reason):
            return "bad reward spec \"\(spec)\": term \"\(term)\" \(reason)"
        case let .countMismatch(reward, images, prompts):
            return "reward \(reward): \(images) images but \(prompts) prompts"
        case let .badPrompt(reward, prompt, reason):
            return "reward \(reward) cannot score prompt \"\(prompt)\": \(reason)"
        case let .badImage(reward, index, reason):
            return "reward \(reward) cannot score image \(index): \(reason)"
        case let .badModel(path, reason):
            return "reward model \(path): \(reason)"
        case let .externalFailed(command, reason):
            return "external reward `\(command)`: \(reason)"
        case let .externalExited(command, how, answered, total, stderr):
            let tail = stderr.isEmpty ? "" : "; its stderr ends with: \(stderr)"
            return "external reward `\(command)` \(how) after answering \(answered) of \(total) images\(tail)"
        case let .externalTimeout(command, seconds, answered, total):
            return "external reward `\(command)` gave no answer for \(formatSeconds(seconds)) s "
                + "(answered \(answered) of \(total) images); raise the timeout if the scorer is slow"
        case let .externalMalformed(command, line, reason):
            return "external reward `\(command)` sent a bad response line \(quoteLine(line)): \(reason)"
        case let .externalNonFinite(command, id, value):
            return "external reward `\(command)` returned a non-finite reward \(value) for id \(id)"
        }
    }
}

private func formatSeconds(_ s: Double) -> String {
    s == s.rounded() ? String(Int(s)) : String(s)
}

/// The first 200 characters of a line, quoted, so a runaway line does not flood the terminal.
private func quoteLine(_ line: String) -> String {
    let cut = line.count > 200 ? String(line.prefix(200)) + "…" : line
    return "\"\(cut)\""
}

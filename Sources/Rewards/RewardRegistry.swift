import Foundation

/// Settings a reward spec cannot carry.
public struct RewardOptions: Sendable, Equatable {
    /// Seconds an external reward process may stay silent while answers are outstanding.
    public var externalTimeout: Double = 60

    public init(externalTimeout: Double = 60) {
        self.externalTimeout = externalTimeout
    }
}

/// One term of a reward spec: a reward, its argument if it takes one, and its weight.
public struct RewardTerm: Sendable, Equatable {
    public var name: String
    public var argument: String?
    public var weight: Float

    public init(name: String, argument: String? = nil, weight: Float = 1) {
        self.name = name
        self.argument = argument
        self.weight = weight
    }
}

/// Builds rewards from the text of `--reward`.
///
/// Grammar (whitespace around terms is ignored):
///
///     spec     := term ("," term)*
///     term     := plain [":" weight]               geneval, compress, incompress, aesthetic
///               | "learned" ["@" weight] ":" path  a directory written by `reward-model train`
///               | "external" ["@" weight] ":" cmd  a shell command; it runs to the END of the spec
///     weight   := a finite decimal number (Swift `Float` syntax: 1, 0.2, -1, 2e-3)
///
/// Rewards without an argument put their weight after a colon (`geneval:1,compress:0.2`), as in
/// the issue; rewards with an argument put it after `@` so that the colon always introduces the
/// argument (`learned@0.5:models/reward`). A path cannot contain a comma. A command can contain
/// anything, commas and colons included, which is why `external` must be the last term:
/// `geneval:1,external@0.5:python3 score.py --mode a,b` is geneval plus an external scorer run as
/// `python3 score.py --mode a,b`. A missing weight is 1; each reward may appear once.
///
/// A spec with one term of weight 1 is that reward itself; anything else is a `WeightedSum`.
public enum RewardRegistry {
    /// Every reward name a spec may use.
    public static let known = ["geneval", "geneval_strict", "relation", "extras", "compress", "incompress", "aesthetic", "learned", "external"]
    /// The rewards that take an argument after `:` (and a weight after `@`).
    static let withArgument: Set<String> = ["learned", "external"]

    /// The reward a spec describes.
    public static func make(_ spec: String, options: RewardOptions = RewardOptions()) throws -> any Reward {
        let terms = try parse(spec)
        let rewards = try terms.map { try make($0, options: options) }
        if terms.count == 1, terms[0].weight == 1 { return rewards[0] }
        return WeightedSum(name: spec.trimmingCharacters(in: .whitespaces),
                           terms: zip(terms, rewards).map { ($0.weight, $1) })
    }

    /// The reward of one parsed term.
    public static func make(_ term: RewardTerm, options: RewardOptions = RewardOptions()) throws -> any Reward {
        switch term.name {
        case "geneval": return GenEvalReward()
        case "geneval_strict": return GenEvalReward(strict: true)
        case "relation": return RelationReward()
        case "extras": return ExtrasReward()
        case "compress": return CompressionReward(direction: .compress)
        case "incompress": return CompressionReward(direction: .incompress)
        case "aesthetic": return AestheticReward()
        case "learned": return try LearnedReward(directory: term.argument ?? "")
        case "external": return try ExternalReward(command: term.argument ?? "", timeout: options.externalTimeout)
        default: throw RewardError.unknownReward(name: term.name, known: known)
        }
    }

    /// Splits a spec into its terms, checking names, weights and arguments.
    public static func parse(_ spec: String) throws -> [RewardTerm] {
        func fail(_ term: String, _ reason: String) -> RewardError {
            .malformedSpec(spec: spec, term: term, reason: reason)
        }
        var terms: [RewardTerm] = []
        var rest = Substring(spec)
        repeat {
            rest = rest.drop { $0.isWhitespace }
            // The name ends at the first separator; `external` then takes everything after its colon.
            let name = String(rest.prefix { $0 != ":" && $0 != "@" && $0 != "," }).trimmingCharacters(in: .whitespaces)
            let text: Substring
            if name == "external" {
                text = rest
                rest = ""
            } else if let comma = rest.firstIndex(of: ",") {
                text = rest[..<comma]
                rest = rest[rest.index(after: comma)...]
                if rest.allSatisfy(\.isWhitespace) { throw fail(spec, "ends with a comma") }
            } else {
                text = rest
                rest = ""
            }
            let termText = text.trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else {
                throw fail(termText, termText.isEmpty ? "is empty (two commas in a row?)" : "has no reward name")
            }
            guard known.contains(name) else { throw RewardError.unknownReward(name: name, known: known) }
            var term = try parseTerm(termText, name: name, fail: fail)
            if name == "external" { term.argument = term.argument.map { $0.trimmingCharacters(in: .whitespaces) } }
            if terms.contains(where: { $0.name == name }) {
                throw fail(termText, "repeats reward \(name); each reward may appear once")
            }
            terms.append(term)
        } while !rest.isEmpty
        return terms
    }

    private static func parseTerm(_ text: String, name: String, fail: (String, String) -> RewardError) throws -> RewardTerm {
        let after = text.dropFirst(name.count)
        if withArgument.contains(name) {
            // name ["@" weight] ":" argument
            guard let colon = after.firstIndex(of: ":") else {
                throw fail(text, name == "learned" ? "needs a model directory, e.g. learned:models/reward"
                                                   : "needs a command, e.g. external:python3 examples/rewards/brightness.py")
            }
            let head = after[..<colon], argument = String(after[after.index(after: colon)...])
            guard !argument.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw fail(text, "has an empty \(name == "learned" ? "model directory" : "command")")
            }
            var weight: Float = 1
            if !head.isEmpty {
                guard head.first == "@" else { throw fail(text, "has \"\(head)\" where \"@weight\" or \":\" was expected") }
                weight = try parseWeight(String(head.dropFirst()), term: text, fail: fail)
            }
            return RewardTerm(name: name, argument: argument, weight: weight)
        }
        // name [":" weight]
        if after.isEmpty { return RewardTerm(name: name) }
        guard after.first == ":" else {
            throw fail(text, "has \"\(after)\" after the name where \":weight\" was expected (\(name) takes no argument)")
        }
        return RewardTerm(name: name, weight: try parseWeight(String(after.dropFirst()), term: text, fail: fail))
    }

    private static func parseWeight(_ text: String, term: String, fail: (String, String) -> RewardError) throws -> Float {
        guard let w = Float(text.trimmingCharacters(in: .whitespaces)), w.isFinite else {
            throw fail(term, "has weight \"\(text)\", which is not a finite number")
        }
        return w
    }
}

import Shapes

/// Word-level tokenizer over the closed caption vocabulary: word i of `Vocabulary.words` has
/// id i + 1, id 0 is padding. Captions are padded to `maxTokens`; padding is masked in attention.
public struct Tokenizer: Sendable {
    public let maxTokens: Int
    private let ids: [String: Int32]

    public init(maxTokens: Int) {
        self.maxTokens = maxTokens
        var ids: [String: Int32] = [:]
        for (i, w) in Vocabulary.words.enumerated() { ids[w] = Int32(i + 1) }
        self.ids = ids
    }

    /// Number of ids, padding included: the model's `vocab_size`.
    public static var vocabSize: Int { Vocabulary.words.count + 1 }

    /// Ids of the words of `text`, padded with 0 to `maxTokens`. The empty string is the
    /// unconditional caption used for classifier-free guidance.
    public func encode(_ text: String) throws -> [Int32] {
        let words = text.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard words.count <= maxTokens else { throw TokenizerError.tooLong(text, words.count, maxTokens) }
        var out = [Int32](repeating: 0, count: maxTokens)
        for (i, w) in words.enumerated() {
            guard let id = ids[w] else { throw TokenizerError.unknownWord(w, text) }
            out[i] = id
        }
        return out
    }
}

public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    case unknownWord(String, String)
    case tooLong(String, Int, Int)

    public var description: String {
        switch self {
        case let .unknownWord(w, text): return "unknown word '\(w)' in prompt \"\(text)\" (not in the caption vocabulary)"
        case let .tooLong(text, n, max): return "prompt \"\(text)\" has \(n) words, the model takes at most \(max)"
        }
    }
}

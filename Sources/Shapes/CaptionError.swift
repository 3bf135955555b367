/// Why a text is not a caption of the shapes world; the message names the word at fault.
public enum CaptionError: Error, Equatable, CustomStringConvertible {
    case empty
    /// A word outside `Vocabulary.words`; `position` counts words from 1.
    case unknownWord(String, position: Int, caption: String)
    /// A known word where the grammar allows only `expected`.
    case unexpectedWord(String, position: Int, expected: String, caption: String)
    /// The caption stops where the grammar still expects `expected`.
    case unexpectedEnd(expected: String, caption: String)
    /// Grammatical, but outside the caption language (e.g. "a circle and a circle").
    case invalid(caption: String, reason: String)

    public var description: String {
        switch self {
        case .empty:
            return "the caption is empty"
        case let .unknownWord(w, i, c):
            return "unknown word \"\(w)\" (word \(i) of \"\(c)\"); captions use only: "
                + Vocabulary.words.joined(separator: " ")
        case let .unexpectedWord(w, i, e, c):
            return "expected \(e) at word \(i) of \"\(c)\", found \"\(w)\""
        case let .unexpectedEnd(e, c):
            return "the caption \"\(c)\" ends where \(e) was expected"
        case let .invalid(c, reason):
            return "\"\(c)\" is not a caption of the shapes world: \(reason)"
        }
    }
}

/// The closed word list of the caption language, in one place.
///
/// The model's tokenizer maps `words[i]` to id i + 1 (0 is padding), so checkpoints depend on
/// this order. THE ORDER MUST NEVER CHANGE: new words may only be appended at the end.
public enum Vocabulary {
    /// Every word a caption can contain, in the fixed tokenizer order.
    public static let words: [String] = [
        "a", "and", "to", "the", "left", "right", "of", "above", "below",
        "one", "two", "three", "four",
        "red", "green", "blue", "yellow", "purple", "white",
        "circle", "square", "triangle", "circles", "squares", "triangles",
    ]

    /// The longest caption in words: "a red circle to the left of a blue square".
    public static let maxCaptionWords = 10

    /// The 0-based position of `word` in `words`, or nil if the word is not in the language.
    public static func index(of word: String) -> Int? { indexByWord[word] }

    private static let indexByWord: [String: Int] =
        Dictionary(uniqueKeysWithValues: words.enumerated().map { ($1, $0) })
}

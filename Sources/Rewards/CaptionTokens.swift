import Shapes

/// Word ids of a caption for the reward model: `Vocabulary.words[i]` is id i + 1, padding is 0
/// (the same mapping as the velocity network's tokenizer, so the two read captions alike).
public enum CaptionTokens {
    /// The caption's canonical words as `slots` ids, padded with 0.
    public static func encode(_ caption: Caption, slots: Int) -> [Int32] {
        var ids = [Int32](repeating: 0, count: slots)
        for (i, word) in caption.words.prefix(slots).enumerated() {
            // Canonical words come from the grammar, so every one is in the vocabulary.
            ids[i] = Int32((Vocabulary.index(of: word) ?? -1) + 1)
        }
        return ids
    }
}

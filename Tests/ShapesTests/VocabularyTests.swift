import XCTest
import Shapes

final class VocabularyTests: XCTestCase {
    /// Checkpoints map word i to token i + 1: this copy fails the test if anyone reorders.
    func testVocabularyOrderIsFrozen() {
        let frozen = [
            "a", "and", "to", "the", "left", "right", "of", "above", "below",
            "one", "two", "three", "four",
            "red", "green", "blue", "yellow", "purple", "white",
            "circle", "square", "triangle", "circles", "squares", "triangles",
        ]
        XCTAssertEqual(Array(Vocabulary.words.prefix(frozen.count)), frozen, "vocabulary words may only be appended")
        XCTAssertEqual(Set(Vocabulary.words).count, Vocabulary.words.count, "vocabulary has duplicates")
        for (i, w) in Vocabulary.words.enumerated() { XCTAssertEqual(Vocabulary.index(of: w), i) }
        XCTAssertNil(Vocabulary.index(of: "dog"))
    }

    func testEveryCaptionFitsTheVocabularyAndTheStatedMaximumLength() {
        var longest = 0
        for category in CaptionCategory.allCases {
            for caption in CaptionSampler.all(category) {
                for w in caption.words { XCTAssertNotNil(Vocabulary.index(of: w), "\(w) in \(caption)") }
                longest = max(longest, caption.words.count)
            }
        }
        XCTAssertEqual(longest, Vocabulary.maxCaptionWords)
        XCTAssertLessThanOrEqual(Vocabulary.maxCaptionWords, 16, "the model takes at most 16 caption tokens")
    }

    func testEveryVocabularyWordIsUsedByTheGrammar() {
        let used = Set(CaptionCategory.allCases.flatMap { CaptionSampler.all($0).flatMap(\.words) })
        XCTAssertEqual(used, Set(Vocabulary.words))
    }
}

import Foundation
import Tensor

/// The fixed train and held-out test prompt sets of prompts/, generated from a seed.
///
/// Captions that mean the same thing ("A and B" / "B and A", "A left of B" / "B right of A")
/// are kept on the same side, and a test caption's other wordings are used nowhere, so no test
/// meaning is ever trained on. Per category (test / train):
/// - single 1 / 2 and two_objects 1 / 2 meanings: the grammar has only 3 of each;
/// - counting 18 / 54, colors 6 / 12: every caption is used;
/// - position 40 / 80 meanings (train in both wordings);
/// - color_attr 36 / 54 meanings, chosen as binding tests: for every test caption
///   "a C1 S1 and a C2 S2" the train set holds its colour-swapped twin "a C2 S1 and a C1 S2",
///   so the words and shapes are familiar and only the binding is new.
public struct PromptSets: Sendable, Equatable {
    /// The seed of the checked-in files in prompts/.
    public static let seed: UInt64 = 3

    public var train: [Caption]
    public var test: [Caption]

    /// The sets drawn with `seed`.
    public static func generate(seed: UInt64) -> PromptSets {
        var train: [Caption] = [], test: [Caption] = []
        for category in CaptionCategory.allCases {
            var rng = RNG(seed: RNG.derive(seed, CaptionCategory.allCases.firstIndex(of: category)!))
            let (tr, te) = split(category, rng: &rng)
            train += tr
            test += te
        }
        return PromptSets(train: train, test: test)
    }

    /// The files of prompts/, name and contents, one caption per line: train.txt, test.txt
    /// and one file of test captions per category (single.txt, two_objects.txt, …).
    public var files: [(name: String, contents: String)] {
        func lines(_ cs: [Caption]) -> String { cs.map { $0.text + "\n" }.joined() }
        var out = [("train.txt", lines(train)), ("test.txt", lines(test))]
        for c in CaptionCategory.allCases { out.append((c.rawValue + ".txt", lines(test.filter { $0.category == c }))) }
        return out
    }

    /// Writes `files` into `directory`, creating it if needed.
    public func write(to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, contents) in files {
            try Data(contents.utf8).write(to: directory.appendingPathComponent(name), options: .atomic)
        }
    }

    /// The (train, test) captions of one category.
    static func split(_ category: CaptionCategory, rng: inout RNG) -> ([Caption], [Caption]) {
        var groups = meaningGroups(category)
        rng.shuffle(&groups)
        func firsts(_ g: ArraySlice<[Caption]>) -> [Caption] { g.map { $0[0] } }
        func everything(_ g: ArraySlice<[Caption]>) -> [Caption] { g.flatMap { $0 } }
        switch category {
        case .single, .twoObjects:
            return (everything(groups[1...]), firsts(groups[..<1]))
        case .counting:
            return (everything(groups[18...]), firsts(groups[..<18]))
        case .colors:
            return (everything(groups[6...]), firsts(groups[..<6]))
        case .position:
            return (everything(groups[40..<120]), firsts(groups[..<40]))
        case .colorAttr:
            return colorAttrSplit(groups)
        }
    }

    /// Test meanings whose colour-swapped twin is trained on, then whole twin pairs for train.
    static func colorAttrSplit(_ groups: [[Caption]]) -> ([Caption], [Caption]) {
        var used = Set<Caption>()
        var train: [Caption] = [], test: [Caption] = [], spare: [[Caption]] = []
        for g in groups where !used.contains(g[0]) {
            guard case let .colorAttr(a, b) = g[0].content,
                  let twin = groups.first(where: { $0[0].content == .colorAttr(ColoredShape(b.color, a.shape), ColoredShape(a.color, b.shape))
                                                    || $0[0].content == .colorAttr(ColoredShape(a.color, b.shape), ColoredShape(b.color, a.shape)) })
            else { continue }
            used.formUnion(g + twin)
            if test.count < 36 {
                test.append(g[0])
                train += twin
            } else {
                spare.append(g)
                spare.append(twin)
            }
        }
        return (train + spare.prefix(18).flatMap { $0 }, test)
    }

    /// The captions of `category` grouped by meaning, each group in grammar order.
    static func meaningGroups(_ category: CaptionCategory) -> [[Caption]] {
        var index = [Caption: Int]()
        var groups: [[Caption]] = []
        for c in CaptionSampler.all(category) {
            let key = canonical(c)
            if let i = index[key] { groups[i].append(c) } else { index[key] = groups.count; groups.append([c]) }
        }
        return groups
    }

    /// One representative per meaning: objects of "and" captions in a fixed order, position
    /// captions with the relation turned to left-of or above.
    static func canonical(_ c: Caption) -> Caption {
        func key(_ o: ColoredShape) -> Int { ObjectColor.allCases.firstIndex(of: o.color)! * 3 + Shape.allCases.firstIndex(of: o.shape)! }
        switch c.content {
        case let .twoObjects(s, t):
            let (a, b) = Shape.allCases.firstIndex(of: s)! < Shape.allCases.firstIndex(of: t)! ? (s, t) : (t, s)
            return Caption(unchecked: .twoObjects(a, b))
        case let .colorAttr(x, y):
            return Caption(unchecked: key(x) < key(y) ? .colorAttr(x, y) : .colorAttr(y, x))
        case let .position(x, r, y):
            return Caption(unchecked: r == .rightOf || r == .below ? .position(y, r.converse, x) : .position(x, r, y))
        default:
            return c
        }
    }
}

import XCTest
import Tensor

final class RNGTests: XCTestCase {
    func testSameSeedGivesSameStream() {
        var a = RNG(seed: 42), b = RNG(seed: 42), c = RNG(seed: 43)
        let sa = (0..<1000).map { _ in a.next() }
        let sb = (0..<1000).map { _ in b.next() }
        let sc = (0..<1000).map { _ in c.next() }
        XCTAssertEqual(sa, sb)
        XCTAssertNotEqual(sa, sc)
        XCTAssertEqual(Set(sa).count, sa.count, "a 64-bit stream of 1000 draws has no repeats")
    }

    func testRestoredStateContinuesIdentically() {
        var original = RNG(seed: 9)
        for _ in 0..<37 { _ = original.next() }
        _ = original.normal()
        var restored = RNG(state: original.state)
        for _ in 0..<100 {
            XCTAssertEqual(original.next(), restored.next())
            XCTAssertEqual(original.uniform(), restored.uniform())
            XCTAssertEqual(original.normal(), restored.normal())
        }
        var a = [Float](repeating: 0, count: 33), b = a
        original.fillNormal(&a)
        restored.fillNormal(&b)
        XCTAssertEqual(a, b)
        XCTAssertEqual(original, restored)
    }

    func testNormalSamplesHaveZeroMeanAndUnitStd() {
        func moments(_ xs: [Float]) -> (mean: Double, std: Double) {
            let mean = xs.reduce(0.0) { $0 + Double($1) } / Double(xs.count)
            let variance = xs.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(xs.count)
            return (mean, variance.squareRoot())
        }
        var rng = RNG(seed: 1)
        let single = moments((0..<100_000).map { _ in rng.normal() })
        XCTAssertEqual(single.mean, 0, accuracy: 0.02)
        XCTAssertEqual(single.std, 1, accuracy: 0.02)

        var filled = [Float](repeating: 0, count: 100_000)
        rng.fillNormal(&filled, std: 3)
        let pairs = moments(filled)
        XCTAssertEqual(pairs.mean, 0, accuracy: 0.06)
        XCTAssertEqual(pairs.std, 3, accuracy: 0.06)
    }

    func testUniformStaysInUnitIntervalAndIntBelowInRange() {
        var rng = RNG(seed: 5)
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<70_000 {
            let u = rng.uniform()
            XCTAssert(u >= 0 && u < 1)
            counts[rng.int(below: 7)] += 1
        }
        // Each bucket expects 10 000; ±500 is over 5 standard deviations.
        for c in counts { XCTAssertEqual(Double(c), 10_000, accuracy: 500) }
    }

    func testShuffleIsADeterministicPermutation() {
        var a = Array(0..<50), b = a
        var r1 = RNG(seed: 3), r2 = RNG(seed: 3)
        r1.shuffle(&a)
        r2.shuffle(&b)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, Array(0..<50))
        XCTAssertEqual(a.sorted(), Array(0..<50))
    }

    func testDeriveGivesDistinctSeedsForDistinctPaths() {
        let seed: UInt64 = 1234
        var seeds: [UInt64] = [RNG.derive(seed)]
        for i in 0..<40 {
            seeds.append(RNG.derive(seed, i))
            for j in 0..<40 { seeds.append(RNG.derive(seed, i, j)) }
        }
        seeds.append(RNG.derive(seed, 1, 2, 3))
        seeds.append(RNG.derive(seed, -1))
        seeds.append(RNG.derive(seed + 1, 0))
        XCTAssertEqual(Set(seeds).count, seeds.count)
        XCTAssertEqual(RNG.derive(seed, 4, 2), RNG.derive(seed, 4, 2))
        XCTAssertNotEqual(RNG.derive(seed, 1, 2), RNG.derive(seed, 2, 1))
        XCTAssertFalse(seeds.contains(seed))
    }
}

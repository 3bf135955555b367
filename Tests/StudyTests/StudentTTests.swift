import XCTest
@testable import Study

final class StudentTTests: XCTestCase {
    /// Published two-sided 95% critical values (e.g. any t table): t(0.975, ν).
    func testQuantilesMatchPublishedTable() {
        let table: [(Double, Double)] = [(1, 12.706), (2, 4.303), (3, 3.182), (4, 2.776), (5, 2.571),
                                         (9, 2.262), (19, 2.093), (29, 2.045), (120, 1.980)]
        for (nu, t) in table {
            XCTAssertEqual(StudentT.quantile(0.975, degreesOfFreedom: nu), t, accuracy: 0.0006, "ν = \(nu)")
        }
        XCTAssertEqual(StudentT.quantile(0.995, degreesOfFreedom: 3), 5.841, accuracy: 0.0006)
        XCTAssertEqual(StudentT.quantile(0.025, degreesOfFreedom: 2), -4.303, accuracy: 0.0006)
    }

    /// ν = 1 is the Cauchy distribution and ν = 2 has a closed form: exact checks of the CDF.
    func testCDFMatchesClosedForms() {
        for t in [-3.0, -0.5, 0, 0.7, 2, 10] {
            XCTAssertEqual(StudentT.cdf(t, degreesOfFreedom: 1), 0.5 + atan(t) / .pi, accuracy: 1e-12)
            XCTAssertEqual(StudentT.cdf(t, degreesOfFreedom: 2), 0.5 + t / (2 * (2 + t * t).squareRoot()), accuracy: 1e-12)
        }
    }

    func testQuantileInvertsCDF() {
        for nu in [1.0, 2, 3, 7, 30] {
            for p in [0.6, 0.9, 0.975, 0.999] {
                XCTAssertEqual(StudentT.cdf(StudentT.quantile(p, degreesOfFreedom: nu), degreesOfFreedom: nu), p, accuracy: 1e-10)
            }
        }
    }
}

final class IntervalTests: XCTestCase {
    /// Hand computation: values 1, 2, 6 → mean 3, s² = (4 + 1 + 9)/2 = 7, half-width t(0.975, 2)·√(7/3).
    func testIntervalOfThreeValuesByHand() throws {
        let i = try XCTUnwrap(Interval.of([1, 2, 6]))
        XCTAssertEqual(i.n, 3)
        XCTAssertEqual(i.mean, 3, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(i.std), 7.0.squareRoot(), accuracy: 1e-12)
        let half = 4.302652729911275 * (7.0 / 3).squareRoot()
        XCTAssertEqual(try XCTUnwrap(i.low), 3 - half, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(i.high), 3 + half, accuracy: 1e-9)
        XCTAssertFalse(i.excludesZero)
    }

    func testOneValueHasNoInterval() throws {
        let i = try XCTUnwrap(Interval.of([0.4, .nan]))
        XCTAssertEqual(i.n, 1)
        XCTAssertNil(i.low); XCTAssertNil(i.std)
        XCTAssertNil(Interval.of([]))
    }

    /// Pairs remove shared luck: arm = baseline + 1 ± 0.1 gives a tight interval around 1 even
    /// though the baselines spread over 0…20.
    func testPairedDifferenceUsesCommonSeedsOnly() throws {
        let base: [UInt64: Double] = [0: 0, 1: 10, 2: 20, 3: 5]
        let arm: [UInt64: Double] = [0: 1.1, 1: 10.9, 2: 21.0, 7: 100]
        let d = try XCTUnwrap(Paired.difference(arm, base))
        XCTAssertEqual(d.n, 3)
        XCTAssertEqual(d.mean, 1.0, accuracy: 1e-12)
        let s = ((0.01 + 0.01 + 0) / 2).squareRoot()
        XCTAssertEqual(try XCTUnwrap(d.high) - d.mean, 4.302652729911275 * s / 3.0.squareRoot(), accuracy: 1e-9)
        XCTAssertTrue(d.excludesZero)
    }
}

final class EqualProxyTests: XCTestCase {
    /// Two runs: A reaches proxy 0.5 at most, B 0.8; the common level is 0.5. A crosses it at its
    /// last evaluation (gold 0.3); B between (0.4, 0.6) and (0.6, 0.2): t = 0.5 → gold 0.4.
    func testGoldAtCommonLevelInterpolatesLinearly() throws {
        let a: [(proxy: Double, gold: Double)] = [(0.1, 0.5), (0.3, 0.4), (0.5, 0.3)]
        let b: [(proxy: Double, gold: Double)] = [(0.1, 0.5), (0.4, 0.6), (0.6, 0.2), (0.8, 0.1)]
        let level = try XCTUnwrap(EqualProxy.commonLevel([a, b]))
        XCTAssertEqual(level, 0.5)
        XCTAssertEqual(try XCTUnwrap(EqualProxy.gold(at: level, a)), 0.3, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(EqualProxy.gold(at: level, b)), 0.4, accuracy: 1e-12)
    }

    /// The first crossing counts, not a later one after the proxy dipped.
    func testFirstCrossingWins() throws {
        let run: [(proxy: Double, gold: Double)] = [(0, 1), (1, 0), (0.2, 0.5), (2, 0.9)]
        XCTAssertEqual(try XCTUnwrap(EqualProxy.gold(at: 0.5, run)), 0.5, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(EqualProxy.gold(at: 0, run)), 1)
        XCTAssertNil(EqualProxy.gold(at: 3, run))
    }
}

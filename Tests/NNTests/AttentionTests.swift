import XCTest
import Tensor
import NN

/// Attention on Swift arrays, for tests: runs forward (and backward) through the pointer API.
private struct AttentionCase {
    let B = 2, T = 5, C = 8, NH = 2

    var qkvCount: Int { B * T * 3 * C }
    var outCount: Int { B * T * C }
    var attCount: Int { B * NH * T * T }

    /// Sample 1 hides its last two keys (as caption padding would); sample 0 sees everything.
    var mask: [Float] { [1, 1, 1, 1, 1,  1, 1, 1, 0, 0] }

    func forward(_ qkv: [Float], mask: [Float]?) -> (out: [Float], att: [Float]) {
        var out = [Float](repeating: .nan, count: outCount)
        var att = [Float](repeating: .nan, count: attCount)
        qkv.withUnsafeBufferPointer { q in
            out.withUnsafeMutableBufferPointer { o in
                att.withUnsafeMutableBufferPointer { a in
                    if let mask {
                        mask.withUnsafeBufferPointer { m in
                            Attention.forward(out: o.baseAddress!, att: a.baseAddress!, qkv: q.baseAddress!,
                                              keyMask: m.baseAddress!, B: B, T: T, C: C, NH: NH)
                        }
                    } else {
                        Attention.forward(out: o.baseAddress!, att: a.baseAddress!, qkv: q.baseAddress!,
                                          keyMask: nil, B: B, T: T, C: C, NH: NH)
                    }
                }
            }
        }
        return (out, att)
    }

    /// dqkv starts from `initial` so that accumulation is exercised.
    func backward(_ qkv: [Float], mask: [Float]?, dout: [Float], initial: [Float]) -> [Float] {
        let att = forward(qkv, mask: mask).att
        var dqkv = initial
        var datt = [Float](repeating: .nan, count: attCount)  // scratch: must be overwritten
        Attention.backward(dqkv: &dqkv, datt: &datt, dout: dout, qkv: qkv, att: att,
                           B: B, T: T, C: C, NH: NH)
        return dqkv
    }

    /// Plain loops in double: out[b,t,h] = Σ_s softmax_s(q·k/√hs over unmasked s) · v[b,s,h].
    func reference(_ qkv: [Float], mask: [Float]?) -> [Double] {
        let hs = C / NH
        var out = [Double](repeating: 0, count: outCount)
        func at(_ b: Int, _ t: Int, _ part: Int, _ h: Int, _ d: Int) -> Double {
            Double(qkv[(b * T + t) * 3 * C + part * C + h * hs + d])
        }
        for b in 0..<B {
            for h in 0..<NH {
                for t in 0..<T {
                    var scores = [Double](repeating: -.infinity, count: T)
                    for s in 0..<T where mask.map({ $0[b * T + s] != 0 }) ?? true {
                        var dot = 0.0
                        for d in 0..<hs { dot += at(b, t, 0, h, d) * at(b, s, 1, h, d) }
                        scores[s] = dot / Double(hs).squareRoot()
                    }
                    let m = scores.max()!
                    let e = scores.map { $0 == -.infinity ? 0 : exp($0 - m) }
                    let z = e.reduce(0, +)
                    for d in 0..<hs {
                        var acc = 0.0
                        for s in 0..<T { acc += e[s] / z * at(b, s, 2, h, d) }
                        out[(b * T + t) * C + h * hs + d] = acc
                    }
                }
            }
        }
        return out
    }
}

final class AttentionTests: XCTestCase {
    fileprivate let cfg = AttentionCase()

    func testAttentionForwardMatchesDoubleReference() {
        let qkv = GradientCheck.random(cfg.qkvCount, seed: 1)
        for mask in [nil, cfg.mask] {
            let out = cfg.forward(qkv, mask: mask).out
            let ref = cfg.reference(qkv, mask: mask)
            for i in 0..<out.count {
                XCTAssertEqual(Double(out[i]), ref[i], accuracy: 1e-5, "out[\(i)], mask \(mask != nil)")
            }
        }
    }

    func testAttentionRowsAreProbabilities() {
        let att = cfg.forward(GradientCheck.random(cfg.qkvCount, seed: 2), mask: cfg.mask).att
        for r in 0..<(att.count / cfg.T) {
            let row = att[(r * cfg.T)..<((r + 1) * cfg.T)]
            XCTAssertTrue(row.allSatisfy { $0 >= 0 })
            XCTAssertEqual(row.reduce(0, +), 1, accuracy: 1e-5, "row \(r)")
        }
    }

    func testMaskedKeysGetExactlyZeroAttention() {
        let att = cfg.forward(GradientCheck.random(cfg.qkvCount, seed: 3), mask: cfg.mask).att
        let T = cfg.T
        for b in 0..<cfg.B {
            for h in 0..<cfg.NH {
                for i in 0..<T {
                    for j in 0..<T {
                        let a = att[((b * cfg.NH + h) * T + i) * T + j]
                        if cfg.mask[b * T + j] == 0 {
                            XCTAssertEqual(a, 0, "b \(b) h \(h) query \(i) key \(j) is masked")
                        } else {
                            XCTAssertGreaterThan(a, 0, "b \(b) h \(h) query \(i) key \(j) is visible")
                        }
                    }
                }
            }
        }
    }

    func testChangingAMaskedTokensKeyAndValueLeavesOutputUnchanged() {
        let original = GradientCheck.random(cfg.qkvCount, seed: 4)
        var qkv = original
        let before = cfg.forward(qkv, mask: cfg.mask).out
        // Sample 1, token 4 is masked: scramble its k and v (its q still drives its own row).
        let C = cfg.C, base = (1 * cfg.T + 4) * 3 * C
        for i in (base + C)..<(base + 3 * C) { qkv[i] = qkv[i] * -7 + 3 }
        XCTAssertEqual(cfg.forward(qkv, mask: cfg.mask).out, before)
        // The same change without the mask does move the output: the check above is not vacuous.
        XCTAssertNotEqual(cfg.forward(qkv, mask: nil).out, cfg.forward(original, mask: nil).out)
    }

    func testFullyMaskedSampleGivesZeroOutputAndGradientNotNaN() {
        let qkv = GradientCheck.random(cfg.qkvCount, seed: 5)
        let mask: [Float] = [1, 1, 1, 1, 1,  0, 0, 0, 0, 0]
        let out = cfg.forward(qkv, mask: mask).out
        let sample1 = out[(cfg.T * cfg.C)...]
        XCTAssertTrue(sample1.allSatisfy { $0 == 0 }, "a sample with every key masked attends to nothing")
        let dqkv = cfg.backward(qkv, mask: mask, dout: GradientCheck.random(cfg.outCount, seed: 6),
                                initial: [Float](repeating: 0, count: cfg.qkvCount))
        XCTAssertTrue(dqkv.allSatisfy { $0.isFinite })
        XCTAssertTrue(dqkv[(cfg.T * 3 * cfg.C)...].allSatisfy { $0 == 0 })
    }

    func testAttentionBackwardMatchesFiniteDifferencesWithoutMask() {
        checkGradient(mask: nil, seed: 10)
    }

    func testAttentionBackwardMatchesFiniteDifferencesWithMask() {
        checkGradient(mask: cfg.mask, seed: 20)
    }

    /// L = Σ out · w; backward starts from a nonzero dqkv to prove it accumulates rather than overwrites.
    private func checkGradient(mask: [Float]?, seed: UInt64) {
        let qkv = GradientCheck.random(cfg.qkvCount, seed: seed)
        let w = GradientCheck.random(cfg.outCount, seed: seed + 1)
        let initial = GradientCheck.random(cfg.qkvCount, seed: seed + 2)
        let accumulated = cfg.backward(qkv, mask: mask, dout: w, initial: initial)
        let analytic = zip(accumulated, initial).map { $0 - $1 }
        let numeric = ValueGradient.numeric(at: qkv) { GradientCheck.dot(cfg.forward($0, mask: mask).out, w) }
        GradientCheck.assertMatches("dqkv", analytic: analytic, numeric: numeric)
        // Keys and values of masked tokens must get exactly zero gradient.
        if let mask {
            let C = cfg.C
            for t in 0..<(cfg.B * cfg.T) where mask[t] == 0 {
                let base = t * 3 * C
                for i in (base + C)..<(base + 3 * C) {
                    XCTAssertEqual(accumulated[i], initial[i], "masked token \(t) k/v gradient")
                }
            }
        }
    }
}

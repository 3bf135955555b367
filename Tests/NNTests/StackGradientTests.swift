import XCTest
import Tensor
import NN

/// One DiT-style attention half-block assembled from the NN layers, to check that their
/// backward passes compose (shared buffers, strides and accumulation conventions agree):
/// out = x + gate ⊙ proj(attn(qkv(modulate(LN(x), shift, scale)))).
private struct BlockCase {
    static let B = 2, T = 5, C = 8, NH = 2
    static var N: Int { B * T }
    /// Sample 1 masks its last key, so the mask path is part of the composition.
    static let keyMask: [Float] = [1, 1, 1, 1, 1,  1, 1, 1, 1, 0]

    struct State {
        var x: [Float]       // (B, T, C)
        var cond: [Float]    // (B, 3C): [shift | scale | gate] per sample, as sliced from an adaLN output
        var wqkv: [Float]    // (3C, C)
        var bqkv: [Float]    // (3C)
        var wproj: [Float]   // (C, C)
        var bproj: [Float]   // (C)

        init(seed: UInt64) {
            let C = BlockCase.C
            x = GradientCheck.random(BlockCase.N * C, seed: seed)
            cond = GradientCheck.random(BlockCase.B * 3 * C, seed: seed + 1, std: 0.5)
            wqkv = GradientCheck.random(3 * C * C, seed: seed + 2, std: 0.4)
            bqkv = GradientCheck.random(3 * C, seed: seed + 3, std: 0.1)
            wproj = GradientCheck.random(C * C, seed: seed + 4, std: 0.4)
            bproj = GradientCheck.random(C, seed: seed + 5, std: 0.1)
        }
    }

    /// Activations saved by forward for backward.
    struct Cache {
        var ln, mean, rstd, mod, qkv, att, a, p, out: [Float]
    }

    static func forward(_ s: State) -> Cache {
        let N = N, C = C, cs = 3 * C
        var c = Cache(ln: zeros(N * C), mean: zeros(N), rstd: zeros(N), mod: zeros(N * C),
                      qkv: zeros(N * 3 * C), att: zeros(B * NH * T * T), a: zeros(N * C),
                      p: zeros(N * C), out: s.x)
        s.cond.withUnsafeBufferPointer { condBuf in
            let cond = condBuf.baseAddress!
            LayerNorm.forward(out: &c.ln, mean: &c.mean, rstd: &c.rstd, inp: s.x, weight: nil, bias: nil, N: N, C: C)
            Modulate.forward(out: &c.mod, inp: c.ln, shift: cond, scale: cond + C, condStride: cs, B: B, T: T, C: C)
            Linear.forward(out: &c.qkv, inp: c.mod, weight: s.wqkv, bias: s.bqkv, N: N, C: C, OC: 3 * C)
            Attention.forward(out: &c.a, att: &c.att, qkv: c.qkv, keyMask: keyMask, B: B, T: T, C: C, NH: NH)
            Linear.forward(out: &c.p, inp: c.a, weight: s.wproj, bias: s.bproj, N: N, C: C, OC: C)
            GatedResidual.forward(residual: &c.out, inp: c.p, gate: cond + 2 * C, condStride: cs, B: B, T: T, C: C)
        }
        return c
    }

    /// Gradients of L = Σ out · dout with respect to every field of the state.
    static func backward(_ s: State, dout: [Float]) -> State {
        let N = N, C = C, cs = 3 * C
        let c = forward(s)
        var g = s
        g.x = dout  // the residual stream passes dout straight to x
        g.cond = zeros(s.cond.count); g.wqkv = zeros(s.wqkv.count); g.bqkv = zeros(s.bqkv.count)
        g.wproj = zeros(s.wproj.count); g.bproj = zeros(s.bproj.count)
        var dp = zeros(N * C), da = zeros(N * C), dqkv = zeros(N * 3 * C), datt = zeros(B * NH * T * T)
        var dmod = zeros(N * C), dln = zeros(N * C)
        s.cond.withUnsafeBufferPointer { condBuf in
            g.cond.withUnsafeMutableBufferPointer { dcondBuf in
                let cond = condBuf.baseAddress!, dcond = dcondBuf.baseAddress!
                GatedResidual.backward(dinp: &dp, dgate: dcond + 2 * C, dresidual: dout, inp: c.p,
                                       gate: cond + 2 * C, condStride: cs, B: B, T: T, C: C)
                Linear.backward(dinp: &da, dweight: &g.wproj, dbias: &g.bproj, dout: dp, inp: c.a,
                                weight: s.wproj, N: N, C: C, OC: C)
                Attention.backward(dqkv: &dqkv, datt: &datt, dout: da, qkv: c.qkv, att: c.att,
                                   B: B, T: T, C: C, NH: NH)
                Linear.backward(dinp: &dmod, dweight: &g.wqkv, dbias: &g.bqkv, dout: dqkv, inp: c.mod,
                                weight: s.wqkv, N: N, C: C, OC: 3 * C)
                Modulate.backward(dinp: &dln, dshift: dcond, dscale: dcond + C, dout: dmod, inp: c.ln,
                                  scale: cond + C, condStride: cs, B: B, T: T, C: C)
                LayerNorm.backward(dinp: &g.x, dweight: nil, dbias: nil, dout: dln, inp: s.x, mean: c.mean,
                                   rstd: c.rstd, weight: nil, N: N, C: C)
            }
        }
        return g
    }

    private static func zeros(_ n: Int) -> [Float] { [Float](repeating: 0, count: n) }
}

final class StackGradientTests: XCTestCase {
    func testDiTBlockBackwardMatchesFiniteDifferencesForEveryBuffer() {
        let s = BlockCase.State(seed: 100)
        let w = GradientCheck.random(BlockCase.N * BlockCase.C, seed: 200)
        let g = BlockCase.backward(s, dout: w)
        let loss = { (s: BlockCase.State) in GradientCheck.dot(BlockCase.forward(s).out, w) }
        let fields: [(String, WritableKeyPath<BlockCase.State, [Float]>)] = [
            ("x", \.x), ("adaLN shift|scale|gate", \.cond), ("qkv.weight", \.wqkv), ("qkv.bias", \.bqkv),
            ("proj.weight", \.wproj), ("proj.bias", \.bproj),
        ]
        for (name, path) in fields {
            GradientCheck.assertMatches(name, analytic: g[keyPath: path],
                                        numeric: ValueGradient.numeric(s, path, loss: loss))
        }
    }

    func testDiTBlockWithZeroGateIsTheIdentity() {
        // adaLN-Zero: with gate = 0 the block must return x exactly, whatever the attention does.
        var s = BlockCase.State(seed: 300)
        let C = BlockCase.C
        for b in 0..<BlockCase.B { for i in 0..<C { s.cond[b * 3 * C + 2 * C + i] = 0 } }
        XCTAssertEqual(BlockCase.forward(s).out, s.x)
    }
}

import NN
import Tensor

extension RewardNetwork {
    /// dprob (B) → g += ∂L/∂parameters, through the activations of the last `forward` (same B).
    /// Every parameter gradient accumulates, as all NN backward passes do.
    public func backward(_ w: UnsafePointer<Float>, grads g: UnsafeMutablePointer<Float>, dprob: UnsafePointer<Float>,
                         batch B: Int) {
        precondition(B >= 1 && B <= maxBatch, "batch \(B) outside 1…\(maxBatch)")
        let l = layout, g0 = config.grid
        // sigmoid' = p (1 − p).
        for b in 0..<B { dLogit[b] = dprob[b] * prob[b] * (1 - prob[b]) }
        // Head.
        zero(dHAct, B * H)
        Linear.backward(dinp: dHAct, dweight: g + l.fc2W, dbias: g + l.fc2B, dout: dLogit, inp: hAct, weight: w + l.fc2W,
                        N: B, C: H, OC: 1)
        zero(dHPre, B * H)
        GELU.backward(dinp: dHPre, dout: dHAct, inp: hPre, count: B * H)
        zero(dHIn, B * R)
        Linear.backward(dinp: dHIn, dweight: g + l.fc1W, dbias: g + l.fc1B, dout: dHPre, inp: hIn, weight: w + l.fc1W,
                        N: B, C: R, OC: H)
        // Split [a2 flattened, t].
        for b in 0..<B {
            (dA2 + b * T2 * D2).update(from: dHIn + b * R, count: T2 * D2)
            (dT + b * E).update(from: dHIn + b * R + T2 * D2, count: E)
        }
        // Level 2.
        zero(dA2Pre, B * T2 * D2)
        GELU.backward(dinp: dA2Pre, dout: dA2, inp: a2Pre, count: B * T2 * D2)
        zero(dCond, B * K)
        zero(dU2, B * T2 * D2)
        FiLM.backward(dinp: dU2, dcond: dCond + 2 * D1, dout: dA2Pre, inp: u2, cond: cond + 2 * D1, condStride: K,
                      B: B, T: T2, C: D2)
        PositionEmbedding.backward(dpos: g + l.mergePos, dx: dU2, B: B, T: T2, C: D2)
        zero(dPatches2, B * T2 * 4 * D1)
        Linear.backward(dinp: dPatches2, dweight: g + l.mergeW, dbias: g + l.mergeB, dout: dU2, inp: patches2,
                        weight: w + l.mergeW, N: B * T2, C: 4 * D1, OC: D2)
        zero(dA1, B * T1 * D1)
        Patchify.backward(dinp: dA1, dout: dPatches2, B: B, H: g0, W: g0, C: D1, p: 2)
        // Level 1; the pixels need no gradient.
        zero(dA1Pre, B * T1 * D1)
        GELU.backward(dinp: dA1Pre, dout: dA1, inp: a1Pre, count: B * T1 * D1)
        zero(dU1, B * T1 * D1)
        FiLM.backward(dinp: dU1, dcond: dCond, dout: dA1Pre, inp: u1, cond: cond, condStride: K, B: B, T: T1, C: D1)
        PositionEmbedding.backward(dpos: g + l.patchPos, dx: dU1, B: B, T: T1, C: D1)
        Linear.backward(dinp: nil, dweight: g + l.patchW, dbias: g + l.patchB, dout: dU1, inp: patches1,
                        weight: w + l.patchW, N: B * T1, C: P, OC: D1)
        // Caption.
        Linear.backward(dinp: dT, dweight: g + l.condW, dbias: g + l.condB, dout: dCond, inp: t, weight: w + l.condW,
                        N: B, C: E, OC: K)
        spreadOverTokens(out: dTAct, inp: dT, B: B, T: L, C: E, stride: E)
        zero(dTPre, B * L * E)
        GELU.backward(dinp: dTPre, dout: dTAct, inp: tPre, count: B * L * E)
        PositionEmbedding.backward(dpos: g + l.textPos, dx: dTPre, B: B, T: L, C: E)
        TokenEmbedding.backward(dtable: g + l.embed, dout: dTPre, tokens: tokens, N: B * L, C: E)
    }

    /// The adjoint of `meanOverTokens`: out (B, T, C) = inp[b, c] / T (rows of inp `stride` apart).
    func spreadOverTokens(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, B: Int, T: Int, C: Int, stride: Int) {
        let scale = 1 / Float(T)
        for b in 0..<B {
            let s = inp + b * stride
            for t in 0..<T {
                let row = out + (b * T + t) * C
                for c in 0..<C { row[c] = s[c] * scale }
            }
        }
    }
}

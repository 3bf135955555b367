import NN
import Tensor

extension RewardNetwork {
    /// dprob (B) → g += ∂L/∂parameters, through the activations of the last `forward` (same B).
    /// Every parameter gradient accumulates, as all NN backward passes do.
    public func backward(_ w: UnsafePointer<Float>, grads g: UnsafeMutablePointer<Float>, dprob: UnsafePointer<Float>,
                         batch B: Int) {
        precondition(B >= 1 && B <= maxBatch, "batch \(B) outside 1…\(maxBatch)")
        let l = layout, gr = config.grid
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
        // Split [a3 flattened, t]: dA starts as d(a3), dT as the head's share of d(t).
        for b in 0..<B {
            (dA + b * T3 * D3).update(from: dHIn + b * R, count: T3 * D3)
            (dT + b * E).update(from: dHIn + b * R + T3 * D3, count: E)
        }
        // Image levels, last to first; each turns d(its output) in dA into d(its input map) in dA.
        zero(dCond, B * K)
        for i in stride(from: 2, through: 0, by: -1) {
            let shape = levelShapes[i], buf = levelBuffers[i], p = l.levels[i]
            let n = B * shape.cells * shape.out
            zero(dPre, n)
            GELU.backward(dinp: dPre, dout: dA, inp: buf.pre, count: n)
            zero(dU, n)
            FiLM.backward(dinp: dU, dcond: dCond + shape.cond, dout: dPre, inp: buf.u, cond: cond + shape.cond, condStride: K,
                          B: B, T: shape.cells, C: shape.out)
            PositionEmbedding.backward(dpos: g + p.pos, dx: dU, B: B, T: shape.cells, C: shape.out)
            // The pixels need no gradient, so level 1 stops at its weights.
            let dInput: UnsafeMutablePointer<Float>? = i == 0 ? nil : dX
            if let dInput { zero(dInput, B * shape.cells * shape.inp) }
            Linear.backward(dinp: dInput, dweight: g + p.w, dbias: g + p.b, dout: dU, inp: buf.x, weight: w + p.w,
                            N: B * shape.cells, C: shape.inp, OC: shape.out)
            if i == 2 {
                zero(dA, B * T1 * D2)
                Patchify.backward(dinp: dA, dout: dX, B: B, H: gr, W: gr, C: D2, p: 2)
            } else if i == 1 {
                zero(dA, B * T1 * D1)
                Im2Col.backward(dinp: dA, dout: dX, B: B, H: gr, W: gr, C: D1, k: 3)
            }
        }
        // Caption.
        Linear.backward(dinp: dT, dweight: g + l.condW, dbias: g + l.condB, dout: dCond, inp: t, weight: w + l.condW,
                        N: B, C: E, OC: K)
        let scale = 1 / Float(L)
        for b in 0..<B {
            for s in 0..<L {
                let row = dTAct + (b * L + s) * E, src = dT + b * E
                for c in 0..<E { row[c] = src[c] * scale }
            }
        }
        zero(dTPre, B * L * E)
        GELU.backward(dinp: dTPre, dout: dTAct, inp: tPre, count: B * L * E)
        PositionEmbedding.backward(dpos: g + l.textPos, dx: dTPre, B: B, T: L, C: E)
        TokenEmbedding.backward(dtable: g + l.embed, dout: dTPre, tokens: tokens, N: B * L, C: E)
    }
}

import NN
import Tensor

extension VelocityNetwork {
    /// The backward pass on raw pointers: dout (B, H, W, 3) → G += dL/dθ.
    /// Runs the layers of `forward` in reverse; the residual-stream gradient lives in `dstream`.
    func backward(_ P: UnsafePointer<Float>, _ G: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, B: Int,
                  acts a: Activations) {
        let c = config, l = layout
        let C = c.width, T = c.sequenceLength, L = c.maxTextTokens, Ni = c.imageTokens
        let Pd = c.patchDim, F = c.timeFeatures, S = c.imageSize, p = c.patchSize

        zero(a.dcondAct, B * C)
        // Final layer. a.imgTok holds the last block's image tokens (copied there by forward).
        zero(a.dOutPatches, B * Ni * Pd)
        Patchify.forward(out: a.dOutPatches, inp: dout, B: B, H: S, W: S, C: c.channels, p: p)
        zero(a.dA, B * Ni * C)
        Linear.backward(dinp: a.dA, dweight: G + l.finalW, dbias: G + l.finalB, dout: a.dOutPatches,
                        inp: a.modf, weight: P + l.finalW, N: B * Ni, C: C, OC: Pd)
        zero(a.dada, B * 2 * C)
        zero(a.dB, B * Ni * C)
        Modulate.backward(dinp: a.dB, dshift: a.dada, dscale: a.dada + C, dout: a.dA, inp: a.lnf,
                          scale: a.finalAda + C, condStride: 2 * C, B: B, T: Ni, C: C)
        zero(a.dA, B * Ni * C)
        LayerNorm.backward(dinp: a.dA, dweight: nil, dbias: nil, dout: a.dB, inp: a.imgTok, mean: a.meanf,
                           rstd: a.rstdf, weight: nil, N: B * Ni, C: C)
        Linear.backward(dinp: a.dcondAct, dweight: G + l.finalAdaW, dbias: G + l.finalAdaB, dout: a.dada,
                        inp: a.condAct, weight: P + l.finalAdaW, N: B, C: C, OC: 2 * C)
        zero(a.dstream, B * T * C)
        for b in 0..<B { copy(a.dstream + b * T * C + L * C, a.dA + b * Ni * C, Ni * C) }

        for i in stride(from: c.depth - 1, through: 0, by: -1) {
            blockBackward(P, G, l.blocks[i], a.blocks[i], a, B: B)
        }

        // Embeddings. dstream is now dL/d(first block input).
        PositionEmbedding.backward(dpos: G + l.imagePos, dx: a.dstream + L * C, B: B, T: Ni, C: C, sampleStride: T * C)
        for b in 0..<B { copy(a.dA + b * Ni * C, a.dstream + b * T * C + L * C, Ni * C) }
        Linear.backward(dinp: nil, dweight: G + l.patchW, dbias: G + l.patchB, dout: a.dA, inp: a.patches,
                        weight: P + l.patchW, N: B * Ni, C: Pd, OC: C)
        PositionEmbedding.backward(dpos: G + l.textPos, dx: a.dstream, B: B, T: L, C: C, sampleStride: T * C)
        // The network kept its own copy of the ids so backward does not depend on the caller's buffer.
        for b in 0..<B {
            TokenEmbedding.backward(dtable: G + l.textEmbed, dout: a.dstream + b * T * C,
                                    tokens: a.tokens + b * L, N: L, C: C)
        }

        // Time MLP.
        zero(a.dcond, B * C)
        SiLU.backward(dinp: a.dcond, dout: a.dcondAct, inp: a.cond, count: B * C)
        zero(a.dt1act, B * C)
        Linear.backward(dinp: a.dt1act, dweight: G + l.time2W, dbias: G + l.time2B, dout: a.dcond,
                        inp: a.t1act, weight: P + l.time2W, N: B, C: C, OC: C)
        zero(a.dt1, B * C)
        SiLU.backward(dinp: a.dt1, dout: a.dt1act, inp: a.t1, count: B * C)
        Linear.backward(dinp: nil, dweight: G + l.time1W, dbias: G + l.time1B, dout: a.dt1,
                        inp: a.tfeat, weight: P + l.time1W, N: B, C: F, OC: C)
    }

    /// Backward of one block: on entry `dstream` = dL/d(block output); on exit dL/d(block input).
    func blockBackward(_ P: UnsafePointer<Float>, _ G: UnsafeMutablePointer<Float>, _ o: BlockOffsets,
                       _ s: BlockActivations, _ a: Activations, B: Int) {
        let c = config
        let C = c.width, T = c.sequenceLength, N = B * T, NH = c.heads, H = c.hidden, C6 = 6 * C
        let dx = a.dstream
        zero(a.dada, B * C6)
        // MLP branch: out = mid + gate2 · mlp(modulate(LN(mid)))
        zero(a.dA, N * C)
        GatedResidual.backward(dinp: a.dA, dgate: a.dada + 5 * C, dresidual: dx, inp: s.mlpOut,
                               gate: s.ada + 5 * C, condStride: C6, B: B, T: T, C: C)
        zero(a.dB, N * C)
        MLP.backward(dinp: a.dB, dw1: G + o.fc1W, db1: G + o.fc1B, dw2: G + o.fc2W, db2: G + o.fc2B,
                     dh: a.dh, dout: a.dA, inp: s.mod2, hPre: s.hPre, hAct: s.hAct,
                     w1: P + o.fc1W, w2: P + o.fc2W, N: N, C: C, H: H)
        zero(a.dA, N * C)
        Modulate.backward(dinp: a.dA, dshift: a.dada + 3 * C, dscale: a.dada + 4 * C, dout: a.dB, inp: s.ln2,
                          scale: s.ada + 4 * C, condStride: C6, B: B, T: T, C: C)
        LayerNorm.backward(dinp: dx, dweight: nil, dbias: nil, dout: a.dA, inp: s.mid, mean: s.mean2,
                           rstd: s.rstd2, weight: nil, N: N, C: C)
        // Attention branch: mid = input + gate1 · proj(attn(qkv(modulate(LN(input)))))
        zero(a.dA, N * C)
        GatedResidual.backward(dinp: a.dA, dgate: a.dada + 2 * C, dresidual: dx, inp: s.proj,
                               gate: s.ada + 2 * C, condStride: C6, B: B, T: T, C: C)
        zero(a.dB, N * C)
        Linear.backward(dinp: a.dB, dweight: G + o.projW, dbias: G + o.projB, dout: a.dA, inp: s.attOut,
                        weight: P + o.projW, N: N, C: C, OC: C)
        zero(a.dqkv, N * 3 * C)
        Attention.backward(dqkv: a.dqkv, datt: a.datt, dout: a.dB, qkv: s.qkv, att: s.att, B: B, T: T, C: C, NH: NH)
        zero(a.dA, N * C)
        Linear.backward(dinp: a.dA, dweight: G + o.qkvW, dbias: G + o.qkvB, dout: a.dqkv, inp: s.mod1,
                        weight: P + o.qkvW, N: N, C: C, OC: 3 * C)
        zero(a.dB, N * C)
        Modulate.backward(dinp: a.dB, dshift: a.dada, dscale: a.dada + C, dout: a.dA, inp: s.ln1,
                          scale: s.ada + C, condStride: C6, B: B, T: T, C: C)
        LayerNorm.backward(dinp: dx, dweight: nil, dbias: nil, dout: a.dB, inp: s.input, mean: s.mean1,
                           rstd: s.rstd1, weight: nil, N: N, C: C)
        // adaLN linear: SiLU(c) → (shift, scale, gate) × 2
        Linear.backward(dinp: a.dcondAct, dweight: G + o.adaW, dbias: G + o.adaB, dout: a.dada,
                        inp: a.condAct, weight: P + o.adaW, N: B, C: C, OC: C6)
    }
}

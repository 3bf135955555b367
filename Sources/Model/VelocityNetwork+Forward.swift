import NN
import Tensor

extension VelocityNetwork {
    /// The forward pass of one shard on raw pointers; P is the flat parameter buffer, `a` the
    /// shard's activations, `out` (B, H, W, 3) receives the velocity.
    func forward(_ P: UnsafePointer<Float>, x: UnsafePointer<Float>, sigma: UnsafePointer<Float>,
                 tokens: UnsafePointer<Int32>, B: Int, acts a: Activations, out: UnsafeMutablePointer<Float>) {
        let c = config, l = layout
        let C = c.width, T = c.sequenceLength, L = c.maxTextTokens, Ni = c.imageTokens
        let Pd = c.patchDim, F = c.timeFeatures
        let S = c.imageSize, p = c.patchSize

        // Time conditioning: c = Linear(SiLU(Linear(features(σ)))), then SiLU(c) for every adaLN.
        TimestepFeatures.forward(out: a.tfeat, t: sigma, B: B, F: F)
        Linear.forward(out: a.t1, inp: a.tfeat, weight: P + l.time1W, bias: P + l.time1B, N: B, C: F, OC: C)
        SiLU.forward(out: a.t1act, inp: a.t1, count: B * C)
        Linear.forward(out: a.cond, inp: a.t1act, weight: P + l.time2W, bias: P + l.time2B, N: B, C: C, OC: C)
        SiLU.forward(out: a.condAct, inp: a.cond, count: B * C)

        // Joint sequence [text | image] into the first block's input; padding keys are masked.
        let h0 = a.blocks[0].input
        a.tokens.update(from: tokens, count: B * L)
        for b in 0..<B {
            TokenEmbedding.forward(out: h0 + b * T * C, tokens: tokens + b * L, table: P + l.textEmbed, N: L, C: C)
            for t in 0..<L { a.keyMask[b * T + t] = tokens[b * L + t] == 0 ? 0 : 1 }
            for t in L..<T { a.keyMask[b * T + t] = 1 }
        }
        PositionEmbedding.forward(x: h0, pos: P + l.textPos, B: B, T: L, C: C, sampleStride: T * C)
        Patchify.forward(out: a.patches, inp: x, B: B, H: S, W: S, C: c.channels, p: p)
        Linear.forward(out: a.imgTok, inp: a.patches, weight: P + l.patchW, bias: P + l.patchB, N: B * Ni, C: Pd, OC: C)
        for b in 0..<B { copy(h0 + b * T * C + L * C, a.imgTok + b * Ni * C, Ni * C) }
        PositionEmbedding.forward(x: h0 + L * C, pos: P + l.imagePos, B: B, T: Ni, C: C, sampleStride: T * C)

        for i in 0..<c.depth {
            let next = i + 1 < c.depth ? a.blocks[i + 1].input : a.stream
            blockForward(P, l.blocks[i], a.blocks[i], a, out: next, B: B)
        }

        // Final layer on the image tokens only.
        Linear.forward(out: a.finalAda, inp: a.condAct, weight: P + l.finalAdaW, bias: P + l.finalAdaB, N: B, C: C, OC: 2 * C)
        for b in 0..<B { copy(a.imgTok + b * Ni * C, a.stream + b * T * C + L * C, Ni * C) }
        LayerNorm.forward(out: a.lnf, mean: a.meanf, rstd: a.rstdf, inp: a.imgTok, weight: nil, bias: nil, N: B * Ni, C: C)
        Modulate.forward(out: a.modf, inp: a.lnf, shift: a.finalAda, scale: a.finalAda + C, condStride: 2 * C, B: B, T: Ni, C: C)
        Linear.forward(out: a.outPatches, inp: a.modf, weight: P + l.finalW, bias: P + l.finalB, N: B * Ni, C: C, OC: Pd)
        Patchify.unpatchify(out: out, inp: a.outPatches, B: B, H: S, W: S, C: c.channels, p: p)
    }

    /// One adaLN-Zero block: input (B, T, C) in `s.input` → `out` (B, T, C).
    func blockForward(_ P: UnsafePointer<Float>, _ o: BlockOffsets, _ s: BlockActivations, _ a: Activations,
                      out: UnsafeMutablePointer<Float>, B: Int) {
        let c = config
        let C = c.width, T = c.sequenceLength, N = B * T, NH = c.heads, H = c.hidden, C6 = 6 * C
        Linear.forward(out: s.ada, inp: a.condAct, weight: P + o.adaW, bias: P + o.adaB, N: B, C: C, OC: C6)
        // attention branch
        LayerNorm.forward(out: s.ln1, mean: s.mean1, rstd: s.rstd1, inp: s.input, weight: nil, bias: nil, N: N, C: C)
        Modulate.forward(out: s.mod1, inp: s.ln1, shift: s.ada, scale: s.ada + C, condStride: C6, B: B, T: T, C: C)
        Linear.forward(out: s.qkv, inp: s.mod1, weight: P + o.qkvW, bias: P + o.qkvB, N: N, C: C, OC: 3 * C)
        Attention.forward(out: s.attOut, att: s.att, qkv: s.qkv, keyMask: a.keyMask, B: B, T: T, C: C, NH: NH)
        Linear.forward(out: s.proj, inp: s.attOut, weight: P + o.projW, bias: P + o.projB, N: N, C: C, OC: C)
        copy(s.mid, s.input, N * C)
        GatedResidual.forward(residual: s.mid, inp: s.proj, gate: s.ada + 2 * C, condStride: C6, B: B, T: T, C: C)
        // MLP branch
        LayerNorm.forward(out: s.ln2, mean: s.mean2, rstd: s.rstd2, inp: s.mid, weight: nil, bias: nil, N: N, C: C)
        Modulate.forward(out: s.mod2, inp: s.ln2, shift: s.ada + 3 * C, scale: s.ada + 4 * C, condStride: C6, B: B, T: T, C: C)
        MLP.forward(out: s.mlpOut, hPre: s.hPre, hAct: s.hAct, inp: s.mod2, w1: P + o.fc1W, b1: P + o.fc1B,
                    w2: P + o.fc2W, b2: P + o.fc2B, N: N, C: C, H: H)
        copy(out, s.mid, N * C)
        GatedResidual.forward(residual: out, inp: s.mlpOut, gate: s.ada + 5 * C, condStride: C6, B: B, T: T, C: C)
    }
}

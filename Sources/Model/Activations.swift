import NN

/// Saved activations of one transformer block for a batch of up to `B` samples (T tokens, width C).
struct BlockActivations {
    let ada: UnsafeMutablePointer<Float>      // (B, 6C) shift1 scale1 gate1 shift2 scale2 gate2
    let input: UnsafeMutablePointer<Float>    // (B, T, C) residual stream entering the block
    let ln1: UnsafeMutablePointer<Float>, mean1: UnsafeMutablePointer<Float>, rstd1: UnsafeMutablePointer<Float>
    let mod1: UnsafeMutablePointer<Float>     // (B, T, C)
    let qkv: UnsafeMutablePointer<Float>      // (B, T, 3C)
    let att: UnsafeMutablePointer<Float>      // (B, NH, T, T)
    let attOut: UnsafeMutablePointer<Float>   // (B, T, C)
    let proj: UnsafeMutablePointer<Float>     // (B, T, C)
    let mid: UnsafeMutablePointer<Float>      // (B, T, C) residual after attention
    let ln2: UnsafeMutablePointer<Float>, mean2: UnsafeMutablePointer<Float>, rstd2: UnsafeMutablePointer<Float>
    let mod2: UnsafeMutablePointer<Float>     // (B, T, C)
    let hPre: UnsafeMutablePointer<Float>, hAct: UnsafeMutablePointer<Float>  // (B, T, 4C)
    let mlpOut: UnsafeMutablePointer<Float>   // (B, T, C)

    init(_ a: Arena, B: Int, T: Int, C: Int, H: Int, NH: Int) {
        let N = B * T
        ada = a.take(B * 6 * C); input = a.take(N * C)
        ln1 = a.take(N * C); mean1 = a.take(N); rstd1 = a.take(N); mod1 = a.take(N * C)
        qkv = a.take(N * 3 * C); att = a.take(B * NH * T * T); attOut = a.take(N * C); proj = a.take(N * C)
        mid = a.take(N * C)
        ln2 = a.take(N * C); mean2 = a.take(N); rstd2 = a.take(N); mod2 = a.take(N * C)
        hPre = a.take(N * H); hAct = a.take(N * H); mlpOut = a.take(N * C)
    }
}

/// Everything the network writes during forward and backward, planned for `maxBatch` samples.
final class Activations {
    let arena: Arena
    // conditioning
    let tfeat: UnsafeMutablePointer<Float>    // (B, F) sinusoidal features of σ
    let t1: UnsafeMutablePointer<Float>       // (B, C) first time linear
    let t1act: UnsafeMutablePointer<Float>    // (B, C) SiLU(t1)
    let cond: UnsafeMutablePointer<Float>     // (B, C) time embedding c
    let condAct: UnsafeMutablePointer<Float>  // (B, C) SiLU(c), input of every adaLN linear
    let keyMask: UnsafeMutablePointer<Float>  // (B, T) 1 = attend
    let tokens: UnsafeMutablePointer<Int32>   // (B, L) caption ids of the last forward, for backward
    // embeddings
    let patches: UnsafeMutablePointer<Float>  // (B, Ni, P) patch vectors of x
    let imgTok: UnsafeMutablePointer<Float>   // (B, Ni, C) image tokens (patch embed; reused in final layer)
    let blocks: [BlockActivations]
    let stream: UnsafeMutablePointer<Float>   // (B, T, C) residual stream leaving the last block
    // final layer
    let finalAda: UnsafeMutablePointer<Float> // (B, 2C)
    let lnf: UnsafeMutablePointer<Float>, meanf: UnsafeMutablePointer<Float>, rstdf: UnsafeMutablePointer<Float>
    let modf: UnsafeMutablePointer<Float>     // (B, Ni, C)
    let outPatches: UnsafeMutablePointer<Float> // (B, Ni, P)
    // backward scratch
    let dstream: UnsafeMutablePointer<Float>  // (B, T, C)
    let dA: UnsafeMutablePointer<Float>, dB: UnsafeMutablePointer<Float> // (B, T, C) each
    let dqkv: UnsafeMutablePointer<Float>     // (B, T, 3C)
    let datt: UnsafeMutablePointer<Float>     // (B, NH, T, T)
    let dh: UnsafeMutablePointer<Float>       // (B, T, 4C)
    let dada: UnsafeMutablePointer<Float>     // (B, 6C)
    let dcondAct: UnsafeMutablePointer<Float> // (B, C)
    let dcond: UnsafeMutablePointer<Float>    // (B, C)
    let dt1act: UnsafeMutablePointer<Float>   // (B, C)
    let dt1: UnsafeMutablePointer<Float>      // (B, C)
    let dOutPatches: UnsafeMutablePointer<Float> // (B, Ni, P)

    deinit { tokens.deallocate() }

    init(config c: ModelConfig, maxBatch B: Int) {
        let T = c.sequenceLength, C = c.width, H = c.hidden, NH = c.heads
        let Ni = c.imageTokens, P = c.patchDim, F = c.timeFeatures
        arena = Arena()
        tokens = .allocate(capacity: B * c.maxTextTokens)
        tokens.initialize(repeating: 0, count: B * c.maxTextTokens)
        let a = arena
        tfeat = a.take(B * F); t1 = a.take(B * C); t1act = a.take(B * C); cond = a.take(B * C)
        condAct = a.take(B * C); keyMask = a.take(B * T)
        patches = a.take(B * Ni * P); imgTok = a.take(B * Ni * C)
        blocks = (0..<c.depth).map { _ in BlockActivations(a, B: B, T: T, C: C, H: H, NH: NH) }
        stream = a.take(B * T * C)
        finalAda = a.take(B * 2 * C)
        lnf = a.take(B * Ni * C); meanf = a.take(B * Ni); rstdf = a.take(B * Ni); modf = a.take(B * Ni * C)
        outPatches = a.take(B * Ni * P)
        dstream = a.take(B * T * C); dA = a.take(B * T * C); dB = a.take(B * T * C)
        dqkv = a.take(B * T * 3 * C); datt = a.take(B * NH * T * T); dh = a.take(B * T * H)
        dada = a.take(B * 6 * C); dcondAct = a.take(B * C); dcond = a.take(B * C)
        dt1act = a.take(B * C); dt1 = a.take(B * C); dOutPatches = a.take(B * Ni * P)
    }
}

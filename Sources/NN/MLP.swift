import Tensor

/// The transformer MLP: Linear(C → H) → GELU → Linear(H → C).
public enum MLP {
    /// inp (N, C) → out (N, C); saves hPre (N, H) (before GELU) and hAct (N, H) (after) for backward.
    /// w1 (H, C), b1 (H), w2 (C, H), b2 (C).
    public static func forward(out: UnsafeMutablePointer<Float>, hPre: UnsafeMutablePointer<Float>,
                               hAct: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                               w1: UnsafePointer<Float>, b1: UnsafePointer<Float>,
                               w2: UnsafePointer<Float>, b2: UnsafePointer<Float>,
                               N: Int, C: Int, H: Int) {
        Linear.forward(out: hPre, inp: inp, weight: w1, bias: b1, N: N, C: C, OC: H)
        GELU.forward(out: hAct, inp: hPre, count: N * H)
        Linear.forward(out: out, inp: hAct, weight: w2, bias: b2, N: N, C: H, OC: C)
    }

    /// dout (N, C) → dinp (N, C) +=, dw1, db1, dw2, db2 +=.  dh (N, H) is scratch (overwritten).
    public static func backward(dinp: UnsafeMutablePointer<Float>,
                                dw1: UnsafeMutablePointer<Float>, db1: UnsafeMutablePointer<Float>,
                                dw2: UnsafeMutablePointer<Float>, db2: UnsafeMutablePointer<Float>,
                                dh: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                                inp: UnsafePointer<Float>, hPre: UnsafePointer<Float>, hAct: UnsafePointer<Float>,
                                w1: UnsafePointer<Float>, w2: UnsafePointer<Float>,
                                N: Int, C: Int, H: Int) {
        let count = N * H
        dh.update(repeating: 0, count: count)
        Linear.backward(dinp: dh, dweight: dw2, dbias: db2, dout: dout, inp: hAct, weight: w2,
                        N: N, C: H, OC: C)
        // Through GELU in place: one scratch buffer serves as both d(hAct) and d(hPre).
        for i in 0..<count { dh[i] *= GELU.derivative(hPre[i]) }
        Linear.backward(dinp: dinp, dweight: dw1, dbias: db1, dout: UnsafePointer(dh), inp: inp, weight: w1,
                        N: N, C: C, OC: H)
    }
}

/// Feature-wise linear modulation (Perez et al. 2018): every token of sample b is scaled and
/// shifted by vectors computed from that sample's caption, γ and β, stored side by side in one
/// conditioning row [γ (C), β (C)].
///
/// The scale is 1 + γ, so a zero conditioning vector is the identity and a fresh network starts
/// close to an unconditioned one.
enum FiLM {
    /// inp (B, T, C), cond rows `condStride` apart holding [γ, β] → out (B, T, C) = inp ⊙ (1 + γ) + β.
    static func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, cond: UnsafePointer<Float>,
                        condStride: Int, B: Int, T: Int, C: Int) {
        for b in 0..<B {
            let gamma = cond + b * condStride, beta = gamma + C
            for t in 0..<T {
                let x = inp + (b * T + t) * C, y = out + (b * T + t) * C
                for c in 0..<C { y[c] = x[c] * (1 + gamma[c]) + beta[c] }
            }
        }
    }

    /// dout (B, T, C) → dinp (B, T, C) += dout ⊙ (1 + γ);  dγ += Σ_t dout ⊙ inp;  dβ += Σ_t dout
    /// (dcond laid out like cond).
    static func backward(dinp: UnsafeMutablePointer<Float>, dcond: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                         inp: UnsafePointer<Float>, cond: UnsafePointer<Float>, condStride: Int, B: Int, T: Int, C: Int) {
        for b in 0..<B {
            let gamma = cond + b * condStride
            let dgamma = dcond + b * condStride, dbeta = dgamma + C
            for t in 0..<T {
                let x = inp + (b * T + t) * C, dy = dout + (b * T + t) * C, dx = dinp + (b * T + t) * C
                for c in 0..<C {
                    dx[c] += dy[c] * (1 + gamma[c])
                    dgamma[c] += dy[c] * x[c]
                    dbeta[c] += dy[c]
                }
            }
        }
    }
}

import NN

/// Dotted parameter names of the velocity network and where each lives in the flat buffer.
/// Names mirror the module tree and are the safetensors keys (`blocks.3.attn.qkv.weight`).
struct BlockOffsets {
    var adaW = 0, adaB = 0
    var qkvW = 0, qkvB = 0, projW = 0, projB = 0
    var fc1W = 0, fc1B = 0, fc2W = 0, fc2B = 0
}

struct ParameterLayout {
    var textEmbed = 0, textPos = 0
    var patchW = 0, patchB = 0, imagePos = 0
    var time1W = 0, time1B = 0, time2W = 0, time2B = 0
    var blocks: [BlockOffsets] = []
    var finalAdaW = 0, finalAdaB = 0, finalW = 0, finalB = 0

    /// Names and shapes in the order they are laid out (and written to safetensors).
    static func specs(_ c: ModelConfig) -> [(name: String, shape: [Int])] {
        let C = c.width
        var s: [(name: String, shape: [Int])] = [
            ("text_embed.weight", [c.vocabSize, C]),
            ("text_pos", [c.maxTextTokens, C]),
            ("patch_embed.weight", [C, c.patchDim]),
            ("patch_embed.bias", [C]),
            ("image_pos", [c.imageTokens, C]),
            ("time_embed.0.weight", [C, c.timeFeatures]),
            ("time_embed.0.bias", [C]),
            ("time_embed.2.weight", [C, C]),
            ("time_embed.2.bias", [C]),
        ]
        for i in 0..<c.depth {
            let p = "blocks.\(i)."
            s += [
                (p + "ada.weight", [6 * C, C]), (p + "ada.bias", [6 * C]),
                (p + "attn.qkv.weight", [3 * C, C]), (p + "attn.qkv.bias", [3 * C]),
                (p + "attn.proj.weight", [C, C]), (p + "attn.proj.bias", [C]),
                (p + "mlp.fc1.weight", [c.hidden, C]), (p + "mlp.fc1.bias", [c.hidden]),
                (p + "mlp.fc2.weight", [C, c.hidden]), (p + "mlp.fc2.bias", [C]),
            ]
        }
        s += [
            ("final.ada.weight", [2 * C, C]), ("final.ada.bias", [2 * C]),
            ("final.linear.weight", [c.patchDim, C]), ("final.linear.bias", [c.patchDim]),
        ]
        return s
    }

    init(_ c: ModelConfig, _ p: Parameters) {
        func o(_ n: String) -> Int { p[n].offset }
        textEmbed = o("text_embed.weight"); textPos = o("text_pos")
        patchW = o("patch_embed.weight"); patchB = o("patch_embed.bias"); imagePos = o("image_pos")
        time1W = o("time_embed.0.weight"); time1B = o("time_embed.0.bias")
        time2W = o("time_embed.2.weight"); time2B = o("time_embed.2.bias")
        for i in 0..<c.depth {
            let q = "blocks.\(i)."
            blocks.append(BlockOffsets(
                adaW: o(q + "ada.weight"), adaB: o(q + "ada.bias"),
                qkvW: o(q + "attn.qkv.weight"), qkvB: o(q + "attn.qkv.bias"),
                projW: o(q + "attn.proj.weight"), projB: o(q + "attn.proj.bias"),
                fc1W: o(q + "mlp.fc1.weight"), fc1B: o(q + "mlp.fc1.bias"),
                fc2W: o(q + "mlp.fc2.weight"), fc2B: o(q + "mlp.fc2.bias")))
        }
        finalAdaW = o("final.ada.weight"); finalAdaB = o("final.ada.bias")
        finalW = o("final.linear.weight"); finalB = o("final.linear.bias")
    }
}

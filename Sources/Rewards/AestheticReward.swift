import Imaging

/// `aesthetic`: a DELIBERATELY HACKABLE stand-in for an aesthetic predictor.
///
/// aesthetic = ½ · saturation + ½ · contrast, in [0, 1], where saturation is the mean HSV
/// chroma (max − min of the pixel's channels on the [0, 1] scale) and contrast is twice the
/// standard deviation of the luma (0.299 R + 0.587 G + 0.114 B), capped at 1 (an image that is
/// half black and half white has luma std ½). The prompt is ignored.
///
/// It exists to be exploited: it rewards garish, saturated, high-contrast images whatever the
/// caption asks for, so a policy trained on it drifts to filling the canvas with saturated
/// colour on stark backgrounds — the shapes-world version of LAION-aesthetic over-optimization
/// (DDPO, Flow-GRPO), where the judge's alignment and the quality metric fall while it rises.
public struct AestheticReward: Reward {
    public let name = "aesthetic"

    public init() {}

    public func score(images: [Image], prompts: [String]) throws -> RewardScores {
        try checkCounts(images: images, prompts: prompts)
        return RewardScores(single: name, images.map(Self.value))
    }

    /// The aesthetic value of one image.
    public static func value(_ image: Image) -> Float {
        let n = image.width * image.height
        guard n > 0 else { return 0 }
        var chroma = 0.0, sum = 0.0, sumSq = 0.0
        image.pixels.withUnsafeBufferPointer { p in
            for i in 0..<n {
                let r = Double(p[3 * i]), g = Double(p[3 * i + 1]), b = Double(p[3 * i + 2])
                chroma += (max(r, g, b) - min(r, g, b)) / 255
                let y = (0.299 * r + 0.587 * g + 0.114 * b) / 255
                sum += y
                sumSq += y * y
            }
        }
        let mean = sum / Double(n)
        let std = max(sumSq / Double(n) - mean * mean, 0).squareRoot()
        let saturation = chroma / Double(n)
        return Float(0.5 * saturation + 0.5 * min(1, 2 * std))
    }
}

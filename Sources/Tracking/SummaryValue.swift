/// One tagged value of a TensorBoard `Summary` (summary.proto, `Summary.Value`): a scalar, a
/// histogram, a PNG image or a text.
public struct SummaryValue: Equatable, Sendable {
    public enum Content: Equatable, Sendable {
        /// `simple_value` (field 2, float): what TensorBoard's scalar dashboard reads.
        case scalar(Float)
        /// `histo` (field 5).
        case histogram(Histogram)
        /// `image` (field 4): an encoded PNG and its size.
        case image(png: [UInt8], width: Int, height: Int)
        /// `tensor` (field 8) of one DT_STRING with `metadata` (field 9) naming the "text" plugin,
        /// which is the layout of tensorboard.plugins.text.summary_v2.text_pb.
        case text(String)
    }

    public var tag: String
    public var content: Content

    public init(tag: String, _ content: Content) { self.tag = tag; self.content = content }

    /// The encoded `Summary.Value` message.
    func encode(into w: inout ProtoWriter) {
        w.string(1, tag)
        switch content {
        case .scalar(let v):
            w.float(2, v)
        case .histogram(let h):
            w.message(5) { h.encode(into: &$0) }
        case let .image(png, width, height):
            w.message(4) { m in
                m.int64(1, Int64(height)); m.int64(2, Int64(width))
                m.int64(3, 3)   // colorspace 3 = RGB
                m.bytes(4, png)
            }
        case .text(let s):
            w.message(8) { t in
                t.int64(1, 7)        // dtype DT_STRING
                t.message(2) { _ in } // tensor_shape {}: a scalar
                t.string(8, s)       // string_val
            }
            // SummaryMetadata.plugin_data.plugin_name = "text"; the plugin's content (TextPluginData,
            // version 0) serializes to no bytes.
            w.message(9) { m in m.message(1) { p in p.string(1, "text") } }
        }
    }
}

/// A TensorBoard `HistogramProto`: bucket `i` counts values in (bucket_limit[i-1], bucket_limit[i]].
public struct Histogram: Equatable, Sendable {
    public var min = 0.0, max = 0.0, num = 0.0, sum = 0.0, sumSquares = 0.0
    public var bucketLimit: [Double] = []
    public var bucket: [Double] = []

    /// Equal-width buckets from the smallest to the largest value (a few dozen samples per
    /// iteration fill 20 buckets usefully; TensorFlow's exponential default spreads them thin).
    public init(_ values: [Double], buckets: Int = 20) {
        let xs = values.filter(\.isFinite)
        guard let lo = xs.min(), let hi = xs.max() else { return }
        min = lo; max = hi; num = Double(xs.count)
        sum = xs.reduce(0, +); sumSquares = xs.reduce(0) { $0 + $1 * $1 }
        if hi == lo {
            bucketLimit = [hi]; bucket = [num]
            return
        }
        let n = Swift.max(1, buckets), width = (hi - lo) / Double(n)
        bucketLimit = (1...n).map { lo + width * Double($0) }
        bucketLimit[n - 1] = hi
        bucket = [Double](repeating: 0, count: n)
        for x in xs { bucket[Swift.min(n - 1, Swift.max(0, Int(((x - lo) / width).rounded(.up)) - 1))] += 1 }
    }

    func encode(into w: inout ProtoWriter) {
        w.double(1, min); w.double(2, max); w.double(3, num); w.double(4, sum); w.double(5, sumSquares)
        w.packedDoubles(6, bucketLimit); w.packedDoubles(7, bucket)
    }
}

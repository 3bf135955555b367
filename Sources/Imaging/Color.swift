/// An 8-bit RGB colour for drawing text, grids and plots.
public struct Color: Equatable, Hashable, Sendable {
    public var r: UInt8
    public var g: UInt8
    public var b: UInt8

    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }

    /// The colour as the tuple `Image`'s subscript takes.
    public var rgb: (UInt8, UInt8, UInt8) { (r, g, b) }

    public static let black = Color(0, 0, 0)
    public static let white = Color(255, 255, 255)
    public static let gray = Color(128, 128, 128)
    public static let lightGray = Color(225, 225, 225)

    /// Ten well-separated series colours (matplotlib's "tab10"), so plots read the way users
    /// expect; series beyond ten reuse them in order.
    public static let series: [Color] = [
        Color(31, 119, 180), Color(255, 127, 14), Color(44, 160, 44), Color(214, 39, 40),
        Color(148, 103, 189), Color(140, 86, 75), Color(227, 119, 194), Color(127, 127, 127),
        Color(188, 189, 34), Color(23, 190, 207),
    ]
}

import Foundation

/// Pieces of the self-contained report pages: escaping, the page shell with its inline style,
/// tables, and PNGs as data: URIs. Nothing here refers to a network resource or a script.
public enum HTML {
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    /// A PNG file's bytes as an <img> source.
    public static func dataURI(png: [UInt8]) -> String { "data:image/png;base64," + Data(png).base64EncodedString() }

    /// A table; cells are already HTML (escape text first).
    public static func table(_ header: [String], _ rows: [[String]], cssClass: String = "") -> String {
        var out = "<table\(cssClass.isEmpty ? "" : " class=\"\(cssClass)\"")><thead><tr>"
        out += header.map { "<th>\($0)</th>" }.joined() + "</tr></thead><tbody>\n"
        for r in rows { out += "<tr>" + r.map { "<td>\($0)</td>" }.joined() + "</tr>\n" }
        return out + "</tbody></table>\n"
    }

    /// A number with `digits` decimals, "—" when missing or not finite.
    public static func number(_ v: Double?, digits: Int = 3) -> String {
        guard let v, v.isFinite else { return "—" }
        if v != 0 && (abs(v) < 1e-3 || abs(v) >= 1e6) { return String(format: "%.2e", v) }
        return String(format: "%.\(digits)f", v)
    }

    /// "mean [low, high]"; "—" for each missing part (an interval is undefined below two seeds).
    public static func interval(_ mean: Double?, _ low: Double?, _ high: Double?, digits: Int = 3) -> String {
        "\(number(mean, digits: digits)) <span class=\"ci\">[\(number(low, digits: digits)), \(number(high, digits: digits))]</span>"
    }

    /// The page: a title, inline CSS and the body.
    public static func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>\(escape(title))</title>
        <style>
        body { font-family: sans-serif; margin: 24px auto; max-width: 1500px; padding: 0 20px; color: #222; background: #fafafa; }
        h1 { margin-bottom: 4px; }
        h2 { border-bottom: 2px solid #4e79a7; padding-bottom: 3px; margin-top: 32px; }
        h3 { margin: 18px 0 6px; font-size: 15px; }
        .sub { color: #555; margin-top: 0; }
        .plots { display: flex; flex-wrap: wrap; gap: 12px; }
        .plots svg { border: 1px solid #ddd; background: #fff; }
        table { border-collapse: collapse; margin: 6px 0 14px; background: #fff; font-size: 13px; }
        th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top; }
        th { background: #eef2f7; }
        td.num, .num { text-align: right; font-variant-numeric: tabular-nums; }
        .ci { color: #666; font-size: 12px; }
        .config { column-width: 330px; column-gap: 18px; }
        .config table { width: 100%; margin: 0; }
        .grids { display: flex; flex-wrap: wrap; gap: 14px; align-items: flex-start; }
        figure { margin: 0; background: #fff; border: 1px solid #ddd; padding: 6px; }
        figcaption { font-size: 13px; color: #444; margin-top: 4px; }
        img { max-width: 100%; }
        .grids img { width: 430px; }
        </style>
        </head>
        <body>
        \(body)
        </body>
        </html>

        """
    }
}

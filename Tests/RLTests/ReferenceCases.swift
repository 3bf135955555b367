import Foundation
import XCTest

/// The float64 oracle values of ../shared/reference/make_cases.py (an independent numpy script),
/// copied into Fixtures/reference_cases.json.
enum ReferenceCases {
    nonisolated(unsafe) static let json: [String: Any] = {
        let url = Bundle.module.url(forResource: "reference_cases", withExtension: "json", subdirectory: "Fixtures")!
        return try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }()

    static func object(_ key: String) -> [String: Any] { json[key] as! [String: Any] }
    static func doubles(_ v: Any?) -> [Double] { (v as! [NSNumber]).map(\.doubleValue) }
    static func matrix(_ v: Any?) -> [[Double]] { (v as! [[NSNumber]]).map { $0.map(\.doubleValue) } }
    static func double(_ v: Any?) -> Double { (v as! NSNumber).doubleValue }
}

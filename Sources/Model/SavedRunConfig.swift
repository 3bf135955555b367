import Foundation

/// Reads back the settings a run directory was started with, for `--resume`.
public enum SavedRunConfig {
    /// The settings in `directory`/config.json (the object under `section` when the file nests
    /// them, as pretraining's does), or nil when the run has no config.json yet. Keys the file
    /// holds beside the settings (the model, the git commit) are ignored; keys it lacks (a run
    /// from before a setting existed) take their defaults.
    public static func load<S: Decodable>(_ type: S.Type, directory: String, section: String? = nil) throws -> S? {
        let path = directory + "/config.json"
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw RunError.badConfig(path, "is not a JSON object")
        }
        guard let settings = (section.map { object[$0] } ?? object) as? [String: Any] else {
            throw RunError.badConfig(path, "has no \"\(section ?? "")\" object")
        }
        do { return try JSONDecoder().decode(S.self, from: JSONSerialization.data(withJSONObject: settings)) } catch {
            throw RunError.badConfig(path, "has a setting of the wrong type")
        }
    }
}

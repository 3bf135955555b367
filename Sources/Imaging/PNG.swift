import CPNG
import Foundation
import Tensor

/// Why a PNG could not be read or written; each message names the file (or source) at fault.
public enum PNGError: Error, CustomStringConvertible, Equatable {
    case missing(path: String)
    case unreadable(path: String, reason: String)
    case notPNG(source: String)
    case corrupt(source: String, message: String)
    case tooLarge(source: String, message: String)
    case invalidText(message: String)
    case invalidImage(message: String)
    case writeFailed(path: String, reason: String)
    case outOfMemory(source: String)

    public var description: String {
        switch self {
        case .missing(let path): return "\(path) does not exist"
        case .unreadable(let path, let reason): return "cannot read \(path): \(reason)"
        case .notPNG(let source): return "\(source) is not a PNG file"
        case .corrupt(let source, let message): return "\(source) is a damaged PNG: \(message)"
        case .tooLarge(let source, let message): return "\(source) is too large to load: \(message)"
        case .invalidText(let message): return "cannot store PNG text: \(message)"
        case .invalidImage(let message): return "cannot encode PNG: \(message)"
        case .writeFailed(let path, let reason): return "cannot write \(path): \(reason)"
        case .outOfMemory(let source): return "out of memory while processing \(source)"
        }
    }
}

/// PNG encoding and decoding through libpng (the CPNG target), plus file helpers.
public enum PNG {
    /// Encodes `image` as an 8-bit RGB PNG carrying `text` as tEXt (or iTXt/zTXt) chunks, in order.
    public static func encode(_ image: Image, text: [(String, String)] = [],
                              compressionLevel: Int = 9) throws -> [UInt8] {
        for (key, value) in text where key.utf8.contains(0) || value.utf8.contains(0) {
            throw PNGError.invalidText(message: "text key \"\(key)\" or its value contains a NUL byte")
        }
        var errorBuffer = [CChar](repeating: 0, count: 512)
        var out: UnsafeMutablePointer<UInt8>? = nil
        var outLength = 0
        // strdup'd copies give libpng stable C strings for the duration of the call.
        let keys = text.map { strdup($0.0) }
        let values = text.map { strdup($0.1) }
        defer { keys.forEach { free($0) }; values.forEach { free($0) } }
        let keyPointers = keys.map { UnsafePointer<CChar>($0) }
        let valuePointers = values.map { UnsafePointer<CChar>($0) }
        if keyPointers.contains(where: { $0 == nil }) || valuePointers.contains(where: { $0 == nil }) {
            throw PNGError.outOfMemory(source: "PNG text")
        }
        let code = image.pixels.withUnsafeBufferPointer { rgb in
            keyPointers.withUnsafeBufferPointer { k in
                valuePointers.withUnsafeBufferPointer { v in
                    errorBuffer.withUnsafeMutableBufferPointer { err in
                        flowrl_png_encode(rgb.baseAddress, Int32(clamping: image.width),
                                          Int32(clamping: image.height), k.baseAddress, v.baseAddress,
                                          Int32(text.count), Int32(clamping: compressionLevel),
                                          &out, &outLength, err.baseAddress, err.count)
                    }
                }
            }
        }
        defer { flowrl_png_free(out) }
        let message = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) },
                             as: UTF8.self)
        switch Int(code) {
        case FLOWRL_PNG_OK:
            guard let out else { throw PNGError.outOfMemory(source: "PNG encoding") }
            return Array(UnsafeBufferPointer(start: out, count: outLength))
        case FLOWRL_PNG_BAD_ARGUMENT:
            if message.hasPrefix("text key") { throw PNGError.invalidText(message: message) }
            throw PNGError.invalidImage(message: message)
        case FLOWRL_PNG_NO_MEMORY:
            throw PNGError.outOfMemory(source: "PNG encoding")
        default:
            throw PNGError.invalidImage(message: message)
        }
    }

    /// Decodes any standard PNG to RGB8 (alpha composited onto black) and its text chunks;
    /// `source` names the bytes in error messages. A repeated text key keeps its first value.
    public static func decode(_ bytes: [UInt8], source: String) throws -> (image: Image, text: [String: String]) {
        var errorBuffer = [CChar](repeating: 0, count: 512)
        var rgb: UnsafeMutablePointer<UInt8>? = nil
        var width: Int32 = 0, height: Int32 = 0, count: Int32 = 0
        var keys: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = nil
        var values: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = nil
        let code = bytes.withUnsafeBufferPointer { data in
            errorBuffer.withUnsafeMutableBufferPointer { err in
                flowrl_png_decode(data.baseAddress, data.count, &rgb, &width, &height,
                                  &keys, &values, &count, err.baseAddress, err.count)
            }
        }
        defer {
            flowrl_png_free(rgb)
            flowrl_png_free_text(keys, values, count)
        }
        let message = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) },
                             as: UTF8.self)
        switch Int(code) {
        case FLOWRL_PNG_OK: break
        case FLOWRL_PNG_NOT_PNG: throw PNGError.notPNG(source: source)
        case FLOWRL_PNG_TOO_LARGE: throw PNGError.tooLarge(source: source, message: message)
        case FLOWRL_PNG_NO_MEMORY: throw PNGError.outOfMemory(source: source)
        default: throw PNGError.corrupt(source: source, message: message)
        }
        guard let rgb else { throw PNGError.outOfMemory(source: source) }
        let w = Int(width), h = Int(height)
        let image = Image(width: w, height: h, pixels: Array(UnsafeBufferPointer(start: rgb, count: w * h * 3)))
        var text: [String: String] = [:]
        for i in 0..<Int(count) {
            guard let k = keys?[i], let v = values?[i] else { continue }
            let key = String(cString: k)
            if text[key] == nil { text[key] = String(cString: v) }
        }
        return (image, text)
    }

    /// Writes `image` to `path` via a temporary file and a rename, so readers never see half a
    /// PNG; creates missing parent directories.
    public static func write(_ image: Image, to path: String, text: [(String, String)] = [],
                             compressionLevel: Int = 9) throws {
        let bytes = try encode(image, text: text, compressionLevel: compressionLevel)
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw PNGError.writeFailed(path: path, reason: "cannot create directory \(directory.path)")
        }
        // A unique name per call, so concurrent writers of one path never share a temporary; the
        // pid suffix lets `AtomicFiles.removeLeftovers` delete the temporaries of a killed process.
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp-\(getpid())").path
        let registered = TemporaryFiles.register(temporary)
        defer { TemporaryFiles.unregister(registered) }
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: temporary))
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw PNGError.writeFailed(path: path, reason: error.localizedDescription)
        }
        if rename(temporary, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw PNGError.writeFailed(path: path, reason: reason)
        }
    }

    /// Reads and decodes the PNG at `path`.
    public static func read(path: String) throws -> (image: Image, text: [String: String]) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw PNGError.missing(path: path)
        }
        if isDirectory.boolValue { throw PNGError.unreadable(path: path, reason: "it is a directory") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PNGError.unreadable(path: path, reason: "permission denied or I/O error")
        }
        return try decode([UInt8](data), source: path)
    }
}

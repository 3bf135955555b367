import Foundation
import XCTest

/// Independent PNG reader and writer in Python's standard library (zlib + struct only), so that
/// the tests check libpng's output and input against code that shares nothing with it.
enum PythonPNG {
    /// Runs `python3 -c script args…` and returns its stdout; skips the test without python3.
    static func run(_ script: String, _ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch { throw XCTSkip("python3 is not available: \(error)") }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus == 127 { throw XCTSkip("python3 is not available") }
        guard process.terminationStatus == 0 else {
            throw NSError(domain: "PythonPNG", code: Int(process.terminationStatus), userInfo: [
                NSLocalizedDescriptionKey: String(decoding: stderr, as: UTF8.self)])
        }
        return stdout
    }

    /// Reads an 8-bit RGB non-interlaced PNG: checks the signature, every chunk CRC, IHDR first
    /// and IEND last, inflates IDAT, undoes all five filters; prints JSON {width, height,
    /// pixels (hex), text}.
    static let reader = #"""
import sys, zlib, struct, json
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n', 'signature'
pos, chunks = 8, []
while pos < len(data):
    n, = struct.unpack('>I', data[pos:pos + 4])
    kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
    crc, = struct.unpack('>I', data[pos + 8 + n:pos + 12 + n])
    assert zlib.crc32(kind + body) & 0xffffffff == crc, 'CRC of ' + kind.decode()
    chunks.append((kind, body))
    pos += 12 + n
assert pos == len(data), 'trailing bytes'
assert chunks[0][0] == b'IHDR' and chunks[-1][0] == b'IEND', 'chunk order'
w, h, depth, ctype, comp, filt, inter = struct.unpack('>IIBBBBB', chunks[0][1])
assert (depth, ctype, comp, filt, inter) == (8, 2, 0, 0, 0), 'IHDR fields'
raw = zlib.decompress(b''.join(b for k, b in chunks if k == b'IDAT'))
stride = 3 * w
assert len(raw) == h * (stride + 1), 'IDAT size'
out, prev = bytearray(), bytearray(stride)
for y in range(h):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - 3] if i >= 3 else 0
        b = prev[i]
        c = prev[i - 3] if i >= 3 else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        else: assert f == 0, 'filter type'
    out += line
    prev = line
text = {}
for k, b in chunks:
    if k == b'tEXt':
        key, value = b.split(b'\0', 1)
        text[key.decode('latin-1')] = value.decode('latin-1')
    elif k == b'zTXt':
        key, rest = b.split(b'\0', 1)
        text[key.decode('latin-1')] = zlib.decompress(rest[1:]).decode('latin-1')
    elif k == b'iTXt':
        key, rest = b.split(b'\0', 1)
        flag, rest = rest[0], rest[2:]
        lang, rest = rest.split(b'\0', 1)
        translated, value = rest.split(b'\0', 1)
        text[key.decode('latin-1')] = (zlib.decompress(value) if flag else value).decode('utf-8')
print(json.dumps({'width': w, 'height': h, 'pixels': out.hex(), 'text': text}))
"""#

    /// Writes four PNGs into the directory argv[1], with pixel formulas mirrored by the tests:
    /// palette.png (2-bit palette + tRNS + tEXt/zTXt/iTXt), rgba16.png (16-bit RGBA),
    /// gray_interlaced.png (8-bit gray, Adam7), gray1.png (1-bit gray).
    static let writer = #"""
import sys, zlib, struct
def chunk(kind, body):
    return struct.pack('>I', len(body)) + kind + body + struct.pack('>I', zlib.crc32(kind + body) & 0xffffffff)
def png(path, w, h, depth, ctype, rows, extra=b'', interlace=0):
    ihdr = struct.pack('>IIBBBBB', w, h, depth, ctype, 0, 0, interlace)
    data = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) + extra
    data += chunk(b'IDAT', zlib.compress(b''.join(b'\0' + r for r in rows))) + chunk(b'IEND', b'')
    open(path, 'wb').write(data)
def pack_bits(values, depth):
    out, acc, n = bytearray(), 0, 0
    for v in values:
        acc = (acc << depth) | v
        n += depth
        if n == 8: out.append(acc); acc, n = 0, 0
    if n: out.append(acc << (8 - n))
    return bytes(out)
d = sys.argv[1]
# palette: index (x + 2y) % 4; entry 2 half transparent, entry 3 fully transparent
w, h = 7, 5
plte = bytes([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30])
extra = chunk(b'PLTE', plte) + chunk(b'tRNS', bytes([255, 255, 128, 0]))
extra += chunk(b'tEXt', b'prompt\0a red circle')
extra += chunk(b'tEXt', b'latin\0caf\xe9')
extra += chunk(b'zTXt', b'long\0\0' + zlib.compress(b'x' * 50))
extra += chunk(b'iTXt', b'utf8\0\0\0\0\0' + 'π ≈ 3.14'.encode('utf-8'))
png(d + '/palette.png', w, h, 2, 3, [pack_bits([(x + 2 * y) % 4 for x in range(w)], 2) for y in range(h)], extra)
# 16-bit RGBA: alpha 0 in column 0, opaque elsewhere
w, h = 6, 4
rows = []
for y in range(h):
    r = b''
    for x in range(w):
        r += struct.pack('>HHHH', (x * 4099 + y * 257) & 0xffff, (x * 31 + y * 7919) & 0xffff, 0x12ff, 0 if x == 0 else 0xffff)
    rows.append(r)
png(d + '/rgba16.png', w, h, 16, 6, rows)
# 8-bit gray, Adam7 interlaced: each pass is its own run of filtered rows
w, h = 13, 11
passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
rows = []
for x0, y0, dx, dy in passes:
    xs = range(x0, w, dx)
    if len(xs) == 0: continue
    for y in range(y0, h, dy):
        rows.append(bytes([(x * 13 + y * 29) % 256 for x in xs]))
png(d + '/gray_interlaced.png', w, h, 8, 0, rows, interlace=1)
# 1-bit gray checkerboard, width not a multiple of 8
w, h = 10, 3
png(d + '/gray1.png', w, h, 1, 0, [pack_bits([(x + y) % 2 for x in range(w)], 1) for y in range(h)])
"""#
}

/// A fresh directory under the system temporary directory, removed by the caller.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("flowrl-imaging-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

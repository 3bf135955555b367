#!/usr/bin/env python3
"""Mean brightness in [0, 1] as an external flowrl reward (standard library only).

Use it as:  flowrl score --reward "external:python3 examples/rewards/brightness.py" ...

Protocol (see Sources/Rewards/ExternalReward.swift): flowrl writes one JSON line per image,
    {"id": 17, "prompt": "a red circle", "png": "<base64 PNG>"}
and this process answers one line per image, in any order, matched by id:
    {"id": 17, "reward": 0.42}
Stdout carries answers only; anything else goes to stderr. The process exits at end of input.

The PNG decoder handles what flowrl writes: 8-bit RGB (colour type 2), non-interlaced, any of
the five row filters. A PNG it cannot read gets a message on stderr and the process exits with
status 2, which flowrl reports as an error naming this command.
"""
import base64
import json
import struct
import sys
import zlib


def decode_png(data):
    """Returns (width, height, bytes of RGB rows without filter bytes)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, header = 8, [], None
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if header is None:
        raise ValueError("no IHDR chunk")
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour != 2 or interlace != 0:
        raise ValueError("only 8-bit RGB non-interlaced PNGs are supported, got depth %d colour type %d interlace %d"
                         % (depth, colour, interlace))
    raw = zlib.decompress(b"".join(idat))
    stride, bpp = width * 3, 3
    rows, prev = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
            elif kind != 0:
                raise ValueError("unknown PNG filter type %d" % kind)
        rows.append(bytes(line))
        prev = line
    return width, height, b"".join(rows)


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            _, _, pixels = decode_png(base64.b64decode(request["png"]))
        except (ValueError, zlib.error) as e:
            print("brightness.py: image %s: %s" % (request.get("id"), e), file=sys.stderr)
            sys.exit(2)
        reward = sum(pixels) / (255.0 * len(pixels)) if pixels else 0.0
        print(json.dumps({"id": request["id"], "reward": reward}), flush=True)


if __name__ == "__main__":
    main()

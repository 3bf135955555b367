#!/usr/bin/env python3
"""Reads TensorBoard event files with the tensorboard package's own reader and prints them as JSON.

    scripts/read-tensorboard.py LOGDIR

LOGDIR holding event files directly is read as one run; otherwise every subdirectory with event
files is a run (EventMultiplexer), named by its path relative to LOGDIR. Output:
{"runs": {RUN: {"file_version": v, "scalars": {tag: [[step, value, wall_time], ...]},
 "histograms": {tag: [[step, min, max, num, sum, sum_squares, bucket_limit, bucket], ...]},
 "images": {tag: [[step, width, height, png_sha256], ...]}, "texts": {tag: [[step, text], ...]}}}}
Exit status 3 when `import tensorboard` fails (the tests skip then).
"""
import hashlib
import json
import math
import os
import sys

try:
    from tensorboard.backend.event_processing import event_accumulator as ea_mod
    from tensorboard.backend.event_processing import plugin_event_multiplexer  # noqa: F401
    from tensorboard.util import tensor_util
except Exception as e:  # noqa: BLE001
    print(f"tensorboard is not importable: {e}", file=sys.stderr)
    sys.exit(3)

KEEP_ALL = {ea_mod.SCALARS: 0, ea_mod.IMAGES: 0, ea_mod.HISTOGRAMS: 0, ea_mod.TENSORS: 0,
            ea_mod.COMPRESSED_HISTOGRAMS: 0, ea_mod.AUDIO: 0}


def read_run(path):
    acc = ea_mod.EventAccumulator(path, size_guidance=KEEP_ALL)
    acc.Reload()
    tags = acc.Tags()
    out = {"file_version": acc.file_version, "scalars": {}, "histograms": {}, "images": {}, "texts": {}}
    for tag in tags[ea_mod.SCALARS]:
        out["scalars"][tag] = [[e.step, e.value, e.wall_time] for e in acc.Scalars(tag)]
    for tag in tags[ea_mod.HISTOGRAMS]:
        out["histograms"][tag] = [[e.step, h.min, h.max, h.num, h.sum, h.sum_squares, list(h.bucket_limit), list(h.bucket)]
                                  for e in acc.Histograms(tag) for h in [e.histogram_value]]
    for tag in tags[ea_mod.IMAGES]:
        out["images"][tag] = [[e.step, e.width, e.height, hashlib.sha256(e.encoded_image_string).hexdigest()]
                              for e in acc.Images(tag)]
    for tag in tags[ea_mod.TENSORS]:
        texts = []
        for e in acc.Tensors(tag):
            value = tensor_util.make_ndarray(e.tensor_proto)
            item = value.item() if hasattr(value, "item") else value
            texts.append([e.step, item.decode("utf-8") if isinstance(item, bytes) else str(item)])
        out["texts"][tag] = texts
    return out


def finite(x):
    """JSON has no NaN or infinity: they are written as the strings "nan", "inf", "-inf" (as metrics.jsonl does)."""
    if isinstance(x, float) and not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    if isinstance(x, list):
        return [finite(v) for v in x]
    if isinstance(x, dict):
        return {k: finite(v) for k, v in x.items()}
    return x


def main():
    logdir = sys.argv[1]
    runs = {}
    for root, _dirs, files in sorted(os.walk(logdir)):
        if any(f.startswith("events.out.tfevents.") for f in files):
            name = os.path.relpath(root, logdir)
            runs[name] = read_run(root)
    print(json.dumps(finite({"runs": runs}), allow_nan=False))


main()

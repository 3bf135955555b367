#!/usr/bin/env python3
"""flowrl's velocity network rebuilt in PyTorch: a numerical check and a speed comparison.

Not part of `swift test`. Needs torch and numpy (`pip install torch`). Given a model directory
(config.json + model.safetensors, e.g. one written by `flowrl bench --write-model DIR`), it

1. builds the same architecture from config.json and loads model.safetensors (the dotted names
   of Sources/Model/ParameterLayout.swift; Linear weights are (out, in) as in PyTorch);
2. writes a fixed input (x, sigma, tokens) to a safetensors file, asks flowrl for its velocity
   (`flowrl bench --velocity-check IN --checkpoint DIR --out OUT`) and checks that PyTorch's
   velocity matches to --tolerance (default 1e-4, max absolute difference);
3. times forward and forward+backward at --batch with torch.set_num_threads(--threads), best of
   --repeats after a warm-up (the protocol of `flowrl bench`), alternating --rounds times with
   `flowrl bench --skip-iteration --skip-shapes --json` at the same batch and thread count
   (OPENBLAS_NUM_THREADS set to it), and prints each side's best and their ratio.

    python3 bench/torch_reference.py --model /tmp/m --flowrl .build/release/flowrl --threads 2

Architecture (Sources/Model/VelocityNetwork*.swift): caption ids → embedding + learned positions;
x (B, 32, 32, 3) → 4×4 patches, vector order (py, px, channel) → linear + positions; joint sequence
[text | image]; σ → DiT timestep features of t = 1000σ in [cos, sin] order → Linear → SiLU → Linear
= c; per block adaLN-Zero from SiLU(c) in the order shift1, scale1, gate1, shift2, scale2, gate2;
LayerNorm eps 1e-6 without affine; attention scaled by 1/√hs with padding keys (id 0) masked;
GELU (tanh approximation); final layer on the image tokens: LN → modulate (shift, scale) → linear.
"""
import argparse
import json
import math
import os
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


# --- safetensors (F32 only), so the script needs no extra package ---------------------------

def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise ValueError(f"{path}: tensor {name} is {info['dtype']}, expected F32")
        start, end = info["data_offsets"]
        out[name] = np.frombuffer(data[base + start:base + end], dtype="<f4").reshape(info["shape"]).copy()
    return out


def write_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name, array in tensors.items():
        b = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


# --- the network ----------------------------------------------------------------------------

def layer_norm(x):
    return F.layer_norm(x, x.shape[-1:], eps=1e-6)


def modulate(x, shift, scale):
    return x * (1 + scale[:, None, :]) + shift[:, None, :]


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        C = c["width"]
        self.heads = c["heads"]
        self.ada = nn.Linear(C, 6 * C)
        self.attn = nn.Module()
        self.attn.qkv = nn.Linear(C, 3 * C)
        self.attn.proj = nn.Linear(C, C)
        self.mlp = nn.Module()
        self.mlp.fc1 = nn.Linear(C, c["mlp_ratio"] * C)
        self.mlp.fc2 = nn.Linear(c["mlp_ratio"] * C, C)

    def forward(self, h, cond_act, attn_mask, sdpa):
        B, T, C = h.shape
        NH, hs = self.heads, C // self.heads
        shift1, scale1, gate1, shift2, scale2, gate2 = self.ada(cond_act).chunk(6, dim=1)
        qkv = self.attn.qkv(modulate(layer_norm(h), shift1, scale1))
        q, k, v = (t.view(B, T, NH, hs).transpose(1, 2) for t in qkv.split(C, dim=2))
        if sdpa:
            a = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)
        else:
            pre = (q @ k.transpose(-2, -1)) / math.sqrt(hs)
            a = pre.masked_fill(~attn_mask, float("-inf")).softmax(dim=-1) @ v
        a = a.transpose(1, 2).reshape(B, T, C)
        h = h + gate1[:, None, :] * self.attn.proj(a)
        m = self.mlp.fc2(F.gelu(self.mlp.fc1(modulate(layer_norm(h), shift2, scale2)), approximate="tanh"))
        return h + gate2[:, None, :] * m


class VelocityNetwork(nn.Module):
    def __init__(self, c, sdpa=True):
        super().__init__()
        self.c, self.sdpa = c, sdpa
        C, S, p = c["width"], c["image_size"], c["patch_size"]
        self.grid, self.P = S // p, p * p * c["channels"]
        self.text_embed = nn.Embedding(c["vocab_size"], C)
        self.text_pos = nn.Parameter(torch.zeros(c["max_text_tokens"], C))
        self.patch_embed = nn.Linear(self.P, C)
        self.image_pos = nn.Parameter(torch.zeros(self.grid * self.grid, C))
        self.time_embed = nn.Sequential(nn.Linear(c["time_features"], C), nn.SiLU(), nn.Linear(C, C))
        self.blocks = nn.ModuleList(Block(c) for _ in range(c["depth"]))
        self.final = nn.Module()
        self.final.ada = nn.Linear(C, 2 * C)
        self.final.linear = nn.Linear(C, self.P)

    def timestep_features(self, sigma):
        # DiT's timestep_embedding of t = 1000σ, [cos, sin]; in double like flowrl (args reach 1000 rad).
        half = self.c["time_features"] // 2
        freqs = torch.exp(-math.log(10000) * torch.arange(half, dtype=torch.float64) / half)
        args = sigma.double()[:, None] * 1000 * freqs[None]
        f = torch.cat([torch.cos(args), torch.sin(args)], dim=1)
        if self.c["time_features"] % 2:
            f = torch.cat([f, torch.zeros_like(f[:, :1])], dim=1)
        return f.float()

    def forward(self, x, sigma, tokens):
        B, S = x.shape[0], self.c["image_size"]
        p, g, ch = self.c["patch_size"], self.grid, self.c["channels"]
        cond_act = F.silu(self.time_embed(self.timestep_features(sigma)))
        # (B, H, W, ch) → (B, g·g, p·p·ch) with vector order (py, px, channel)
        patches = x.view(B, g, p, g, p, ch).permute(0, 1, 3, 2, 4, 5).reshape(B, g * g, self.P)
        text = self.text_embed(tokens) + self.text_pos
        image = self.patch_embed(patches) + self.image_pos
        h = torch.cat([text, image], dim=1)
        keys = torch.cat([tokens != 0, torch.ones(B, g * g, dtype=torch.bool)], dim=1)
        attn_mask = keys[:, None, None, :]                       # (B, 1, 1, T): padding keys masked
        for block in self.blocks:
            h = block(h, cond_act, attn_mask, self.sdpa)
        shift, scale = self.final.ada(cond_act).chunk(2, dim=1)
        out = self.final.linear(modulate(layer_norm(h[:, -g * g:]), shift, scale))
        return out.view(B, g, g, p, p, ch).permute(0, 1, 3, 2, 4, 5).reshape(B, S, S, ch)


def load(model_dir, sdpa):
    with open(os.path.join(model_dir, "config.json")) as f:
        c = json.load(f)
    defaults = {"image_size": 32, "channels": 3, "patch_size": 4, "width": 128, "depth": 6, "heads": 4,
                "mlp_ratio": 4, "max_text_tokens": 12, "time_features": 128}
    c = {**defaults, **c}
    net = VelocityNetwork(c, sdpa=sdpa)
    weights = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    state = net.state_dict()   # the module tree is built so that its keys are flowrl's names
    missing, extra = sorted(set(state) - set(weights)), sorted(set(weights) - set(state))
    if missing or extra:
        raise SystemExit(f"tensor names differ: missing {missing[:5]}, unexpected {extra[:5]}")
    with torch.no_grad():
        for name, param in state.items():
            w = torch.from_numpy(weights[name])
            if w.shape != param.shape:
                raise SystemExit(f"{name}: shape {tuple(w.shape)}, expected {tuple(param.shape)}")
            param.copy_(w)
    return c, net


def fixed_input(c, batch, seed=0):
    rng = np.random.default_rng(seed)
    S, L = c["image_size"], c["max_text_tokens"]
    x = rng.standard_normal((batch, S, S, c["channels"])).astype(np.float32)
    sigma = rng.uniform(0.0, 1.0, batch).astype(np.float32)
    tokens = np.zeros((batch, L), dtype=np.float32)
    for b in range(batch):
        n = rng.integers(2, min(L, 10) + 1)
        tokens[b, :n] = rng.integers(1, c["vocab_size"], n)
    return x, sigma, tokens


def check(args, c, net):
    x, sigma, tokens = fixed_input(c, args.check_batch)
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = os.path.join(tmp, "in.safetensors"), os.path.join(tmp, "out.safetensors")
        write_safetensors(inp, {"x": x, "sigma": sigma, "tokens": tokens})
        subprocess.run([args.flowrl, "bench", "--velocity-check", inp, "--checkpoint", args.model, "--out", out],
                       check=True)
        theirs = read_safetensors(out)["velocity"]
    with torch.no_grad():
        ours = net(torch.from_numpy(x), torch.from_numpy(sigma), torch.from_numpy(tokens).long()).numpy()
    diff = float(np.abs(ours - theirs).max())
    scale = float(np.abs(theirs).max())
    ok = diff <= args.tolerance
    print(f"velocity check on {args.check_batch} samples: max |torch − flowrl| = {diff:.2e} "
          f"(max |v| = {scale:.3f}, tolerance {args.tolerance:g}): {'OK' if ok else 'NOT OK'}")
    return ok


def time_torch(args, c, net):
    B = args.batch
    x, sigma, tokens = (torch.from_numpy(a) for a in fixed_input(c, B, seed=1))
    tokens = tokens.long()
    dout = torch.randn(B, c["image_size"], c["image_size"], c["channels"], generator=torch.Generator().manual_seed(2))

    def fwd():
        with torch.no_grad():
            net(x, sigma, tokens)

    def fwd_bwd():
        net.zero_grad(set_to_none=False)
        (net(x, sigma, tokens) * dout).sum().backward()

    def best(f):
        f()
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            f()
            times.append(time.perf_counter() - t0)
        return min(times)

    return best(fwd), best(fwd_bwd)


def forward_macs(c):
    T = c["max_text_tokens"] + (c["image_size"] // c["patch_size"]) ** 2
    C, H = c["width"], c["width"] * c["mlp_ratio"]
    Ni, P = (c["image_size"] // c["patch_size"]) ** 2, c["patch_size"] ** 2 * c["channels"]
    block = T * (3 * C * C + C * C + 2 * C * H) + 2 * T * T * C + 6 * C * C
    return c["depth"] * block + Ni * P * C + c["time_features"] * C + C * C + 2 * C * C + Ni * C * P


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True, help="model directory (config.json + model.safetensors)")
    ap.add_argument("--flowrl", default=".build/release/flowrl", help="the flowrl executable")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--check-batch", type=int, default=8)
    ap.add_argument("--tolerance", type=float, default=1e-4)
    ap.add_argument("--attention", choices=["sdpa", "manual"], default="sdpa",
                    help="F.scaled_dot_product_attention, or matmul + masked softmax + matmul")
    ap.add_argument("--rounds", type=int, default=3, help="alternating torch / flowrl timing rounds")
    ap.add_argument("--skip-flowrl-timing", action="store_true")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    c, net = load(args.model, sdpa=args.attention == "sdpa")
    ok = check(args, c, net)

    # Rounds alternate PyTorch and flowrl and each keeps its best, so that on a shared machine a
    # burst of load elsewhere does not land on one side only.
    best = {"torch": [math.inf, math.inf], "flowrl": [math.inf, math.inf]}
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(args.threads))
    for r in range(args.rounds):
        fwd, fb = time_torch(args, c, net)
        line = f"round {r + 1}: torch {fwd * 1e3:.1f} / {fb * 1e3:.1f} ms"
        best["torch"] = [min(best["torch"][0], fwd), min(best["torch"][1], fb)]
        if not args.skip_flowrl_timing:
            run = subprocess.run([args.flowrl, "bench", "--json", "--skip-iteration", "--skip-shapes",
                                  "--threads", str(args.threads), "--batch", str(args.batch)],
                                 check=True, capture_output=True, text=True, env=env)
            report = json.loads(run.stdout)
            n = report["network"]
            best["flowrl"] = [min(best["flowrl"][0], n["forward_seconds"]),
                              min(best["flowrl"][1], n["forward_backward_seconds"])]
            line += (f", flowrl {n['forward_seconds'] * 1e3:.1f} / {n['forward_backward_seconds'] * 1e3:.1f} ms"
                     f" (sgemm peak {report['sgemm_peak_gflops']:.1f} GFLOPS)")
        print(line + "  (forward / forward+backward)")
    flops = 2.0 * forward_macs(c) * args.batch
    for name, (fwd, fb) in best.items():
        if fwd == math.inf:
            continue
        label = (f"torch {torch.__version__} ({args.attention} attention)" if name == "torch"
                 else f"flowrl (OPENBLAS_NUM_THREADS={args.threads})")
        print(f"{label}, {args.threads} threads, batch {args.batch}, best of {args.rounds} rounds:")
        print(f"  forward           {fwd * 1e3:8.1f} ms  {flops / fwd / 1e9:6.1f} GFLOPS")
        print(f"  forward+backward  {fb * 1e3:8.1f} ms  {3 * flops / fb / 1e9:6.1f} GFLOPS  {args.batch / fb:6.1f} images/s")
    if best["flowrl"][0] < math.inf:
        (tf, tb), (ff, fb) = best["torch"], best["flowrl"]
        print(f"torch / flowrl time: forward {tf / ff:.2f}×, forward+backward {tb / fb:.2f}× (> 1: flowrl is faster)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

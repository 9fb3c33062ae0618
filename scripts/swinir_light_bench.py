"""SwinIR-light x2 forward latency on the CPU in PyTorch, for issue 11's comparison on the GPU machine's host
(2 pinned threads, the same run as `mambair bench model --preset light-x2`).

The network is written here from the SwinIR paper (Liang et al., "SwinIR: Image Restoration Using Swin Transformer",
ICCVW 2021: the lightweight SR setting, embed_dim 60, depths and heads [6, 6, 6, 6], window 8, MLP ratio 2, one
3x3 conv per residual group, pixel-shuffle-direct upsampler), with random weights: the official code is not
available offline, so this is a re-implementation of the same layers and shapes for timing only. Its speed on that
host is printed next to issue 11's figure for the official code (440 ms at 64x64, 1.90 s at 128x128) as a check.
Usage: taskset -c 0,1 python3 scripts/swinir_light_bench.py [--threads 2] [--sizes 64,128] [--repeat 5]
"""
import argparse, json, time
import torch
import torch.nn as nn
import torch.nn.functional as F


def window_partition(x, ws):
    b, h, w, c = x.shape
    x = x.view(b, h // ws, ws, w // ws, ws, c)
    return x.permute(0, 1, 3, 2, 4, 5).contiguous().view(-1, ws, ws, c)


def window_reverse(windows, ws, h, w):
    b = int(windows.shape[0] / (h * w / ws / ws))
    x = windows.view(b, h // ws, w // ws, ws, ws, -1)
    return x.permute(0, 1, 3, 2, 4, 5).contiguous().view(b, h, w, -1)


class WindowAttention(nn.Module):
    def __init__(self, dim, ws, heads):
        super().__init__()
        self.ws, self.heads = ws, heads
        self.scale = (dim // heads) ** -0.5
        self.relative_position_bias_table = nn.Parameter(torch.randn((2 * ws - 1) ** 2, heads) * 0.02)
        coords = torch.stack(torch.meshgrid(torch.arange(ws), torch.arange(ws), indexing="ij")).flatten(1)
        rel = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0).contiguous()
        rel[:, :, 0] += ws - 1
        rel[:, :, 1] += ws - 1
        rel[:, :, 0] *= 2 * ws - 1
        self.register_buffer("relative_position_index", rel.sum(-1))
        self.qkv = nn.Linear(dim, dim * 3, bias=True)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x, mask=None):
        b_, n, c = x.shape
        qkv = self.qkv(x).reshape(b_, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0] * self.scale, qkv[1], qkv[2]
        attn = q @ k.transpose(-2, -1)
        bias = self.relative_position_bias_table[self.relative_position_index.view(-1)].view(n, n, -1).permute(2, 0, 1)
        attn = attn + bias.unsqueeze(0)
        if mask is not None:
            nw = mask.shape[0]
            attn = attn.view(b_ // nw, nw, self.heads, n, n) + mask.unsqueeze(1).unsqueeze(0)
            attn = attn.view(-1, self.heads, n, n)
        attn = attn.softmax(-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(b_, n, c))


class SwinBlock(nn.Module):
    def __init__(self, dim, heads, ws, shift, mlp_ratio):
        super().__init__()
        self.ws, self.shift = ws, shift
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn = WindowAttention(dim, ws, heads)
        hidden = int(dim * mlp_ratio)
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim))

    def mask(self, h, w, device):
        if self.shift == 0:
            return None
        img = torch.zeros(1, h, w, 1, device=device)
        cnt = 0
        for hs in (slice(0, -self.ws), slice(-self.ws, -self.shift), slice(-self.shift, None)):
            for wsl in (slice(0, -self.ws), slice(-self.ws, -self.shift), slice(-self.shift, None)):
                img[:, hs, wsl, :] = cnt
                cnt += 1
        mw = window_partition(img, self.ws).view(-1, self.ws * self.ws)
        m = mw.unsqueeze(1) - mw.unsqueeze(2)
        return m.masked_fill(m != 0, -100.0).masked_fill(m == 0, 0.0)

    def forward(self, x, size):
        h, w = size
        b, l, c = x.shape
        shortcut = x
        x = self.norm1(x).view(b, h, w, c)
        if self.shift:
            x = torch.roll(x, shifts=(-self.shift, -self.shift), dims=(1, 2))
        win = window_partition(x, self.ws).view(-1, self.ws * self.ws, c)
        win = self.attn(win, self.mask(h, w, x.device)).view(-1, self.ws, self.ws, c)
        x = window_reverse(win, self.ws, h, w)
        if self.shift:
            x = torch.roll(x, shifts=(self.shift, self.shift), dims=(1, 2))
        x = shortcut + x.view(b, h * w, c)
        return x + self.mlp(self.norm2(x))


class RSTB(nn.Module):
    def __init__(self, dim, depth, heads, ws, mlp_ratio):
        super().__init__()
        self.blocks = nn.ModuleList([SwinBlock(dim, heads, ws, 0 if i % 2 == 0 else ws // 2, mlp_ratio) for i in range(depth)])
        self.conv = nn.Conv2d(dim, dim, 3, 1, 1)

    def forward(self, x, size):
        y = x
        for blk in self.blocks:
            y = blk(y, size)
        b, l, c = y.shape
        y = self.conv(y.transpose(1, 2).view(b, c, *size)).flatten(2).transpose(1, 2)
        return y + x


class SwinIRLight(nn.Module):
    def __init__(self, upscale=2, dim=60, depths=(6, 6, 6, 6), heads=(6, 6, 6, 6), ws=8, mlp_ratio=2.0):
        super().__init__()
        self.ws = ws
        self.register_buffer("mean", torch.tensor([0.4488, 0.4371, 0.4040]).view(1, 3, 1, 1))
        self.conv_first = nn.Conv2d(3, dim, 3, 1, 1)
        self.patch_norm = nn.LayerNorm(dim)
        self.layers = nn.ModuleList([RSTB(dim, d, h, ws, mlp_ratio) for d, h in zip(depths, heads)])
        self.norm = nn.LayerNorm(dim)
        self.conv_after_body = nn.Conv2d(dim, dim, 3, 1, 1)
        self.upsample = nn.Sequential(nn.Conv2d(dim, 3 * upscale * upscale, 3, 1, 1), nn.PixelShuffle(upscale))

    def forward(self, x):
        h, w = x.shape[2:]
        x = x - self.mean
        first = self.conv_first(x)
        t = self.patch_norm(first.flatten(2).transpose(1, 2))
        for layer in self.layers:
            t = layer(t, (h, w))
        t = self.norm(t)
        b, l, c = t.shape
        body = self.conv_after_body(t.transpose(1, 2).view(b, c, h, w)) + first
        return self.upsample(body) + self.mean


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--sizes", default="64,128")
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    net = SwinIRLight().eval()
    params = sum(p.numel() for p in net.parameters())
    official = {64: 440.0, 128: 1900.0}
    for s in [int(v) for v in a.sizes.split(",")]:
        x = torch.rand(1, 3, s, s)
        with torch.no_grad():
            net(x)
            times = []
            for _ in range(a.repeat):
                t0 = time.perf_counter()
                net(x)
                times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        print(json.dumps({"model": "SwinIR-light x2 (re-implementation, random weights)", "params": params, "size": s,
                          "threads": a.threads, "median_ms": round(times[len(times) // 2], 1), "min_ms": round(times[0], 1),
                          "issue11_official_ms": official.get(s), "torch": torch.__version__}))


if __name__ == "__main__":
    main()

"""Makes torch_resize.safetensors: torch.nn.functional.interpolate results that BicubicResizeTest and
InpaintMasksTest compare against.

Run with Debian's python3-torch (1.13, the build the pipeline goldens were made with; its AVX2 kernels
decide the float32 rounding):  /usr/bin/python3 make_torch_resize.py
Tensors: "bicubic/<k>/input" [N, C, H, W] and "bicubic/<k>/output" [N, C, outH, outW] (mode="bicubic",
align_corners=False); "nearest/<k>/input" and "nearest/<k>/output" (the default mode, "nearest").
"""
import json
import struct

import numpy as np
import torch

BICUBIC = [  # (N, C, H, W, outH, outW, value scale)
    (1, 2, 7, 5, 13, 11, 1.0),      # up by non-integer factors
    (1, 2, 37, 23, 10, 17, 1.0),    # down in H, up in W
    (2, 1, 10, 10, 25, 4, 1.0),     # two samples, non-square result
    (1, 1, 64, 48, 8, 6, 1.0),      # integer factor 8 down, as to latent size
    (1, 1, 48, 40, 6, 5, 40.0),     # depth-like values (metres, disparities)
    (1, 1, 16, 16, 64, 64, 1.0),    # x4 up
    (1, 1, 1, 1, 3, 3, 1.0),        # single pixel
    (1, 1, 3, 2, 1, 1, 1.0),        # down to a single pixel
    (1, 1, 9, 7, 9, 7, 1.0),        # same size (identity)
    (1, 1, 3, 100, 100, 3, 1.0),    # long and thin, both ways
]
NEAREST = [  # (N, C, H, W, outH, outW)
    (1, 1, 64, 64, 8, 8),
    (1, 1, 70, 50, 9, 6),
    (1, 1, 8, 8, 16, 16),
    (1, 1, 13, 7, 5, 3),
    (1, 1, 5, 3, 13, 7),
    (1, 2, 10, 10, 10, 10),
]


def main():
    torch.manual_seed(20240527)
    tensors = {}
    for k, (n, c, h, w, oh, ow, scale) in enumerate(BICUBIC):
        x = torch.randn(n, c, h, w) * scale
        tensors[f"bicubic/{k}/input"] = x
        tensors[f"bicubic/{k}/output"] = torch.nn.functional.interpolate(
            x, size=(oh, ow), mode="bicubic", align_corners=False)
    for k, (n, c, h, w, oh, ow) in enumerate(NEAREST):
        x = torch.randn(n, c, h, w)
        tensors[f"nearest/{k}/input"] = x
        tensors[f"nearest/{k}/output"] = torch.nn.functional.interpolate(x, size=(oh, ow))
    write_safetensors("torch_resize.safetensors", tensors, {"torch": torch.__version__})


def write_safetensors(path, tensors, metadata):
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name, t in tensors.items():
        data = t.contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


if __name__ == "__main__":
    main()

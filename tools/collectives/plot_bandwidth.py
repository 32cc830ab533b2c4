#!/usr/bin/env python3
"""Plots all-reduce bus bandwidth against message size from `gpuhal-collectives bandwidth
--json=...` output: gpuhal and raw NCCL, measured in the same run.

    plot_bandwidth.py bandwidth.json bandwidth.png
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt


def size_label(size):
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale:
            return f"{size // scale} {unit}"
    return f"{size} B"


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    with open(argv[1]) as source:
        run = json.load(source)
    results = run["results"]
    sizes = [point["bytes"] for point in results]

    figure, axes = plt.subplots(figsize=(9, 5.5))
    axes.plot(sizes, [p["gpuhal_busbw_gbps"] for p in results], marker="o", label="gpuhal")
    if all("nccl_busbw_gbps" in p for p in results):
        axes.plot(sizes, [p["nccl_busbw_gbps"] for p in results], marker="s",
                  label="NCCL directly")
    axes.set_xscale("log", base=2)
    axes.set_yscale("log")  # small messages are latency-bound: 4+ decades apart
    ticks = sizes[::3]
    axes.set_xticks(ticks)
    axes.set_xticklabels([size_label(s) for s in ticks], rotation=45, ha="right")
    axes.set_xlabel("message size")
    axes.set_ylabel("bus bandwidth (GB/s)")
    # "cuda://0 (NVIDIA H200)" -> "2 x NVIDIA H200"
    names = [d[d.find("(") + 1:-1] if "(" in d else d for d in run.get("devices", [])]
    devices = ", ".join(f"{names.count(n)} x {n}" for n in dict.fromkeys(names))
    axes.set_title(f"all-reduce (float32 sum), {run.get('ranks')} ranks, {run.get('mode')} mode"
                   f"\n{devices}\n{run.get('date', '')}", fontsize=9)
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(argv[2], dpi=120)


if __name__ == "__main__":
    main(sys.argv)

#!/usr/bin/env python3
"""Plots gpuhal-bench's ratios (gpuhal / raw driver) against their targets.

    plot_ratios.py bench.json [--out ratios.png] [--table]

Reads Google Benchmark JSON written by gpuhal-bench (--benchmark_out=bench.json
--benchmark_out_format=json). Every benchmark that reports both a `ratio` and a `target`
counter becomes one bar, green when within its target and red otherwise, with its target
marked. --table also prints a Markdown table of every benchmark's counters.
"""
import argparse
import json
import sys

LABELS = {
    "BM_StreamDispatch": "1. stream dispatch\nper kernel",
    "BM_GraphReplay": "2. graph replay\n1,000 dispatches",
    "BM_GraphRecord": "2. graph record+end\n1,000 dispatches",
    "BM_SemaphoreChain": "3. semaphore chain\nper hop",
    "BM_CompletionLatency": "4. completion latency\n~20 us kernel",
    "BM_WaitBeforeSignal": "5. wait-before-signal\nrelease",
}


def load(path):
    with open(path) as f:
        data = json.load(f)
    # With repetitions, keep the plain runs (aggregates repeat the same names).
    rows = [b for b in data.get("benchmarks", []) if b.get("run_type", "iteration") == "iteration"]
    return data.get("context", {}), rows


def print_table(rows):
    print("| benchmark | gpuhal | raw | ratio | target | met |")
    print("| --- | --- | --- | --- | --- | --- |")
    for row in rows:
        if "gpuhal_us" not in row:
            continue
        ratio = row.get("ratio")
        target = row.get("target")
        met = "" if ratio is None or target is None else ("yes" if ratio <= target else "**no**")
        raw = f"{row['raw_us']:.2f} us" if "raw_us" in row else "-"
        print(f"| {row['name']} | {row['gpuhal_us']:.2f} us | {raw} | "
              f"{'' if ratio is None else f'{ratio:.3f}'} | "
              f"{'' if target is None else f'<= {target:.2f}'} | {met} |")
    for row in rows:
        extra = {k: v for k, v in row.items()
                 if k.startswith(("bytes_", "idle_", "ops_", "submit_", "target_ops"))}
        if extra:
            print(f"{row['name']}: " + ", ".join(f"{k}={v:.6g}" for k, v in extra.items()))


def plot(context, rows, out):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    bars = [r for r in rows if "ratio" in r and "target" in r]
    if not bars:
        print("plot_ratios.py: no benchmark has a ratio and a target (simulated GPU run?)",
              file=sys.stderr)
        return 1
    labels = [LABELS.get(r["name"].split("/")[0], r["name"]) for r in bars]
    ratios = [r["ratio"] for r in bars]
    targets = [r["target"] for r in bars]
    colors = ["tab:green" if ratio <= target else "tab:red" for ratio, target in zip(ratios, targets)]
    fig, ax = plt.subplots(figsize=(10, 5))
    positions = range(len(bars))
    ax.bar(positions, ratios, color=colors, width=0.6, label="gpuhal / raw driver")
    ax.scatter(positions, targets, marker="_", s=2000, color="black", zorder=3, label="target (at most)")
    for x, ratio in zip(positions, ratios):
        ax.text(x, ratio + 0.02, f"{ratio:.2f}", ha="center", va="bottom", fontsize=9)
    ax.axhline(1.0, color="gray", linewidth=0.8, linestyle="--")
    ax.set_xticks(list(positions))
    ax.set_xticklabels(labels, fontsize=8)
    ax.set_ylabel("time ratio, gpuhal / raw CUDA driver (lower is better)")
    ax.set_ylim(0, max(max(ratios), max(targets)) * 1.15)
    gpu = context.get("gpu", "?")
    driver = context.get("cuda_driver_api_version", "?")
    ax.set_title(f"gpuhal-bench on {gpu} (CUDA driver API {driver}), {context.get('date', '')[:10]}")
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    print(f"wrote {out}")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("json")
    parser.add_argument("--out", default="ratios.png")
    parser.add_argument("--table", action="store_true")
    args = parser.parse_args()
    context, rows = load(args.json)
    if args.table:
        print_table(rows)
    return plot(context, rows, args.out)


if __name__ == "__main__":
    sys.exit(main())

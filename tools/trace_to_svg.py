#!/usr/bin/env python3
"""Renders a simulated-GPU Chrome trace (traceEvents JSON, from trace=FILE on a fake-cuda://
or fake-hip:// URI, or gpuhal::simulated::WriteTrace) as an SVG timeline: one lane per
stream, one box per operation (kernels in purple, under their own names), the seed and
schedule in the title. For docs and quick looks without a trace viewer.

usage: trace_to_svg.py TRACE.json OUT.svg [STREAM=LABEL ...]
"""
import json
import sys
from xml.sax.saxutils import escape

COLORS = {
    "memcpy_htod": "#8fbcd4", "memcpy_dtoh": "#b4c7e7", "memcpy_dtod": "#f4b183",
    "memset8": "#a9d18e", "memset16": "#a9d18e", "memset32": "#a9d18e",
    "event_record": "#7f7f7f", "event_wait": "#ff5050", "host_function": "#ffd966",
    "kernel": "#c9a0dc",
}


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    trace = json.load(open(argv[1]))
    events = [e for e in trace["traceEvents"] if e.get("ph") == "X"]
    names = {(e["pid"], e["tid"]): e["args"]["name"] for e in trace["traceEvents"]
             if e.get("ph") == "M" and e.get("name") == "thread_name"}
    labels = {}
    for arg in argv[3:]:
        if arg.startswith("--label"):
            continue
        key, _, text = arg.partition("=")
        labels[key] = text
    meta = trace.get("otherData", {})
    lanes = sorted({(e["pid"], e["tid"]) for e in events})
    end = max(e["ts"] + e["dur"] for e in events)
    scale, left, lane_h, top = 900.0 / end, 150, 46, 40
    width, height = left + 900 + 20, top + lane_h * len(lanes) + 40
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="monospace" font-size="10">',
           f'<rect width="{width}" height="{height}" fill="white"/>']
    if meta:
        title = ", ".join(f"{k} {v}" for k, v in meta.items() if k != "dropped_spans")
        out.append(f'<text x="4" y="16" font-size="11">{escape(title)}</text>')
    for i, (pid, tid) in enumerate(lanes):
        y = top + i * lane_h
        name = labels.get(str(tid), f"device {pid} " + names.get((pid, tid), f"stream {tid}"))
        out.append(f'<text x="4" y="{y + 24}" font-size="11">{escape(name)}</text>')
        out.append(f'<line x1="{left}" y1="{y + lane_h - 4}" x2="{left + 900}" '
                   f'y2="{y + lane_h - 4}" stroke="#ddd"/>')
    for e in events:
        i = lanes.index((e["pid"], e["tid"]))
        x, w = left + e["ts"] * scale, max(e["dur"] * scale, 2.0)
        y = top + i * lane_h + 6
        color = COLORS.get(e["name"], COLORS["kernel"])
        out.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="30" fill="{color}" '
                   f'stroke="#333" stroke-width="0.5"><title>{escape(e["name"])} '
                   f'{e["ts"]:.3f}+{e["dur"]:.3f}</title></rect>')
        if w > 30:
            out.append(f'<text x="{x + 2:.1f}" y="{y + 19}" font-size="8">'
                       f'{escape(e["name"])}</text>')
    y = top + lane_h * len(lanes) + 16
    for t in range(0, int(end) + 1, max(1, int(end) // 10)):
        x = left + t * scale
        out.append(f'<text x="{x:.1f}" y="{y}" font-size="9">{t} µs</text>')
    out.append("</svg>")
    open(argv[2], "w").write("\n".join(out) + "\n")


if __name__ == "__main__":
    main(sys.argv)

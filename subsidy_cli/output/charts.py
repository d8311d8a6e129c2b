"""Charts of the county summary page (``batch --report``) as inline SVG, drawn by matplotlib.

Text stays text (``svg.fonttype = "none"``), so Chinese labels render with the viewer's own fonts and can be
searched and copied; the SVG carries no XML prolog, DOCTYPE or metadata, so nothing in it points outside the
page. matplotlib is imported only here, and this module only when a summary page is asked for: the start-up
of ``check`` never pays for it.
"""

from __future__ import annotations

import io
import logging
import re
import warnings
from collections.abc import Sequence
from typing import Any

# The fonts the charts ask for, Chinese first; the browser falls back along the same list.
FONTS = ["Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "Hiragino Sans GB",
         "WenQuanYi Micro Hei", "SimHei", "SimSun", "DejaVu Sans"]  # fmt: skip
COLOURS = {"eligible": "#1f7a3f", "potential": "#d08a1e", "quota": "#1d2530", "other": "#7b8794"}


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("svg", force=True)
    import matplotlib.pyplot as plt

    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)  # a missing Chinese font is not news
    plt.rcParams.update(
        {
            "svg.fonttype": "none",
            "svg.hashsalt": "subsidy-cli",  # the same data, the same SVG
            "font.family": "sans-serif",
            "font.sans-serif": FONTS,
            "font.size": 9,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.unicode_minus": False,
        }
    )
    return plt


def _svg(fig: Any) -> str:
    plt = _pyplot()
    buffer = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # glyphs a machine without Chinese fonts cannot measure
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)
    return text.strip()


def barh(
    labels: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[float]]],
    *,
    xlabel: str,
    marks: Sequence[float | None] | None = None,
    mark_label: str = "",
) -> str:
    """Horizontal stacked bars, one row per label (first label on top): ``series`` is (name, colour key, values)
    per stack; ``marks`` puts a marker (e.g. the annual quota) on a row where it is not None."""
    plt = _pyplot()
    height = 0.9 + 0.32 * max(1, len(labels))
    fig, ax = plt.subplots(figsize=(7.2, height))
    rows = list(range(len(labels)))[::-1]
    left = [0.0] * len(labels)
    for name, colour, values in series:
        ax.barh(rows, values, left=left, color=COLOURS.get(colour, colour), label=name, height=0.62)
        left = [a + b for a, b in zip(left, values, strict=True)]
    if marks is not None and any(m is not None for m in marks):
        points = [(m, r) for m, r in zip(marks, rows, strict=True) if m is not None]
        ax.scatter([p[0] for p in points], [p[1] for p in points], marker="|", s=260, linewidths=2.2,
                   color=COLOURS["quota"], label=mark_label, zorder=3)  # fmt: skip
    for row, total in zip(rows, left, strict=True):
        if total:
            ax.text(total, row, f" {total:,.0f}", va="center", fontsize=8)
    ax.set_yticks(rows, labels)
    ax.set_xlabel(xlabel)
    ax.margins(x=0.12)
    ax.legend(loc="lower right", frameon=False, fontsize=8)
    return _svg(fig)


def quota_panels(rows: Sequence[tuple[str, int, int, int, str]], *, legend: tuple[str, str, str]) -> str:
    """One small panel per line with an annual quota, each on its own scale: (label, eligible firms, potential
    firms, the quota, the quota's unit) per row; ``legend`` names eligible, potential and the quota."""
    plt = _pyplot()
    fig, axes = plt.subplots(len(rows), 1, figsize=(7.2, 0.2 + 0.62 * len(rows)), squeeze=False)
    for ax, (label, eligible, potential, quota, unit) in zip(axes[:, 0], rows, strict=True):
        ax.barh([0], [eligible], color=COLOURS["eligible"], height=0.6, label=legend[0])
        ax.barh([0], [potential], left=[eligible], color=COLOURS["potential"], height=0.6, label=legend[1])
        ax.axvline(quota, color=COLOURS["quota"], linewidth=2, label=legend[2])
        ax.set_xlim(0, max(quota, eligible + potential) * 1.18)
        ax.set_yticks([0], [label])
        ax.text(quota, 0.42, f" {quota:,} {unit}", fontsize=8, va="bottom")
        ax.text(eligible + potential, 0, f" {eligible:,} + {potential:,}", fontsize=8, va="center")
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="x", labelsize=7)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.tight_layout(h_pad=0.4, rect=(0, 0, 1, 1 - 0.3 / (0.2 + 0.62 * len(rows))))
    fig.legend(handles, labels, loc="upper right", ncol=3, frameon=False, fontsize=8)
    return _svg(fig)

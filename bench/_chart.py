"""An SVG bar chart of the table's ratios, drawn by hand so the benchmark needs no plotting library.

One horizontal bar per row that has a ratio; a dashed line marks 1.0 (the reference), a tick marks
the row's target when it is a ratio; the bar is green when the target is met, red when it is not.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from xml.sax.saxutils import escape

from _harness import Line

_LABEL_WIDTH = 430
_BAR_WIDTH = 420
_ROW_HEIGHT = 22
_TOP = 48
_COLOURS = {True: "#2e9e4f", False: "#d1453b", None: "#6d7f99"}


def _position(ratio: float, low: float, high: float) -> float:
    """Log scale: 0.1× and 10× are as far from 1× as each other."""
    span = math.log10(high) - math.log10(low)
    return _LABEL_WIDTH + _BAR_WIDTH * (math.log10(ratio) - math.log10(low)) / span


def ratio_chart(lines: Sequence[Line], title: str) -> str:
    bars = [line for line in lines if line.ratio and line.row.reference != line.row.contender]
    ratios = [line.ratio for line in bars if line.ratio] + [1.0]
    targets = [b.row.target.limit for b in bars if b.row.target and b.row.target.on_ratio]
    low = 10 ** math.floor(math.log10(min(ratios + targets) * 0.9))
    high = 10 ** math.ceil(math.log10(max(ratios + targets) * 1.1))
    width = _LABEL_WIDTH + _BAR_WIDTH + 70
    height = _TOP + _ROW_HEIGHT * len(bars) + 30
    one = _position(1.0, low, high)
    svg = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="10" y="20" font-size="15" font-weight="bold">{escape(title)}</text>',
        '<text x="10" y="38" fill="#555">ratio to the reference of each case, log scale; '
        "green: target met, red: not met, grey: no target; | marks the target</text>",
    ]
    decade = low
    while decade <= high * 1.0001:
        x = _position(decade, low, high)
        svg.append(
            f'<line x1="{x:.1f}" y1="{_TOP - 4}" x2="{x:.1f}" y2="{height - 26}" stroke="#ddd"/>'
        )
        svg.append(
            f'<text x="{x:.1f}" y="{height - 12}" text-anchor="middle" fill="#555">'
            f"{decade:g}×</text>"
        )
        decade *= 10
    for index, line in enumerate(bars):
        assert line.ratio is not None
        y = _TOP + index * _ROW_HEIGHT
        row = line.row
        label = f"{row.case.split(' ', 1)[0]} {row.contender}"
        svg.append(
            f'<text x="10" y="{y + 15}">{escape(label)}</text><title>{escape(row.case)}</title>'
        )
        x = _position(line.ratio, low, high)
        left, right = sorted((one, x))
        svg.append(
            f'<rect x="{left:.1f}" y="{y + 3}" width="{max(right - left, 1):.1f}" height="15" '
            f'fill="{_COLOURS[line.met]}"/>'
        )
        svg.append(f'<text x="{right + 4:.1f}" y="{y + 15}">{line.ratio:.2f}×</text>')
        if row.target and row.target.on_ratio:
            tx = _position(row.target.limit, low, high)
            svg.append(
                f'<line x1="{tx:.1f}" y1="{y + 1}" x2="{tx:.1f}" y2="{y + 20}" '
                'stroke="black" stroke-width="2"/>'
            )
    svg.append(
        f'<line x1="{one:.1f}" y1="{_TOP - 4}" x2="{one:.1f}" y2="{height - 26}" '
        'stroke="black" stroke-dasharray="4 3"/>'
    )
    svg.append("</svg>")
    return "\n".join(svg) + "\n"

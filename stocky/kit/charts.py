"""Small charts drawn on the server as inline SVG: no script, nothing fetched, the same picture in every
browser and in a test's HTML.

Each function takes plain numbers and labels and answers safe markup (`format_html`), so a template shows it
with `{{ chart }}`. The SVG scales to its container's width (viewBox) and names what it shows in a <title>.
"""

import math
from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from stocky.kit.display import figure

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 14, 34  # room for the axis labels
COLOURS = ("#7c3aed", "#f59e0b", "#10b981", "#ef4444")


def _ticks(top):
    """Five round grid values from 0 up to at least `top` (0, 5, 10, 15, 20 for 17)."""
    if top <= 0:
        return [Decimal(0), Decimal(1)]
    raw = float(top) / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(f * magnitude for f in (1, 2, 2.5, 5, 10) if f * magnitude * 4 >= float(top))
    return [Decimal(str(round(step * n, 6))) for n in range(5)]


def _frame(title, ticks, y_of, x_labels, *, ends=False):
    """The chart's <svg> opening, grid lines and labels."""
    parts = [
        format_html(
            '<svg class="stocky-chart" viewBox="0 0 {} {}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg"'
            ' style="width:100%;max-width:{}px;height:auto;font:11px sans-serif">',
            WIDTH,
            HEIGHT,
            title,
            WIDTH,
        ),
        format_html("<title>{}</title>", title),
    ]
    for tick in ticks:
        y = y_of(tick)
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#e5e7eb"/>'
                '<text x="{}" y="{}" text-anchor="end" fill="#6b7280">{}</text>',
                LEFT,
                WIDTH - RIGHT,
                y,
                y,
                LEFT - 6,
                y + 4,
                figure(tick),
            )
        )
    for index, (x, label) in enumerate(x_labels):
        # The first and last labels lean inwards, so that neither runs off the picture.
        anchor = "start" if index == 0 and ends else "end" if index == len(x_labels) - 1 and ends else "middle"
        parts.append(
            format_html('<text x="{}" y="{}" text-anchor="{}" fill="#6b7280">{}</text>', x, HEIGHT - 12, anchor, label)
        )
    return parts


def line_chart(points, *, title, reference=None, reference_label="", unit=""):
    """A step line of `points` [(datetime, value)] in time order (a stock level holds until it moves), with an
    optional dashed horizontal `reference` (the reorder level). Nothing to draw: a sentence instead."""
    if not points:
        return format_html('<p class="stocky-chart-empty">{}</p>', "No stock movement yet: nothing to draw.")
    top = max([Decimal(v) for _t, v in points] + [Decimal(reference or 0)])
    ticks = _ticks(top)
    first, last = points[0][0], points[-1][0]
    span = (last - first).total_seconds() or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x_of(moment):
        return round(LEFT + plot_w * (moment - first).total_seconds() / span, 1)

    def y_of(value):
        return round(TOP + plot_h * (1 - float(Decimal(value) / ticks[-1])), 1)

    labels = [(x_of(t), t.strftime("%d %b")) for t in (first, first + (last - first) / 2, last)]
    parts = _frame(title, ticks, y_of, labels, ends=True)
    path = []
    previous = None
    for moment, value in points:
        if previous is not None:
            path.append(f"{x_of(moment)},{previous}")
        previous = y_of(value)
        path.append(f"{x_of(moment)},{previous}")
    parts.append(
        format_html(
            '<polyline class="stock-line" fill="none" stroke="{}" stroke-width="2" points="{}"/>',
            COLOURS[0],
            " ".join(path),
        )
    )
    if reference:
        y = y_of(reference)
        parts.append(
            format_html(
                '<line class="reorder-level" x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="1.5"'
                ' stroke-dasharray="6 4"/><text x="{}" y="{}" fill="{}" stroke="#fff" stroke-width="3"'
                ' paint-order="stroke">{} {} {}</text>',
                LEFT,
                WIDTH - RIGHT,
                y,
                y,
                COLOURS[3],
                LEFT + 6,
                # Under the line at the left, where a stock line rarely is; above it near the bottom axis.
                y + 14 if y + 14 < HEIGHT - BOTTOM else y - 5,
                COLOURS[3],
                reference_label,
                figure(reference),
                unit,
            )
        )
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(parts))


def bar_chart(labels, series, *, title):
    """Grouped bars: `labels` along the bottom, `series` [(name, [value per label])], with a legend."""
    values = [Decimal(v) for _name, numbers in series for v in numbers]
    ticks = _ticks(max(values, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(labels), 1)
    bar = slot * 0.8 / max(len(series), 1)

    def y_of(value):
        return round(TOP + plot_h * (1 - float(Decimal(value) / ticks[-1])), 1)

    step = max(1, len(labels) // 6)  # a label every few bars, so that they never overlap
    shown = [(round(LEFT + slot * (i + 0.5), 1), label) for i, label in enumerate(labels) if i % step == 0]
    parts = _frame(title, ticks, y_of, shown)
    for s, (name, numbers) in enumerate(series):
        parts.append(
            format_html_join(
                "",
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {}</title></rect>',
                (
                    (
                        round(LEFT + slot * i + slot * 0.1 + bar * s, 1),
                        y_of(value),
                        round(bar - 1, 1),
                        round(TOP + plot_h - y_of(value), 1),
                        COLOURS[s % len(COLOURS)],
                        f"{name}, {labels[i]}",
                        figure(value),
                    )
                    for i, value in enumerate(numbers)
                ),
            )
        )
    parts.append(mark_safe("</svg>"))
    legend = format_html_join(
        "",
        '<span style="margin-right:1em"><span style="display:inline-block;width:10px;height:10px;background:{}">'
        "</span> {}</span>",
        ((COLOURS[s % len(COLOURS)], name) for s, (name, _numbers) in enumerate(series)),
    )
    return format_html(
        '{}<div class="stocky-chart-legend" style="font-size:12px">{}</div>', mark_safe("".join(parts)), legend
    )

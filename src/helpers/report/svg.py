"""The charts' SVG as text: compacted once when drawn (`compact_svg`), written inside a page (`inline_svg`).

matplotlib writes an SVG document with a prolog, metadata, an id on every group and coordinates to six decimals;
`compact_svg` keeps what draws and what is referred to. A page holds several charts, so `inline_svg` prefixes each
chart's ids and marks the chart with its key in the chart store (helpers.report.charts).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

SVG_PLACES = 2  # decimals of a path's coordinates (pt): 1/100 pt, far below what print or a screen shows
_PATH_DATA = re.compile(rb'\bd="([^"]*)"')
_COORDINATE = re.compile(rb"-?\d+\.\d+")
_PATH_COMMAND = re.compile(rb" ?([MmLlHhVvCcSsQqTtAaZz]) ?")
_PATTERN = re.compile(rb"<pattern .*?</pattern>", re.S)
_STYLED_PATH = re.compile(rb'<path d="([^"]*)" style="([^"]*)"/>')
_CIRCLE = re.compile(rb"M[^MZz]*(?:C[^MCZz]*){8}[Zz]")  # matplotlib's circle: a move and eight Bézier quarter-arcs
_NUMBER = re.compile(rb"-?\d+(?:\.\d+)?")
_PROLOG = re.compile(rb"\A<\?xml[^>]*>\s*<!DOCTYPE[^>]*>\s*")
_ID = re.compile(rb' id="([^"]+)"')
_REFERENCE = re.compile(r'(url\(#|href="#)([^)"]+)')
_GROUP = re.compile(rb"<g>|<g\s[^>]*>|</g>")
_TAG = re.compile(rb"<[^>]*>")  # a tag, never text: matplotlib escapes < and > in text and attribute values
_STYLE = re.compile(r"<style[^>]*>.*?</style>", re.S)
CHART_KEY = re.compile(r"[0-9a-f]{32}")  # a chart's key in the chart store (Charts._key)


def inline_svg(svg: bytes, key: str, prefix: str, label: str) -> str:
    """A chart's SVG to write inside an HTML page: an image (`role="img"`) named `label`, marked with its `key` in
    the chart store (`data-chart`), its ids and the references to them prefixed with `prefix` so that the page's
    charts never share an id. Its stylesheet (matplotlib's default line joins and caps) goes: inside a page it would
    apply to the whole page; report.css gives charts the same defaults."""

    def prefixed(tag: re.Match[bytes]) -> bytes:
        text = tag[0].decode("utf-8").replace(' id="', f' id="{prefix}')
        return _REFERENCE.sub(lambda ref: f"{ref[1]}{prefix}{ref[2]}", text).encode("utf-8")

    text = _STYLE.sub("", _TAG.sub(prefixed, svg).decode("utf-8"), count=1)
    return text.replace("<svg ", f'<svg role="img" aria-label="{html.escape(label)}" data-chart="{key}" ', 1)


def compact_svg(svg: bytes) -> bytes:
    """matplotlib's SVG, smaller and drawn the same: without its XML prolog, metadata block, indentation, the ids
    nothing refers to (matplotlib names every group) and the groups left without attributes (`ungrouped`), path data
    on one line without spaces around its commands and coordinates to SVG_PLACES decimals (a point moves by at most
    0.005 pt), and the dots of a dotted hatch as dots (`dotted_hatches`)."""

    def path(data: re.Match[bytes]) -> bytes:
        d = _COORDINATE.sub(lambda number: _short(float(number[0])).encode(), data[1])
        d = _PATH_COMMAND.sub(rb"\1", b" ".join(d.split()))
        return b'd="' + d + b'"'

    def tags(pattern: re.Pattern[bytes], replace: Callable[[re.Match[bytes]], bytes], svg: bytes) -> bytes:
        """`pattern` replaced inside tags only, never in a label's text."""
        return _TAG.sub(lambda tag: pattern.sub(replace, tag[0]), svg)

    svg = _PROLOG.sub(b"", re.sub(rb"<metadata>.*?</metadata>\s*", b"", svg, flags=re.S))
    referred = {ref[2].encode() for tag in _TAG.findall(svg) for ref in _REFERENCE.finditer(tag.decode("utf-8"))}
    svg = ungrouped(tags(_ID, lambda found: found[0] if found[1] in referred else b"", svg))
    return dotted_hatches(re.sub(rb"\n\s+", b"\n", tags(_PATH_DATA, path, svg)))


def ungrouped(svg: bytes) -> bytes:
    """The SVG without its groups that have no attributes (matplotlib wraps every element in a group named by an id,
    which `compact_svg` drops): they change nothing drawn, and WeasyPrint cascades styles and draws each element it
    meets, half of a chart's elements (a county's PDF: 4.4 → 3.9 s, its pages rasterised the same)."""
    kept, bare_open, last = [], [], 0
    for tag in _GROUP.finditer(svg):
        bare = bare_open.pop() if tag[0] == b"</g>" else tag[0] == b"<g>"
        if tag[0] != b"</g>":
            bare_open.append(bare)
        if bare:
            kept.append(svg[last:tag.start()])
            last = tag.end()
    return b"".join([*kept, svg[last:]])


def _short(value: float) -> str:
    """A coordinate to SVG_PLACES decimals, without trailing zeros."""
    text = f"{value:.{SVG_PLACES}f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def dotted_hatches(svg: bytes) -> bytes:
    """The SVG with each hatch pattern whose path is only filled circles of one size (matplotlib's "." hatch: a
    filled circle of radius r stroked w wide, hundreds to a tile, 26 points each) drawn as round dots of diameter
    2r + w (a zero-length line with round caps, 2 points each): the same discs at the same centres, as SVG and PDF
    define round caps. WeasyPrint parses a pattern's path each time a bar is filled with it; a dotted chart drew in
    1.3 s."""

    def dots(element: re.Match[bytes]) -> bytes:
        d, style = element[1], element[2]
        circles = _CIRCLE.findall(d)
        if not circles or b"".join(circles) != d:
            return element[0]
        centres, radii = [], set()
        for circle in circles:
            numbers = [float(n) for n in _NUMBER.findall(circle)]
            xs, ys = numbers[0::2], numbers[1::2]
            radii |= {round((max(xs) - min(xs)) / 2, SVG_PLACES), round((max(ys) - min(ys)) / 2, SVG_PLACES)}
            centres.append(((max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2))
        width, colour = re.search(rb"stroke-width: ([\d.]+)", style), re.search(rb"stroke: (#[0-9a-fA-F]+)", style)
        if len(radii) != 1 or width is None or colour is None or b"fill: " + colour[1] not in style:
            return element[0]  # an open ring ("o") or anything else is left as drawn
        diameter = 2 * radii.pop() + float(width[1])
        data = "".join(f"M{_short(x)} {_short(y)}h0" for x, y in centres)
        return (f'<path d="{data}" style="fill: none; stroke: {colour[1].decode()}; stroke-width: {_short(diameter)}; '
                f'stroke-linecap: round"/>').encode()

    return _PATTERN.sub(lambda pattern: _STYLED_PATH.sub(dots, pattern[0]), svg)

"""The CJK font of reports and charts: Noto Sans CJK SC from the system (Debian's fonts-noto-cjk).

Each document embeds only the glyphs it uses: HarfBuzz (uharfbuzz) cuts the 16 MB face to a document's
few hundred characters in about 10 ms, so the same self-contained page serves the browser and WeasyPrint.
Matplotlib needs a file: it gets the face cut to GB 2312 plus the configuration's characters, cached.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import uharfbuzz as hb

from helpers import config
from helpers.files import atomic_write

WEIGHTS = {"regular": 400, "bold": 700}


class FontError(Exception):
    """No usable CJK font on this machine (a message for people)."""


@dataclass(frozen=True)
class Face:
    """One face of a font file (an index into a collection)."""

    path: Path
    index: int

    @property
    def hb_face(self) -> hb.Face:
        return _hb_face(str(self.path), self.index)


def _settings() -> dict:
    return config.load("report")["font"]


@cache
def _hb_face(path: str, index: int) -> hb.Face:
    return hb.Face(hb.Blob.from_file_path(path), index)


@cache
def face(weight: str = "regular") -> Face:
    """The configured family's face of `weight`: the first configured file that holds it."""
    family = _settings()["family"]
    for candidate in _settings()["files"][weight]:
        path = Path(candidate)
        if not path.is_file():
            continue
        blob = hb.Blob.from_file_path(str(path))
        for index in range(hb.Face(blob).count):
            if hb.Face(blob, index).get_name(hb.OTNameIdPredefined.FONT_FAMILY) == family:
                return Face(path, index)
    raise FontError(f"找不到中文字体 {family}（{weight}）：请安装 Debian 软件包 fonts-noto-cjk（make install-system），"
                    f"或在 conf/local/report.yaml 的 font.files 中指定字体文件")


def subset(text: str, weight: str = "regular") -> bytes:
    """An OpenType font holding only the glyphs of `text`, without the tables conf `font.drop_tables` lists."""
    wanted = hb.SubsetInput()
    for char in set(text):
        wanted.unicode_set.add(ord(char))
    wanted.flags = hb.SubsetFlags.NO_HINTING | hb.SubsetFlags.NO_LAYOUT_CLOSURE
    for tag in _settings()["drop_tables"]:  # horizontal Chinese text needs no layout or vertical tables
        wanted.drop_table_tag_set.add(int.from_bytes(tag.ljust(4).encode("ascii"), "big"))
    result = hb.subset(face(weight).hb_face, wanted)
    if result is None:
        raise FontError(f"无法从 {face(weight).path} 生成字体子集")
    return result.blob.data


def font_face_css(text: str) -> str:
    """@font-face rules embedding both weights, cut to the characters of `text`, as data URLs."""
    family = _settings()["family"]
    rules = []
    for weight, value in WEIGHTS.items():
        data = base64.b64encode(subset(text, weight)).decode("ascii")
        rules.append(f'@font-face {{ font-family: "{family}"; font-weight: {value}; '
                     f'src: url("data:font/otf;base64,{data}") format("opentype"); }}')
    return "\n".join(rules)


def _gb2312() -> set[str]:
    chars = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


@cache
def chart_characters() -> str:
    """What charts may show: GB 2312, ASCII, Latin-1, the configured extras and every configuration file."""
    chars = _gb2312() | {chr(c) for c in range(0x20, 0x7F)} | {chr(c) for c in range(0xA0, 0x100)}
    chars |= set(_settings().get("extra_characters", ""))
    for conf in sorted((config.project_root() / "conf").rglob("*.yaml")):
        chars |= set(conf.read_text(encoding="utf-8"))
    return "".join(sorted(c for c in chars if c.isprintable()))


@cache
def chart_font_files() -> dict[str, Path]:
    """Both weights cut to chart_characters(), written once under .cache/fonts (matplotlib reads files)."""
    folder = config.project_root() / config.load("paths")["cache_dir"] / "fonts"
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for weight in WEIGHTS:
        source = face(weight)
        stat = source.path.stat()
        key = f"{source.path}|{source.index}|{stat.st_size}|{stat.st_mtime_ns}|{chart_characters()}"
        target = folder / f"{weight}-{hashlib.sha256(key.encode()).hexdigest()[:16]}.otf"
        if not target.is_file():
            atomic_write(target, subset(chart_characters(), weight))
        files[weight] = target
    return files


def register_matplotlib() -> str:
    """Make the chart font known to matplotlib once; returns its family name for rcParams."""
    from matplotlib import font_manager

    known = {f.fname for f in font_manager.fontManager.ttflist}
    for path in chart_font_files().values():
        if str(path) not in known:
            font_manager.fontManager.addfont(str(path))
    return _settings()["family"]

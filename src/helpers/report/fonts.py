"""The CJK font of reports and charts: Noto Sans CJK SC from the system (Debian's fonts-noto-cjk).

Each document embeds only the glyphs it uses: HarfBuzz (uharfbuzz) cuts the 16 MB face to a document's
few hundred characters in about 10 ms, so the same self-contained page serves the browser and WeasyPrint.
Matplotlib needs a file: it gets the face cut to GB 2312 plus the configuration's characters, cached on disk.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uharfbuzz as hb

from helpers.files import atomic_write
from helpers.settings import Font

WEIGHTS = {"regular": 400, "bold": 700}


class FontError(Exception):
    """No usable CJK font on this machine (a message for people)."""


@dataclass(frozen=True)
class Face:
    """One face of a font file (an index into a collection)."""

    path: Path
    index: int
    hb_face: hb.Face = field(compare=False, repr=False)


def _gb2312() -> set[str]:
    chars = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


class Fonts:
    """The report font of one configuration (report.yaml `font`): its faces, found once per instance, and the
    subsets documents and charts embed. `conf_files` are read for the characters charts may show; chart font
    files are cached under `cache_dir`."""

    def __init__(self, settings: Font, cache_dir: Path, conf_files: list[Path]) -> None:
        self.settings, self.cache_dir, self.conf_files = settings, Path(cache_dir), conf_files
        self._faces: dict[str, Face] = {}

    @property
    def family(self) -> str:
        return self.settings.family

    def face(self, weight: str = "regular") -> Face:
        """The configured family's face of `weight`: the first configured file that holds it."""
        if weight not in self._faces:
            self._faces[weight] = self._find(weight)
        return self._faces[weight]

    def _find(self, weight: str) -> Face:
        for candidate in self.settings.files[weight]:
            path = Path(candidate)
            if not path.is_file():
                continue
            blob = hb.Blob.from_file_path(str(path))
            for index in range(hb.Face(blob).count):
                face = hb.Face(blob, index)
                if face.get_name(hb.OTNameIdPredefined.FONT_FAMILY) == self.family:
                    return Face(path, index, face)
        raise FontError(f"找不到中文字体 {self.family}（{weight}）：请安装 Debian 软件包 fonts-noto-cjk"
                        f"（make install-system），或在 conf/local/report.yaml 的 font.files 中指定字体文件")

    def subset(self, text: str, weight: str = "regular") -> bytes:
        """An OpenType font holding only the glyphs of `text`, without the tables `font.drop_tables` lists."""
        wanted = hb.SubsetInput()
        for char in set(text):
            wanted.unicode_set.add(ord(char))
        wanted.flags = hb.SubsetFlags.NO_HINTING | hb.SubsetFlags.NO_LAYOUT_CLOSURE
        for tag in self.settings.drop_tables:  # horizontal Chinese text needs no layout or vertical tables
            wanted.drop_table_tag_set.add(int.from_bytes(tag.ljust(4).encode("ascii"), "big"))
        result = hb.subset(self.face(weight).hb_face, wanted)
        if result is None:
            raise FontError(f"无法从 {self.face(weight).path} 生成字体子集")
        return result.blob.data

    def font_face_css(self, text: str) -> str:
        """@font-face rules embedding both weights, cut to the characters of `text`, as data URLs."""
        rules = []
        for weight, value in WEIGHTS.items():
            data = base64.b64encode(self.subset(text, weight)).decode("ascii")
            rules.append(f'@font-face {{ font-family: "{self.family}"; font-weight: {value}; '
                         f'src: url("data:font/otf;base64,{data}") format("opentype"); }}')
        return "\n".join(rules)

    def chart_characters(self) -> str:
        """What charts may show: GB 2312, ASCII, Latin-1, the configured extras and every configuration file."""
        chars = _gb2312() | {chr(c) for c in range(0x20, 0x7F)} | {chr(c) for c in range(0xA0, 0x100)}
        chars |= set(self.settings.extra_characters)
        for conf in self.conf_files:
            chars |= set(conf.read_text(encoding="utf-8"))
        return "".join(sorted(c for c in chars if c.isprintable()))

    def chart_font_files(self) -> dict[str, Path]:
        """Both weights cut to chart_characters(), written once under the cache folder (matplotlib reads files)."""
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        characters = self.chart_characters()
        files = {}
        for weight in WEIGHTS:
            source = self.face(weight)
            stat = source.path.stat()
            key = f"{source.path}|{source.index}|{stat.st_size}|{stat.st_mtime_ns}|{characters}"
            target = self.cache_dir / f"{weight}-{hashlib.sha256(key.encode()).hexdigest()[:16]}.otf"
            if not target.is_file():
                atomic_write(target, self.subset(characters, weight))
            files[weight] = target
        return files

    def register_matplotlib(self) -> str:
        """Make the chart font known to matplotlib (once per process and file); returns its family name."""
        from matplotlib import font_manager

        known = {f.fname for f in font_manager.fontManager.ttflist}
        for path in self.chart_font_files().values():
            if str(path) not in known:
                font_manager.fontManager.addfont(str(path))
        return self.family


def fonts_of(context: Any) -> Fonts:  # noqa: ANN401 — helpers.context.Context
    """The report fonts of a run's configuration."""
    return Fonts(context.report.font, context.path("cache_dir") / "fonts", context.conf.files())

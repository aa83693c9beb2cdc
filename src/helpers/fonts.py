"""The CJK font of reports and charts: found on the system (Debian's fonts-noto-cjk), pre-subset once, cached.

A full Noto Sans CJK face is 16 MB and 65 535 glyphs; loading it costs WeasyPrint seconds per PDF. The
face named in conf/base/report.yaml is therefore cut once to the base character set (GB 2312, ASCII and
every character of the configuration) and kept under `.cache/fonts/`; a document that needs more gets a
cached extension of it. PDFs reference the cached file; HTML embeds a per-document WOFF subset.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

from helpers import config

WEIGHTS = ("regular", "bold")


class FontError(Exception):
    """No usable CJK font on this machine (a message for people)."""


@dataclass(frozen=True)
class FontSet:
    """Cached subset files of one family: weight → path."""

    family: str
    files: dict[str, Path]

    @property
    def regular(self) -> Path:
        return self.files["regular"]


def _settings() -> dict:
    return config.load("report")["font"]


def _source(weight: str) -> tuple[Path, int]:
    """The first configured collection/file that exists, and the index of the configured face in it."""
    settings = _settings()
    for candidate in settings["files"][weight]:
        path = Path(candidate)
        if not path.is_file():
            continue
        if path.suffix.lower() in {".ttc", ".otc"}:
            for index, face in enumerate(TTCollection(path, lazy=True).fonts):
                if face["name"].getDebugName(1) == settings["family"]:
                    return path, index
            continue
        return path, 0
    raise FontError(f"找不到中文字体 {settings['family']}（{weight}）：请安装 Debian 软件包 fonts-noto-cjk"
                    f"（make install-system），或在 conf/local/report.yaml 的 font.files 中指定字体文件")


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
def base_characters() -> frozenset[str]:
    """GB 2312, printable ASCII and Latin-1, and every character of the configuration files."""
    chars = _gb2312() | {chr(c) for c in range(0x20, 0x7F)} | {chr(c) for c in range(0xA0, 0x100)}
    chars |= set(_settings().get("extra_characters", ""))
    for conf in sorted((config.project_root() / "conf").rglob("*.yaml")):
        chars |= set(conf.read_text(encoding="utf-8"))
    return frozenset(c for c in chars if c.isprintable())


def _cut(source: Path, index: int, characters: str, out: Path) -> Path:
    """Subset one face to `characters` and write it atomically (runs in a worker process)."""
    font = TTFont(source, fontNumber=index)
    options = subset.Options()
    options.hinting = False
    options.notdef_outline = True
    options.name_IDs = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters)
    subsetter.subset(font)
    partial = out.with_suffix(".part")
    font.save(partial)
    partial.replace(out)
    return out


def _cache_dir() -> Path:
    folder = config.project_root() / config.load("paths")["cache_dir"] / "fonts"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@cache
def font_set(extra: frozenset[str] = frozenset()) -> FontSet:
    """Both weights cut to the base characters plus `extra`, building the missing files in parallel."""
    characters = "".join(sorted(base_characters() | extra))
    plans = {}
    for weight in WEIGHTS:
        source, index = _source(weight)
        stat = source.stat()
        key = json.dumps([str(source), index, stat.st_size, stat.st_mtime_ns, characters])
        plans[weight] = (source, index, _cache_dir() / f"{weight}-{hashlib.sha256(key.encode()).hexdigest()[:16]}.otf")
    todo = {w: p for w, p in plans.items() if not p[2].is_file()}
    if todo:
        with ProcessPoolExecutor(max_workers=len(todo)) as pool:
            for job in [pool.submit(_cut, s, i, characters, out) for s, i, out in todo.values()]:
                job.result()
    return FontSet(_settings()["family"], {w: p[2] for w, p in plans.items()})


def covered(text: str) -> set[str]:
    """The characters of `text` that the system font has (the others would be boxes anywhere)."""
    source, index = _source("regular")
    cmap = _full_cmap(str(source), index)
    return {c for c in set(text) if ord(c) in cmap}


@cache
def _full_cmap(source: str, index: int) -> frozenset[int]:
    return frozenset(TTFont(source, fontNumber=index, lazy=True).getBestCmap())


def fonts_for(text: str) -> FontSet:
    """The cached font set that covers every character of `text` that the font has at all."""
    wanted = {c for c in set(text) if c.isprintable() and not c.isspace()} - base_characters()
    return font_set(frozenset(covered("".join(wanted))) if wanted else frozenset())


def missing_glyphs(text: str) -> set[str]:
    """Printable characters of `text` that no configured font can draw."""
    wanted = {c for c in set(text) if c.isprintable() and not c.isspace()}
    return wanted - covered("".join(wanted))


def woff_subset(path: Path, text: str) -> bytes:
    """A WOFF of `path` holding only the glyphs of `text` (for embedding in one HTML document)."""
    font = TTFont(path)
    options = subset.Options()
    options.hinting = False
    options.notdef_outline = True
    options.flavor = "woff"
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


def font_face_css(text: str, *, embed: bool) -> str:
    """@font-face rules for `text`: WOFF data URLs (self-contained HTML) or file URLs (PDF rendering)."""
    fonts = fonts_for(text)
    rules = []
    for weight, path in fonts.files.items():
        if embed:
            data = base64.b64encode(woff_subset(path, text)).decode("ascii")
            src = f'url("data:font/woff;base64,{data}") format("woff")'
        else:
            src = f'url("{path.resolve().as_uri()}")'
        rules.append(f'@font-face {{ font-family: "{fonts.family}"; font-weight: {700 if weight == "bold" else 400}; '
                     f"src: {src}; }}")
    return "\n".join(rules)


def register_matplotlib() -> str:
    """Make the cached regular face known to matplotlib once; returns its family name for rcParams."""
    from matplotlib import font_manager

    fonts = font_set()
    for path in fonts.files.values():
        if str(path) not in {f.fname for f in font_manager.fontManager.ttflist}:
            font_manager.fontManager.addfont(str(path))
    return fonts.family

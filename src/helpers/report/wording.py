"""The wording of one language (conf wording.yaml and plan_wording.yaml): texts by dotted key, filled from data."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from string import Formatter
from typing import Any

from markupsafe import Markup, escape

from helpers.context import ConfError

BEIJING = timezone(timedelta(hours=8))  # the zone every time a report, workbook or index shows is given in
_NESTED = str.maketrans("“”", "‘’")


class Words:
    """Nested texts of one language; `words("summary.headline", year=2023, …)` fills a text's placeholders."""

    def __init__(self, texts: dict[str, Any], lang: str) -> None:
        self.texts, self.lang = texts, lang

    @classmethod
    def of(cls, context: Any, lang: str) -> Words:  # noqa: ANN401 — helpers.context.Context
        """The tool's wording in `lang` with the plan's own texts under `plan`, and the plan's peer cities (its
        areas.yaml `peers`) wherever a text names them: `{peers}` (粤东西北), `{peer_count}` (12) and `{peer_list}`
        (粤东：汕头、汕尾、潮州、揭阳；…)."""
        words = cls({**context.words(lang), "plan": context.plan.words(lang)}, lang)
        official = context.official
        groups: dict[str, list[str]] = {}
        for code, group in official.peers.items():
            groups.setdefault(group, []).append(official.peer_names[code])
        peer_list = words["official.peer_separator"].join(
            words("official.peer_group", group=group, cities=words.join(cities)) for group, cities in groups.items())
        return cls(_filled(words.texts, {"peers": official.peer_name, "peer_count": str(len(official.peers)),
                                         "peer_list": peer_list}), lang)

    def __getitem__(self, key: str) -> Any:  # noqa: ANN401 — a text or a mapping of texts
        node: Any = self.texts
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise ConfError(f"报告措辞中缺少 {self.lang}.{key}（conf wording.yaml / plan_wording.yaml）")
            node = node[part]
        return node

    def get(self, key: str, default: Any = None) -> Any:  # noqa: ANN401
        try:
            return self[key]
        except ConfError:
            return default

    def __call__(self, key: str, **fields: object) -> str:
        text = str(self[key])
        return text.format(**quoted(text, fields))

    def numeral(self, n: int) -> str:
        """1 → 一 … 10 → 十, 11 → 十一, 21 → 二十一 (the wording's `numerals` are one to ten)."""
        digits = self["numerals"]
        if n <= len(digits):
            return digits[n - 1]
        tens, ones = divmod(n, 10)
        return (digits[tens - 1] if tens > 1 else "") + digits[9] + (digits[ones - 1] if ones else "")

    def join(self, items: list[str]) -> str:
        return self["list_separator"].join(items)


def _filled(node: Any, fields: dict[str, str]) -> Any:  # noqa: ANN401 — a text or a mapping of texts
    """`node` with each `{name}` of `fields` replaced by its value in every text (the plan's constants)."""
    if isinstance(node, dict):
        return {key: _filled(value, fields) for key, value in node.items()}
    if isinstance(node, str) and "{" in node:
        for name, value in fields.items():
            node = node.replace("{" + name + "}", value)
    return node


def fill(text: str, **fields: object) -> Markup:
    """Jinja filter: `text` (wording) with its placeholders filled, everything escaped except values that are
    already markup (a link, a table)."""
    return Markup(escape(text)).format(**quoted(text, fields))


def nested(text: str) -> str:
    """A text quoted inside a quotation: its double quotation marks become single ones (T7.2“实施知识产权‘筑基’行动”,
    GB/T 15834-2011 引号)."""
    return text.translate(_NESTED)


def quoted(text: str, fields: dict[str, object]) -> dict[str, object]:
    """`fields` for the wording `text`, those it places inside “…” nested (plain text only, not markup)."""
    inside, depth = set(), 0
    for literal, name, _, _ in Formatter().parse(text):
        depth += literal.count("“") - literal.count("”")
        if name and depth > 0:
            inside.add(name)
    return {key: nested(value) if key in inside and type(value) is str else value for key, value in fields.items()}


def local_time(stamp: str, words: Words) -> str:
    """An ISO timestamp as 'YYYY-MM-DD HH:MM（北京时间）' (wording `local_time`), whatever zone it was written in or
    the machine runs in; empty stays empty."""
    if not stamp:
        return ""
    return words("local_time", time=f"{datetime.fromisoformat(stamp).astimezone(BEIJING):%Y-%m-%d %H:%M}")

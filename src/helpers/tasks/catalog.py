"""The plan beyond its indicator table, as data (conf plan_items.yaml): tasks, 专栏, safeguards and directional
goals with their typed commitments, the responsible departments and their aliases, and how the numbers and
titles a person writes in a ledger are matched to an item."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from typing import Any

KINDS = ("policy", "quantified", "milestone", "ongoing")
CHINESE_DIGITS = "一二三四五六七八九"
_PUNCTUATION = re.compile(r"[\s\"'“”‘’「」『』《》〈〉（）()【】\[\]、，,。.;；:：·\-—_/]+")


def normalised(text: object) -> str:
    """Text as compared: NFKC (full-width forms become half-width), upper case, no spaces or punctuation."""
    return _PUNCTUATION.sub("", unicodedata.normalize("NFKC", str(text)).upper())


@dataclass(frozen=True)
class Commitment:
    """One thing an item promises: a policy to issue, a number to reach, a milestone or ongoing work."""

    kind: str
    text: str
    document: str | None = None  # policy: the document's name
    match: tuple[str, ...] = ()  # policy: words a register's 文件名称 must all contain
    flagship: str | None = None  # quantified: the flagship target of indicators.yaml that measures it


@dataclass(frozen=True)
class Item:
    """A main task (T), a 专栏 (Z) or a safeguard (S) of the plan."""

    id: str
    group: str
    title: str
    summary: str
    departments: tuple[str, ...]
    commitments: tuple[Commitment, ...]
    column: int | None = None  # 专栏 number
    task: str | None = None  # the task a 专栏 is attached to
    counties: bool = False  # carried out by the county governments too

    @property
    def kind(self) -> str:
        return {"T": "task", "Z": "flagship", "S": "safeguard"}[self.id[0]]


@dataclass(frozen=True)
class Goal:
    """A directional goal of 二（三）: a rule (steady growth, a breakthrough, a ranking) over a measure of the data,
    or no measure and the reason it cannot be assessed."""

    id: str
    text: str
    rule: str
    measure: str | None = None
    unit: str = ""
    why: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class PlanItems:
    """Every item of the plan beyond its indicators, in the plan's order."""

    groups: dict[str, str]
    items: tuple[Item, ...]
    departments: dict[str, tuple[str, ...]]  # name shown → aliases
    county_departments: dict[str, str]  # area code → the county government
    goals: tuple[Goal, ...]
    city_words: tuple[str, ...] = ()  # the city's names (areas.yaml `city.aliases`): a department written with one

    @classmethod
    def from_conf(cls, data: dict[str, Any], city_words: tuple[str, ...] = ()) -> PlanItems:
        """The catalogue of plan_items.yaml; `city_words`: the plan's city's names (河源市, 河源), which a department's
        written name may begin with."""
        items = tuple(
            Item(id=i["id"], group=i["group"], title=i["title"], summary=i["summary"],
                 departments=tuple(i.get("departments", [])),
                 commitments=tuple(Commitment(kind=c["type"], text=c["text"], document=c.get("document"),
                                              match=tuple(c.get("match", [])), flagship=c.get("flagship"))
                                   for c in i["commitments"]),
                 column=i.get("column"), task=i.get("task"), counties=bool(i.get("counties", False)))
            for i in data.get("items", []))
        goals = tuple(Goal(**goal) for goal in data.get("goals", []))
        departments = {name: tuple(aliases or []) for name, aliases in data.get("departments", {}).items()}
        catalogue = cls(groups=dict(data.get("groups", {})), items=items, departments=departments,
                        county_departments={str(k): v for k, v in data.get("county_departments", {}).items()},
                        goals=goals, city_words=tuple(city_words))
        catalogue.check()
        return catalogue

    def check(self) -> None:
        """Fail loudly on a catalogue that contradicts itself (a typo in the YAML)."""
        ids = [item.id for item in self.items]
        problems = [f"{i} twice" for i in sorted({i for i in ids if ids.count(i) > 1})]
        for item in self.items:
            problems += [f"{item.id}: unknown group {item.group}"] * (item.group not in self.groups)
            problems += [f"{item.id}: unknown commitment type {c.kind}"
                         for c in item.commitments if c.kind not in KINDS]
            problems += [f"{item.id}: unknown department {d}" for d in item.departments if d not in self.departments]
            problems += [f"{item.id}: attached to unknown task {item.task}"] * (item.task not in (None, *ids))
            problems += [f"{item.id}: a policy without `match` words"
                         for c in item.commitments if c.kind == "policy" and not c.match]
            problems += [f"{item.id}: a quantified commitment without `flagship`"
                         for c in item.commitments if c.kind == "quantified" and not c.flagship]
        problems += [f"county government {d} is not a department" for d in self.county_departments.values()
                     if d not in self.departments]
        if problems:
            raise ValueError("plan_items.yaml: " + "; ".join(problems))

    @property
    def ids(self) -> list[str]:
        return [item.id for item in self.items]

    def item(self, item_id: str) -> Item:
        return next(item for item in self.items if item.id == item_id)

    def commitments_of(self, item: Item) -> list[tuple[str, Commitment]]:
        """What an item is graded on, each with the id of the item that states it: its own commitments, and for a
        task the quantified targets of the 专栏 attached to it (专栏8's five patent navigations are T4.5's
        「开展重点产业专利导航」 in numbers: a task cannot be 已完成 while its own 专栏's number lags)."""
        attached = [(z.id, c) for z in self.items if z.task == item.id and item.kind == "task"
                    for c in z.commitments if c.kind == "quantified"]
        return [(item.id, c) for c in item.commitments] + attached

    def department(self, text: object) -> str | None:
        """The department a written name means (its shown name, an alias, with or without the city's name), else
        None."""
        key = self._department_key(text)
        return self._department_keys.get(key) if key else None

    def department_in(self, text: object) -> str | None:
        """The department a longer text names (a title row, a sheet or file name): the longest of the names and
        aliases it contains, else None."""
        key = normalised(text)
        found = [(len(written), name) for written, name in self._department_keys.items()
                 if len(written) >= 2 and written in key]
        return max(found)[1] if found else None

    @cached_property
    def county_of(self) -> dict[str, str]:
        """A county government's name → its area code."""
        return {name: code for code, name in self.county_departments.items()}

    @cached_property
    def _department_keys(self) -> dict[str, str]:
        keys: dict[str, str] = {}
        for name, aliases in self.departments.items():
            for written in (name, *aliases):
                keys.setdefault(self._department_key(written), name)
        return keys

    @cached_property
    def _city_prefix(self) -> re.Pattern[str]:
        """A written department's leading city name (河源市, 河源) or 市 (the city's own: 市科技局)."""
        words = sorted({normalised(word) for word in self.city_words}, key=len, reverse=True)
        return re.compile("^(" + "|".join([*map(re.escape, words), "市"]) + ")")

    def _department_key(self, text: object) -> str:
        return self._city_prefix.sub("", normalised(text))

    def item_of_number(self, text: object) -> str | None:
        """The item a written number means (`T2.5`, `三（二）5`, `（二）5`, `2.5`, `专栏1`, `四（一）`), else None."""
        found = parse_number(text)
        return found if found in self.ids else None

    def item_of_title(self, text: object) -> str | None:
        """The item whose title the written title is (or contains, or is contained in, at four characters or
        more), else None; a title that fits several items fits none."""
        key = normalised(text)
        if len(key) < 4:
            return None
        exact = [item.id for item in self.items if normalised(item.title) == key]
        if exact:
            return exact[0]
        near = [item.id for item in self.items if (t := normalised(item.title)) in key or key in t]
        return near[0] if len(near) == 1 else None


_CN = {ch: i + 1 for i, ch in enumerate(CHINESE_DIGITS)}


def parse_number(text: object) -> str | None:
    """A written item number as a catalogue id, whatever form a person writes it in; None when unreadable."""
    raw = unicodedata.normalize("NFKC", str(text)).upper()
    raw = re.sub(r"\s+", "", raw).rstrip(".、")
    patterns = [
        (r"^(?:专栏|Z)(\d)$", lambda m: f"Z{m[1]}"),
        (r"^T(\d)\.(\d{1,2})$", lambda m: f"T{m[1]}.{int(m[2])}"),
        (r"^S(\d)$", lambda m: f"S{m[1]}"),
        (r"^(?:三)?[(]([一二三四五六七])[)]\.?(\d{1,2})$", lambda m: f"T{_CN[m[1]]}.{int(m[2])}"),
        (r"^四[(]([一二三四])[)]$", lambda m: f"S{_CN[m[1]]}"),
        (r"^(?:保障措施)(\d)$", lambda m: f"S{m[1]}"),
        (r"^(\d)[.、](\d{1,2})$", lambda m: f"T{m[1]}.{int(m[2])}"),
    ]
    for pattern, build in patterns:
        match = re.match(pattern, raw)
        if match:
            return build(match)
    return None


def evidence_key(name: str) -> str:
    """An evidence file's name or a listed evidence item as compared: without a file extension, half-width, no
    spaces or punctuation."""
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", unicodedata.normalize("NFKC", name).strip())
    return normalised(stem)

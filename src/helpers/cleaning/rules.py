"""The cleaning rules that are data (conf `cleaning.yaml`), compiled once and passed to every parser."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from helpers.areas import Areas

if TYPE_CHECKING:
    from helpers.cleaning.courts import CourtRules

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Derived:
    """The words fields are derived from where real exports lack them (cleaning.yaml `derived`)."""

    case_category: tuple[tuple[str, tuple[str, ...]], ...]  # (category, words), the first that appears wins
    case_category_other: str
    software_category: str
    software_reg_no: str  # a regular expression
    software_title_headers: tuple[str, ...]
    owner_suffixes: tuple[str, ...]  # NFKC-normalised, as cleaned text is
    holder_name_forms: dict[str, str]

    @classmethod
    def from_conf(cls, cfg: dict[str, Any]) -> Derived:
        def nfkc(text: str) -> str:
            return unicodedata.normalize("NFKC", text)

        return cls(
            case_category=tuple((entry["category"], tuple(entry["words"])) for entry in cfg["case_category"]),
            case_category_other=cfg["case_category_other"],
            software_category=cfg["software_category"],
            software_reg_no=cfg["software_reg_no"],
            software_title_headers=tuple(cfg["software_title_headers"]),
            owner_suffixes=tuple(nfkc(suffix) for suffix in cfg["owner_suffixes"]),
            holder_name_forms={nfkc(k): nfkc(v) for k, v in cfg["holder_name_forms"].items()},
        )


@dataclass(frozen=True)
class PatentVocabulary:
    """How the patent vendors write legal status and type (cleaning.yaml `patent_status`, `patent_type_grant`): the
    status words as regular expressions (alternations of the NFKC-normalised words), the type cells as sets."""

    lapsed: str
    in_force: str  # phrases taken out of a cell before `lapsed` is looked for (部分无效)
    granted: str
    pending: str
    unrelated: str  # phrases taken out of a cell before anything is looked for (a PCT phase)
    type_granted: frozenset[str]
    type_not_granted: frozenset[str]

    @classmethod
    def from_conf(cls, status: dict[str, list[str]], types: dict[str, list[str]]) -> PatentVocabulary:
        def words(names: list[str]) -> str:
            return "|".join(re.escape(unicodedata.normalize("NFKC", w)) for w in names)

        def cells(names: list[str]) -> frozenset[str]:
            return frozenset(unicodedata.normalize("NFKC", w) for w in names)

        return cls(lapsed=words(status["lapsed"]), in_force=words(status["in_force"]),
                   granted=words(status["granted"]), pending=words(status["pending"]),
                   unrelated=words(status["unrelated"]),
                   type_granted=cells(types["granted"]), type_not_granted=cells(types["not_granted"]))


@dataclass(frozen=True)
class Rules:
    """cleaning.yaml as the readers and parsers use it."""

    header_scan_rows: int
    header_min_matches: int
    invisible: str  # a regular-expression character class of the characters removed from text and headers
    separators: str  # the characters between several holders listed in one cell
    units: dict[str, float]
    excel_serial_range: tuple[float, float]
    date_window: tuple[pd.Timestamp, pd.Timestamp]
    true_words: tuple[str, ...]
    false_words: tuple[str, ...]
    likert_markers: tuple[str, ...]
    missing_markers: tuple[str, ...]
    category_synonyms: dict[str, str]
    domestic_family_offices: tuple[str, ...]
    reasons: dict[str, str]  # reason code → its description, place names filled in
    warnings: dict[str, str]
    file_reasons: dict[str, str]
    derived: Derived
    patents: PatentVocabulary
    courts: CourtRules  # court_cases.yaml: the I11 scope and 裁判文书 documents

    @classmethod
    def from_conf(cls, cfg: dict[str, Any], areas: Areas, courts: dict[str, Any]) -> Rules:
        """The rules from the contents of cleaning.yaml (and court_cases.yaml); `{city}` in a description is the plan's
        city."""
        from helpers.cleaning.courts import CourtRules  # here: that module's parsers import this one

        def described(texts: dict[str, str]) -> dict[str, str]:
            return {code: text.format(city=areas.city_name, province=areas.province) for code, text in texts.items()}

        return cls(
            header_scan_rows=int(cfg["header_scan_rows"]),
            header_min_matches=int(cfg["header_min_matches"]),
            invisible=f"[{re.escape(''.join(cfg['invisible_chars']))}]",
            separators="".join(re.escape(s) for s in cfg["multi_value_separators"]),
            units={unit: float(factor) for unit, factor in cfg["units"].items()},
            excel_serial_range=tuple(cfg["excel_serial_range"]),
            date_window=tuple(pd.Timestamp(d) for d in cfg["date_window"]),
            true_words=tuple(str(w).casefold() for w in cfg["true_words"]),
            false_words=tuple(str(w).casefold() for w in cfg["false_words"]),
            likert_markers=tuple(m.casefold() for m in cfg["likert_header_markers"]),
            missing_markers=("", "nan", "NaN", "None", "NaT", "<NA>", *cfg["missing_markers"]),
            category_synonyms={k.casefold(): v for k, v in cfg["category_synonyms"].items()},
            domestic_family_offices=tuple(cfg["domestic_family_offices"]),
            reasons=described(cfg["reasons"]),
            warnings=described(cfg["warnings"]),
            file_reasons=described(cfg["file_reasons"]),
            derived=Derived.from_conf(cfg["derived"]),
            patents=PatentVocabulary.from_conf(cfg["patent_status"], cfg["patent_type_grant"]),
            courts=CourtRules.from_conf(courts),
        )

    def header_key(self, name: object) -> str:
        """The form in which headers and aliases are compared: NFKC, no spaces/invisibles, case-folded."""
        text = unicodedata.normalize("NFKC", str(name))
        text = re.sub(self.invisible, "", text)
        return _SPACE.sub("", text).strip("*＊").casefold()

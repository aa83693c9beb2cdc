"""Court cases: the I11 scope (the 案由 catalogue of 《民事案件案由规定》 Part 5) and 裁判文书 exports read as cases.

The rules are data (conf `court_cases.yaml`): which causes are IP civil cases, which documents are no IP civil
case's at all (执行, 保全, 管辖 …), which documents conclude a case, and the words after which a 二审 document cites
its first-instance case number. Spec: evaluation-method.md "I11 scope"; data-contract.md "What real exports lack".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from helpers.cleaning import parsing

if TYPE_CHECKING:
    from helpers.cleaning.rows import Rows

FIRST_INSTANCE_NO = r"\(\d{4}\)[^\s()。；;，,]{1,24}?初(?:字第)?\d+号"  # （2022）粤1622民初33号, NFKC-normalised


def _nfkc(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _alternation(words: list[str]) -> str:
    """A regular expression matching any of the words (longest first)."""
    return "|".join(re.escape(w) for w in sorted({_nfkc(w) for w in words}, key=len, reverse=True))


def catalogue_names(cfg: dict[str, Any]) -> list[str]:
    """Every name of the Part 5 catalogue (court_cases.yaml `ip_causes`): sections, causes and sub-causes."""
    names = []
    for section in cfg["sections"]:
        names.append(section["name"])
        for cause in section["causes"].values():
            names += [cause["name"], *cause.get("sub", [])]
    return names


@dataclass(frozen=True)
class CourtRules:
    """court_cases.yaml as the derivation uses it (text compared after NFKC, without white space)."""

    ip_words: str  # alternation of every catalogue name and identifying word
    outside: str  # alternation of causes of other parts that hold an identifying word
    documents_out: tuple[tuple[str, str, str], ...]  # (reason, 案件类型 words, 案号 words) as alternations
    kinds: str
    concluding: dict[str, str]  # document kind → the expressions that make it conclude ("" = always)
    appeal: re.Pattern[str]
    judgment_date_headers: tuple[str, ...]

    @classmethod
    def from_conf(cls, cfg: dict[str, Any]) -> CourtRules:
        causes, docs = cfg["ip_causes"], cfg["documents"]
        words = [*catalogue_names(causes), *(w for section in causes["sections"] for w in section["words"])]
        return cls(
            ip_words=_alternation(words),
            outside=_alternation(causes["outside"]),
            documents_out=tuple((reason, _alternation(how.get("case_type", [])), _alternation(how.get("case_no", [])))
                                for reason, how in docs["out_of_scope"].items()),
            kinds=_alternation(docs["kinds"]),
            concluding={_nfkc(kind): "|".join(patterns) for kind, patterns in docs["concluding"].items()},
            appeal=re.compile(rf"(?:{_alternation(docs['appeal_words'])})[^。；;]{{0,60}}?({FIRST_INSTANCE_NO})"),
            judgment_date_headers=tuple(_nfkc(h) for h in docs["judgment_date_headers"]),
        )

    def is_ip(self, causes: pd.Series) -> pd.Series:
        """Per row, whether its 案由 is a cause of Part 5 (missing where there is no 案由)."""
        def judge(uniques: pd.Series) -> pd.Series:
            text = uniques.map(_nfkc).str.replace(self.outside, "", regex=True) if self.outside else uniques.map(_nfkc)
            return text.str.contains(self.ip_words, regex=True)

        return parsing.on_distinct(causes, judge).astype("boolean")

    def cited_first_instance(self, full_text: pd.Series) -> pd.DataFrame:
        """Per 全文, the distinct first-instance case numbers cited after 不服 / 原审 / 一审: `cited` when exactly
        one, `ambiguous` when two or more (then no number: the conservative reading is no appeal link)."""
        found = full_text.map(lambda text: sorted(set(self.appeal.findall(_nfkc(text)))) if isinstance(text, str)
                              else [])
        return pd.DataFrame({"cited": found.map(lambda numbers: numbers[0] if len(numbers) == 1 else pd.NA),
                             "ambiguous": found.map(len) > 1}, index=full_text.index).astype({"cited": "str"})

    def kind(self, text: pd.Series) -> pd.Series:
        """The document kind a 文书类型 or 案件名称 names (the last kind word in it)."""
        return text.map(lambda t: (re.findall(self.kinds, _nfkc(t)) or [pd.NA])[-1] if isinstance(t, str)
                        else pd.NA).astype("str")


def _has(text: pd.Series, words: str) -> pd.Series:
    if not words:
        return pd.Series(False, index=text.index)
    normalised = text.astype("str").map(_nfkc, na_action="ignore").astype("str")
    return normalised.str.contains(words, regex=True).fillna(False).astype(bool)


def _concluding(rows: Rows, rules: CourtRules) -> pd.Series:
    """Whether each row's document concludes its case: a judgment; a ruling of 撤诉 / 驳回起诉 / 驳回上诉 (words of
    its 全文, else of its 案件名称). A file with neither 文书类型 nor 案件名称 lists concluded cases."""
    described = rows.file_has("document_type") | rows.file_has("title")
    if not described.any():
        return ~described
    kind = rules.kind(rows.column("document_type")).fillna(rules.kind(rows.column("title")))
    concluding = pd.Series(False, index=rows.data.index)
    for name, words in rules.concluding.items():
        of_kind = kind == name
        if not words:
            concluding |= of_kind.fillna(False)
            continue
        text = rows.column("full_text").where(of_kind.fillna(False)).fillna(rows.column("title").where(of_kind))
        concluding |= of_kind.fillna(False) & _has(text, words)
    return concluding | ~described


def court_cases(rows: Rows) -> None:
    """Case numbers without spaces; out of scope: documents of no IP civil case (执行, 保全, 管辖, 刑事 …, by 案件类型
    and the 案号's type code), causes outside Part 5, documents that do not conclude a case. Derived:
    a 二审 document's 原审案号 from its 全文, flagged (a document citing two first-instance numbers links none)."""
    d, rules = rows.data, rows.rules.courts
    for name in ("case_no", "original_case_no"):
        d[name] = rows.column(name).str.replace(r"\s+", "", regex=True)
    for reason, words, case_words in rules.documents_out:
        rows.exclude(_has(rows.column("case_type"), words) | _has(d["case_no"], case_words), reason)
    ip = rules.is_ip(rows.column("cause"))
    rows.exclude(ip.isna(), "cause_missing")
    rows.exclude(~ip.fillna(True), "cause_not_ip")
    rows.exclude(~_concluding(rows, rules), "court_not_concluding")
    second = (d["procedure"] == "二审").fillna(False) & d["original_case_no"].isna()
    citations = rules.cited_first_instance(rows.column("full_text").where(second))
    d["original_case_no"] = d["original_case_no"].fillna(citations["cited"])
    searched = second & rows.column("full_text").notna()
    rows.warn(searched & citations["cited"].notna(), "original_case_from_text")
    rows.warn(searched & citations["ambiguous"], "appeal_citation_ambiguous")
    rows.warn(searched & citations["cited"].isna() & ~citations["ambiguous"], "appeal_citation_missing")
    rows.warn((d["procedure"] == "一审").fillna(False) & rows.column("appealed").isna(), "appeal_by_second_instance")
    judged = rows.header("closed_date").map(_nfkc, na_action="ignore").isin(rules.judgment_date_headers)
    rows.warn(judged & d["closed_date"].notna(), "closed_from_judgment_date")

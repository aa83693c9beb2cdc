"""Source-specific derivations, run after the generic typing of catalog fields.

Each function completes the clean columns of one source (data-contract.md, "Sources") and rejects
rows by the source's own rules. Sources with nothing of their own have no entry here.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers.cleaning import courts, holders, official, parsing, places, task_sources
from helpers.cleaning.rows import FILE, Rows
from helpers.cleaning.rules import Rules

GRANT_KINDS = ["B", "C", "U", "S", "Y"]
# The status columns, read in this order: the first that says something about a row decides (cleaning.yaml
# `patent_status`).
STATUS_COLUMNS = ("validity", "current_status", "legal_status")


def patents(rows: Rows) -> None:
    """Grant date from B/C/U/S publications (or a vendor type such as PatSnap's 授权发明), type from the number,
    holder, lapse and family flags."""
    d = rows.data
    vocabulary = rows.rules.patents
    kind = parsing.text_series(
        pc.struct_field(
            pc.extract_regex(parsing.arrow(rows.column("publication_no")), r"(?P<kind>[A-Za-z])\d?\s*$"), "kind"
        ),
        d.index,
    ).str.upper()
    written = rows.as_written("patent_type")
    type_granted = written.isin(vocabulary.type_granted).fillna(False).astype(bool)
    type_application = written.isin(vocabulary.type_not_granted).fillna(False).astype(bool)
    published = rows.column("publication_date")
    d["grant_date"] = (rows.column("grant_date")
                       .fillna(published.where(kind.isin(GRANT_KINDS)))
                       .fillna(published.where(type_granted & (kind != "A")))  # 授权发明: its publication is the grant
                       .astype("datetime64[s]"))
    rows.warn(type_granted | type_application, "patent_type_from_vendor")
    d["patent_type"] = rows.column("patent_type").fillna(parsing.patent_type_from_number(d["application_no"]))
    d["holder"] = rows.column("current_holder").fillna(rows.column("applicant"))
    d["lapse_data_supplied"] = np.logical_or.reduce([rows.file_has(name) for name in (*STATUS_COLUMNS, "lapse_date")])
    said_lapsed, said_granted = patent_status(rows)
    d["lapsed"] = (said_lapsed | rows.column("lapse_date").notna()).astype(bool)
    # a lapse counts against a granted patent; an application refused or withdrawn was never in any stock
    d["lapse_unknown"] = (d["lapsed"] & rows.column("lapse_date").isna() & d["grant_date"].notna()).astype(bool)
    rows.warn(d["lapse_unknown"], "lapse_date_unknown")
    rows.warn(said_granted & ~d["lapsed"] & d["grant_date"].isna(), "grant_date_unknown")
    d["overseas_family"] = overseas_family(rows.column("family"), rows.rules.domestic_family_offices)


def _says(cells: pd.Series, words: str, taken_out: str = "") -> pd.Series:
    """Per row, whether its cell holds one of `words` (a regular-expression alternation) once the phrases of
    `taken_out` are removed from it; judged once per distinct cell (statuses repeat)."""
    def judge(text: pa.Array) -> pa.Array:
        if taken_out:
            text = pc.replace_substring_regex(text, taken_out, "")
        return pc.match_substring_regex(text, words)

    hits = parsing.arrow_distinct(parsing.arrow(cells), judge)
    return pd.Series(pc.fill_null(hits, False).to_numpy(zero_copy_only=False), index=cells.index)


def patent_status(rows: Rows) -> tuple[pd.Series, pd.Series]:
    """(lapsed, granted and in force) as the status columns say, the first column that says something about a row
    deciding for it: 专利有效性 / 简单法律状态, then 当前法律状态 / 法律状态/事件, then 法律状态 (cleaning.yaml
    `patent_status`). A cell that says nothing the vocabulary knows leaves the row to the next column."""
    vocabulary = rows.rules.patents
    index = rows.data.index
    lapsed, granted, decided = (pd.Series(False, index=index) for _ in range(3))
    for name in STATUS_COLUMNS:
        cells = rows.column(name)
        if cells.isna().all():
            continue
        says_lapsed = _says(cells, vocabulary.lapsed, f"{vocabulary.unrelated}|{vocabulary.in_force}")
        says_granted = _says(cells, vocabulary.granted, vocabulary.unrelated) & ~says_lapsed
        says = says_lapsed | says_granted | _says(cells, vocabulary.pending, vocabulary.unrelated)
        lapsed |= says_lapsed & ~decided
        granted |= says_granted & ~decided
        decided |= says
    return lapsed, granted


def overseas_family(family: pd.Series, domestic_offices: tuple[str, ...]) -> pd.Series:
    """Whether a simple family lists a member filed outside China: a member's office code (its leading two
    letters, e.g. US, EP, JP in `JPWO2021…`) not among the domestic ones (conf: domestic_family_offices)."""
    domestic = pa.array(domestic_offices, type=pa.large_string())
    members = pc.split_pattern_regex(pc.utf8_upper(parsing.arrow(family)), r"[;；,，|\s]+")
    flat, owner = pc.list_flatten(members), pc.list_parent_indices(members).to_numpy(zero_copy_only=False)
    office = pc.utf8_slice_codeunits(flat, 0, 2)
    foreign = pc.and_(pc.match_substring_regex(office, "^[A-Z]{2}$"), pc.invert(pc.is_in(office, value_set=domestic)))
    overseas = np.zeros(len(family), dtype=bool)
    np.logical_or.at(overseas, owner[pc.fill_null(foreign, False).to_numpy(zero_copy_only=False)], True)
    return pd.Series(overseas, index=family.index, dtype="boolean").mask(family.isna())


def trademarks(rows: Rows) -> None:
    """GI marks (flag, or 地理标志 in type/remarks) and the term's end date."""
    d = rows.data
    words = rows.column("mark_type").fillna("") + rows.column("remarks").fillna("")
    d["is_gi"] = (rows.column("gi_flag").fillna(False) | words.str.contains("地理标志")).astype(bool)
    term = parsing.arrow_distinct(parsing.arrow(rows.column("term")),  # terms repeat: split once per distinct text
                                  lambda t: pc.extract_regex(t, r"^(?P<start>.+?)\s*(?:至|~|～|—|--)\s*(?P<end>.+)$"))
    for part, name in (("start", "term_start"), ("end", "term_end")):
        dates, bad = parsing.parse_dates(parsing.text_series(pc.struct_field(term, part), d.index), rows.rules)
        d[name] = dates
        rows.reject(bad, "bad_date", "term")


def pledges(rows: Rows) -> None:
    """The pledged patent's application number (digits) for linking to the patent table."""
    d = rows.data
    parts = parsing.parse_patent_numbers(rows.column("right_no"))
    d["patent_no"] = parts["digits"].where(d["right_type"] == "专利")


def copyright(rows: Rows) -> None:
    """Software-copyright queries: 作品类别 = 计算机软件 for an SR registration number or a software title column;
    the owner without its nationality suffix (著作权人（国籍）)."""
    d, derived = rows.data, rows.rules.derived
    owner = rows.column("owner")
    for suffix in derived.owner_suffixes:
        owner = owner.str.removesuffix(suffix).str.strip()
    d["owner"] = owner
    missing = rows.column("category").isna()
    by_number = missing & rows.column("reg_no").str.contains(derived.software_reg_no, regex=True).fillna(False)
    titled = {rows.rules.header_key(h) for h in derived.software_title_headers}
    by_header = missing & ~by_number & rows.header("title").map(rows.rules.header_key).isin(titled)
    d["category"] = rows.column("category").mask(by_number | by_header, derived.software_category)
    rows.warn(by_number, "category_from_reg_no")
    rows.warn(by_header, "category_from_software_header")


def case_category(text: pd.Series, rules: Rules) -> pd.Series:
    """案件类别 from the words of 违法行为类型 and 处罚依据: the first category of the configured list whose words
    appear, else the configured `other` (missing where there is no text)."""
    derived = rules.derived

    def one(value: str) -> str:
        return next((category for category, words in derived.case_category if any(w in value for w in words)),
                    derived.case_category_other)

    return parsing.on_distinct(text, lambda uniques: uniques.map(one)).astype("str")


def enforcement_cases(rows: Rows) -> None:
    """Natural key: 案件编号, else 行政处罚决定书文号. Where a row gives no 案件类别 or 所在区县 (双公示 exports):
    the category from 违法行为类型 / 处罚依据, the county from a county's 处罚机关 (a city bureau: the holder book)."""
    d = rows.data
    d["case_key"] = rows.column("case_no").fillna(rows.column("decision_no"))
    rows.reject(d["case_key"].isna(), "missing_required", "case_no")
    stated = rows.column("violation_type").fillna("") + "；" + rows.column("legal_basis").fillna("")
    guessed = case_category(stated.str.strip("；").replace("", pd.NA), rows.rules)
    by_basis = rows.column("category").isna() & guessed.notna() & rows.ok
    d["category"] = rows.column("category").mask(by_basis, guessed)
    rows.reject(d["category"].isna(), "missing_required", "category")
    rows.warn(by_basis, "category_from_basis")
    authority = places.map_series(rows.column("authority"), "address", rows.areas)
    by_authority = rows.column("county").isna() & authority.isin(rows.areas.county_codes)
    d["county"] = rows.column("county").mask(by_authority, authority.map(rows.areas.names))
    rows.warn(by_authority, "county_from_authority")


def survey(rows: Rows) -> None:
    """Likert 1–5 files rescaled to 0–100 by (x−1)/4×100; out-of-range scores rejected."""
    d = rows.data
    markers = rows.rules.likert_markers
    score = d["satisfaction"]
    header = rows.header("satisfaction").fillna("").str.casefold()
    marked = header.map(lambda h: any(m in h for m in markers)).astype(bool)
    small = score.isna() | (score.between(1, 5) & (score % 1 == 0))
    all_small = small.groupby(d[FILE]).transform("all") & score.notna().groupby(d[FILE]).transform("any")
    likert = marked | all_small
    d["scale"] = likert.map({True: "likert_1_5", False: "0_100"})
    rows.reject(likert & ~score.between(1, 5), "score_out_of_range", "satisfaction")
    rows.reject(~likert & ~score.between(0, 100), "score_out_of_range", "satisfaction")
    d["satisfaction_raw"] = score
    d["satisfaction"] = score.where(~likert, (score - 1) / 4 * 100)
    rows.reject(rows.column("weight") < 0, "bad_number", "weight")


def population(rows: Rows) -> None:
    """Region name or code (the generic area step maps it); nothing else of its own."""


def projects(rows: Rows) -> None:
    """专栏 numbers run from 1 to 9."""
    rows.reject(~rows.data["column"].between(1, 9), "bad_number", "column")


def _arrow_series(array: pa.Array | pa.ChunkedArray, index: pd.Index) -> pd.Series:
    return pd.Series(array.to_pandas(), index=index)


def _status_code(text: pa.Array) -> pa.Array:
    """A three-digit HTTP status as a number; anything else missing."""
    numeric = pc.fill_null(pc.match_substring_regex(text, r"^\d{3}$"), False)
    return pc.if_else(numeric, pc.cast(pc.if_else(numeric, text, "0"), pa.int64()), None)


NO_ADDRESS = ["", "-", "unknown"]  # an X-Forwarded-For entry that names no client


def _first_address(forwarded: pa.Array) -> pa.Array:
    """The client's own address: the first of an X-Forwarded-For chain (`client, proxy1, proxy2`), without a port
    (`203.0.113.7:51234`, `[2001:db8::7]:443`); "" when the header names no client (`-`, empty, `unknown`)."""
    first = pc.utf8_trim_whitespace(pc.list_element(pc.split_pattern(forwarded, ",", max_splits=1), 0))
    first = pc.replace_substring_regex(first, r"^\[([^\]]*)\](?::\d+)?$", r"\1")
    first = pc.replace_substring_regex(first, r"^(\d{1,3}(?:\.\d{1,3}){3}):\d+$", r"\1")
    return pc.if_else(pc.is_in(pc.utf8_lower(first), value_set=pa.array(NO_ADDRESS)), "", first)


def web_logs(rows: Rows) -> None:
    """Date (the log's own local day), time, client (first X-Forwarded-For, else remote), method, path, status."""
    d = rows.data
    stamp = parsing.arrow(rows.column("timestamp"))  # "[10/Oct/2021:13:55:36"; days and requests repeat a lot
    day = parsing.arrow_distinct(pc.utf8_slice_codeunits(stamp, 1, 12),
                                 lambda d: pc.strptime(d, format="%d/%b/%Y", unit="s", error_is_null=True))
    request = parsing.distinct_categories(parsing.arrow(rows.column("request")),
                                          lambda r: pc.extract_regex(r, r"^(?P<method>[A-Z]+) (?P<path>\S+)"), d.index)
    status = parsing.arrow_distinct(parsing.arrow(rows.column("status")), _status_code)
    forwarded = parsing.arrow_distinct(pc.fill_null(parsing.arrow(rows.column("forwarded_for")), ""), _first_address)
    remote = parsing.arrow(rows.column("remote"))
    proxied = pc.not_equal(forwarded, "")
    client = pc.if_else(proxied, forwarded, remote)
    rows.warn(pd.Series(pc.fill_null(proxied, False).to_numpy(zero_copy_only=False), index=d.index),
              "client_from_forwarded_for")
    d["date"] = _arrow_series(day, d.index).astype("datetime64[s]")
    d["time"] = parsing.text_series(pc.utf8_slice_codeunits(stamp, 13, 21), d.index)
    d["method"], d["path"] = request["method"], request["path"]
    d["status"] = pd.Series(status.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get), index=d.index)
    d["client"] = parsing.categorical(client, d.index)
    d["user_agent"] = parsing.categorical(parsing.arrow(d["user_agent"]), d.index)
    rows.reject(d["date"].isna() | d["method"].isna() | d["status"].isna(), "bad_log_line", "line")


DERIVATIONS: dict[str, Callable[[Rows], None]] = {
    "patents": patents,
    "trademarks": trademarks,
    "copyright": copyright,
    "pledges": pledges,
    "enforcement_cases": enforcement_cases,
    "court_cases": courts.court_cases,
    "survey": survey,
    "population": population,
    "projects": projects,
    "web_logs": web_logs,
    "task_ledger": task_sources.task_ledger,
    "policies": task_sources.policies,
    "evidence": task_sources.evidence,
    "official_stats": official.official_stats,
}


def _warn_area_rules(rows: Rows, decided_by: pd.Series) -> None:
    """The source's `area_warnings`: rows that a rule placed although a later rule's field had a value too (a
    vendor's county column that won over the address)."""
    rules = list(rows.spec.get("area", {}).items())
    order = [how for how, _ in rules]
    for how, warning in (rows.spec.get("area_warnings") or {}).items():
        later = [name for _, name in rules[order.index(how) + 1:] if name in rows.data]
        if later:
            rows.warn((decided_by == how) & rows.data[later].notna().any(axis=1), warning)


def _names_other_city(rows: Rows, unplaced: pd.Series) -> pd.Series:
    """Rows without a location of their own (`unplaced`) that the source's `city_named_by` fields (an authority, an
    office, an issuer, a first instance's case number, read as `area` reads them) or their file's title lines, sheet
    and file name place in another city of the province (data-contract.md, "Areas")."""
    other = pd.Series(False, index=rows.data.index)
    if rows.spec.get("any_city") or not unplaced.any():
        return other
    def names(text: pd.Series, how: str) -> pd.Series:
        return places.map_series(text.astype("str"), how, rows.areas).eq(places.OTHER_CITY).fillna(False)

    named = {name: how for name, how in (rows.spec.get("city_named_by") or {}).items() if name in rows.data}
    d = rows.data.loc[unplaced, [*named, FILE]]  # only the columns read (a log file has a million rows)
    titled = names(pd.Series(rows.labels, dtype="object"), "address")  # per file, not per row
    found = [d[FILE].map(titled).fillna(False).to_numpy(dtype=bool),
             *(names(d[name], how).to_numpy(dtype=bool) for name, how in named.items())]
    other.loc[d.index] = np.logical_or.reduce(found)
    return other


def assign_area(rows: Rows) -> pd.Series:
    """area_code per row, places.OTHER_CITY or places.OUT_OF_SCOPE, following the source's `area` rules in order;
    a row they leave unplaced is another city's when a field that names its city, or its file's title, says so."""
    d = rows.data
    city = rows.areas.city_code
    area = pd.Series(pd.NA, index=d.index, dtype="str")
    city_cell = pd.Series(False, index=d.index)  # a registry's county cell or code naming only the city
    decided_by = pd.Series(None, index=d.index, dtype=object)  # the rule that placed each row
    for how, name in rows.spec.get("area", {}).items():
        if name not in d:
            continue
        text = d[name].astype("str")  # already cleaned text (type_fields)
        if how == "code":
            text = text.where(text.str.fullmatch(r"\d{6}"))
        mapped = places.map_series(text, how, rows.areas)
        decided = mapped.notna() & (mapped != places.OUT_OF_SCOPE)
        if how in {"county", "code"}:  # an explicit county or code outside the city is final
            decided |= text.notna() & (mapped == places.OUT_OF_SCOPE)
            if rows.spec["scope"] == "registry":  # a ledger's own 河源市 means city level, a registry's "no county"
                city_cell |= area.isna() & decided & (mapped == city)
        if how == "address" and rows.spec["scope"] == "registry":
            decided |= mapped.notna()
        if how == "court_case_no":
            decided |= mapped.notna()
        # the city is in scope, but a later rule (the address) may still name the county
        decided &= ~city_cell | mapped.isin(rows.areas.county_codes)
        decided_by = decided_by.mask(area.isna() & decided, how)
        area = area.fillna(mapped.where(decided))
    _warn_area_rules(rows, decided_by)
    other = _names_other_city(rows, area.isna() & ~city_cell)
    area = area.mask(other, places.OTHER_CITY)
    area = area.fillna(pd.Series(city, index=d.index, dtype="str").where(city_cell))
    if holders.book_spec(rows.spec).get("borrows"):  # no location cell at all: the city until the holder book
        pending = holders.unplaced(rows) & ~other
        d["area_from"] = pd.Series(pd.NA, index=d.index, dtype="str").mask(pending, holders.PENDING)
        area = area.mask(pending, city)
    fallback = places.OUT_OF_SCOPE if rows.spec["scope"] == "registry" else city
    return area.fillna(fallback)

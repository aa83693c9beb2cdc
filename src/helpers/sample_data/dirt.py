"""Dirt mixed into the rendered files without changing the truth.

Lossless spellings (dates, amounts, numeric ids, header spelling) are applied to true rows; rows to be
rejected, out of scope, or duplicated are EXTRA rows built from a true row of the same file, each with a
fresh natural key (a number from the range reserved for extras) so that the clean rows stay exactly the truth.
"""

from __future__ import annotations

import re
from itertools import count

import numpy as np
import pandas as pd

from helpers.cleaning.parsing import check_char
from helpers.sample_data.context import Context
from helpers.sample_data.render import OutFile, format_dates, format_number

_LAST_NUMBER = re.compile(r"(\d+)(?!.*\d)")
_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _key_fields(out: OutFile) -> list[str]:
    """Fields forming the natural key; a key named after no field (案件编号 else 文号) means every `*_no` field."""
    catalog = out.spec
    fields = catalog["fields"]
    keys = [k for k in catalog["key"] if k in fields]
    return keys if len(keys) == len(catalog["key"]) else [f for f in fields if f.endswith("_no")]


def fresh_key(value: str, serial: int, patent_no: bool) -> str:
    """The same key shape with its last number replaced by one from the reserved range (starting with 9)."""
    if patent_no:
        digits = value.split(".")[0]
        width = 7 if len(digits) == 12 else 5
        digits = digits[:-width] + "9" + str(serial).zfill(width - 1)
        return f"{digits}.{check_char(digits)}"
    match = _LAST_NUMBER.search(value)
    if match is None:  # a name (产品名称, 项目名称): kept, the row is told apart by its other fault
        return value
    width = max(len(match.group(1)), len(str(serial)) + 1)
    return value[: match.start(1)] + "9" + str(serial).zfill(width - 1) + value[match.end(1) :]


# ------------------------------------------------------------------------------------------ lossless spellings
def _amount_spellings(value: float, vendor_unit: str, target_unit: str, factors: dict[str, float]) -> list[str]:
    """Spellings of an amount (in the vendor's unit) that a cleaner reads back to exactly the same value in the
    source's unit: thousands separators, full-width digits, an explicit unit in the cell."""
    target = value * factors[vendor_unit] / factors[target_unit]
    options = [f"{value:,.6f}".rstrip("0").rstrip("."), format_number(value).translate(_FULL_WIDTH)]
    for unit in ("元", "万元", "亿元") if vendor_unit in ("元", "万元", "亿元") else (vendor_unit,):
        converted = round(value * factors[vendor_unit] / factors[unit], 6)
        if converted * factors[unit] / factors[target_unit] == target and converted >= 0.01:
            options.append(format_number(converted) + unit)
    return options


def respell(ctx: Context, out: OutFile, truth: pd.DataFrame) -> None:
    """Mix other spellings into a few cells of true rows: dates, amounts, application numbers and labelled numbers
    (专栏8)."""
    cfg = ctx.cfg["respell"]
    types = out.fields
    n = len(out.cells)
    for name in out.headers:
        kind = types[name]["type"]
        present = out.cells[name].notna().to_numpy()
        hit = present & (ctx.rng.random(n) < cfg["rate_by_source"].get(out.source, cfg["rate"]))
        if not hit.any():
            continue
        values = truth.loc[out.cells.loc[hit, "_row"], name]
        if kind == "date":
            styles = ctx.pick(cfg["dates"], int(hit.sum()))
            spelled = pd.Series(None, index=values.index, dtype=object)
            for style in sorted(set(styles)):
                spelled[styles == style] = format_dates(values[styles == style], style)
            out.cells.loc[hit, name] = spelled.to_numpy()
        elif kind == "amount":
            unit = out.profile.get("amount_unit", types[name]["unit"])
            cells = out.cells.loc[hit, name]
            out.cells.loc[hit, name] = [
                ctx.pick(_amount_spellings(float(str(c).replace(",", "")), unit, types[name]["unit"], ctx.units), 1)[0]
                for c in cells
            ]
        elif kind == "int" and types[name].get("words"):
            word = types[name]["words"][0]
            out.cells.loc[hit, name] = [_labelled(ctx.pick(cfg["labelled"], 1)[0], word, int(v)) for v in values]
        elif kind == "patent_no" and out.source == "patents":
            _respell_ids(ctx, out, name, present & (ctx.rng.random(n) < cfg["ids"]))


def _labelled(style: str, word: str, number: int) -> str:
    """A small number (1–9: a 专栏) as a person writes it with its label word: 专栏8, 专栏八, 第八专栏, ８…"""
    return style.format(word=word, n=number, cn="〇一二三四五六七八九"[number], fw=chr(0xFF10 + number))


def _respell_ids(ctx: Context, out: OutFile, name: str, hit: np.ndarray) -> None:
    """Application numbers as Excel leaves them: float cells, `2.02110123456E+11`, or without the check char."""
    cells = out.cells.loc[hit, name]
    digits, check = cells.str.split(".").str[0], cells.str.split(".").str[1]
    long = digits.str.len() == 12
    if out.fmt == "xlsx" and out.profile.get("ids_as_numbers"):
        numeric = cells[long & check.str.isdigit()]
        out.cells.loc[numeric.index, name] = [float(v) for v in numeric]
        return
    scientific = long & (ctx.rng.random(len(cells)) < 0.5) & (digits.str[-1] != "0")
    out.cells.loc[cells.index[scientific], name] = digits[scientific].str[0] + "." + digits[scientific].str[1:] + "E+11"
    out.cells.loc[cells.index[~scientific], name] = digits[~scientific]


def header_row(ctx: Context, out: OutFile) -> list[str]:
    """The header as written: vendor spelling, with spaces / invisible chars / other brackets in noisy files."""
    headers = [out.headers[name] for name in out.headers]
    if not out.header_noise:
        return headers
    variants = [lambda h: f" {h} ", lambda h: h + "*", lambda h: h.replace("（", "(").replace("）", ")")]
    if out.encoding not in ("gbk",):
        variants += [lambda h: h[:1] + "\u200b" + h[1:], lambda h: h[:1] + "\u00ad" + h[1:]]
    for position in ctx.rng.choice(len(headers), min(3, len(headers)), replace=False):
        headers[position] = variants[int(ctx.rng.integers(len(variants)))](headers[position])
    return headers


# ------------------------------------------------------------------------------------------ extra rows
def _field_for(reason: str, out: OutFile) -> str | None:
    """The field of this file that an extra row of `reason` corrupts (None: the file cannot take it)."""
    types = out.fields
    keys = _key_fields(out)
    names = list(out.headers)

    def first(test) -> str | None:
        found = [n for n in names if test(types[n])]
        required = [n for n in found if types[n].get("required")]
        return (required or found or [None])[0]

    by_reason = {
        "bad_date": lambda: first(lambda t: t["type"] == "date"),
        "future_date": lambda: first(lambda t: t["type"] == "date"),  # the date the row is dated by: a required one
        "bad_amount": lambda: first(lambda t: t["type"] == "amount"),
        "negative_amount": lambda: first(lambda t: t["type"] == "amount"),
        "bad_category": lambda: first(lambda t: t["type"] == "category"),  # a required one first
        "bad_year": lambda: first(lambda t: t["type"] == "year"),
        "score_out_of_range": lambda: first(lambda t: t["type"] == "number" and t.get("required")),
        "bad_check_char": lambda: first(lambda t: t["type"] == "patent_no"),
        "id_precision_lost": lambda: first(lambda t: t["type"] == "patent_no") if out.fmt == "csv" else None,
    }
    if reason == "missing_required":
        required = [n for n in names if types[n].get("required") and n not in keys]
        return required[0] if required else None
    return by_reason[reason]()


def _scope_field(out: OutFile) -> str | None:
    """Where an out-of-scope row is placed: the address (registries) or the county column (ledgers)."""
    catalog = out.spec
    wanted = catalog["area"].get("address") if catalog["scope"] == "registry" else catalog["area"].get("county")
    return wanted if wanted in out.headers else None


def _bad_value(ctx: Context, reason: str, value: object) -> object:
    if reason == "missing_required":
        return None
    if reason == "bad_check_char":
        digits, good = str(value).split(".")  # never a wrong 0: `….0` reads as a float that lost its check char
        return f"{digits}.{'123456789X'[('123456789X'.find(good) + 1) % 10]}"
    if reason == "id_precision_lost":
        digits = str(value).split(".")[0]
        return f"{float(digits):.10E}"
    return ctx.pick(ctx.cfg["bad_values"][reason], 1)[0]


def _with_fresh_keys(out: OutFile, row: pd.Series, truth: pd.DataFrame, serials: count) -> pd.Series:
    """The row's key fields replaced by fresh ones, built from the truth's spelling (cells may be respelled)."""
    types = out.fields
    columns = out.profile.get("columns_from", {})
    for name in _key_fields(out):
        value = truth.at[row["_row"], columns.get(name, name)]
        if name in out.headers and isinstance(value, str):
            row[name] = fresh_key(value, next(serials), types[name]["type"] == "patent_no")
    return row


def _partial(ctx: Context, out: OutFile, row: pd.Series) -> pd.Series | None:
    """A less complete copy: one or two optional fields blanked (None when nothing can be blanked).

    Keys, the preferred field, facts that must be shown, the fields locating the row and those of an either-or
    group (案件类别 or what it is derived from) are kept, so the copy stays valid and in scope and is dropped only by
    deduplication.
    """
    catalog = out.spec
    keep = (
        set(_key_fields(out))
        | {catalog.get("prefer")}
        | set(ctx.cfg.get("must_show", {}).get(out.source, []))
        | set(catalog["area"].values())
        | {name for group in catalog.get("either", []) for name in group}
    )
    optional = [
        n for n in out.headers if n not in keep and not catalog["fields"][n].get("required") and row[n] is not None
    ]
    if not optional:
        return None
    for name in ctx.rng.choice(optional, min(len(optional), int(ctx.rng.integers(1, 3))), replace=False):
        row[name] = None
    return row


def add_extras(ctx: Context, files: list[OutFile], truth: pd.DataFrame, serials: count) -> None:
    """Insert the configured duplicate, out-of-scope and rejected rows at random places of the files."""
    if not files:
        return
    source = files[0].source
    spec = ctx.cfg["extras"].get(source, {})
    plan = [("duplicate", how) for how, n in sorted(spec.get("duplicate", {}).items()) for _ in range(n)]
    plan += [("out_of_scope", "")] * spec.get("out_of_scope", 0)
    plan += [("rejected", reason) for reason, n in sorted(spec.get("rejected", {}).items()) for _ in range(n)]
    added: dict[int, list[tuple[pd.Series, str]]] = {i: [] for i in range(len(files))}
    for kind, detail in plan:
        if kind == "duplicate":
            fits = [i for i, f in enumerate(files) if not f.profile.get("per_publication") or detail == "exact"]
        elif kind == "out_of_scope":
            fits = [i for i, f in enumerate(files) if _scope_field(f)]
        else:
            fits = [i for i, f in enumerate(files) if _field_for(detail, f)]
        fits = [i for i in fits if (files[i].kinds == "clean").any()]
        if not fits:
            raise ValueError(f"{source}: no file can take a {kind} row ({detail})")
        i = int(ctx.rng.choice(fits))
        out = files[i]
        clean = np.flatnonzero((out.kinds == "clean").to_numpy())
        row = out.cells.iloc[int(ctx.rng.choice(clean))].copy()
        if kind == "duplicate":
            if detail == "partial":
                row = _partial(ctx, out, row)
                if row is None:
                    continue
                i = int(ctx.rng.choice([j for j, f in enumerate(files) if f.vendor == out.vendor]))
            added[i].append((row, "duplicate"))
            continue
        row = _with_fresh_keys(out, row, truth, serials)
        if kind == "out_of_scope":
            name = _scope_field(out)
            registry = ctx.catalog[source]["scope"] == "registry"
            row[name] = ctx.pick(ctx.cfg["out_of_scope_addresses" if registry else "out_of_scope_counties"], 1)[0]
            county = ctx.catalog[source]["area"].get("county")
            if registry and county in out.headers:
                row[county] = None
            added[i].append((row, "out_of_scope"))
        else:
            name = _field_for(detail, out)
            row[name] = _bad_value(ctx, detail, row[name])
            added[i].append((row, f"rejected:{detail}"))
    for i, rows in added.items():
        if rows:
            files[i] = _inserted(ctx, files[i], rows)


def _inserted(ctx: Context, out: OutFile, rows: list[tuple[pd.Series, str]]) -> OutFile:
    extra = pd.DataFrame([r for r, _ in rows]).reset_index(drop=True)
    cells = pd.concat([out.cells, extra], ignore_index=True)
    kinds = pd.concat([out.kinds, pd.Series([k for _, k in rows], dtype=object)], ignore_index=True)
    position = np.concatenate(
        [np.arange(len(out.cells), dtype=float), ctx.rng.uniform(0, max(1, len(out.cells)), len(rows))]
    )
    order = np.argsort(position, kind="stable")
    out.cells = (
        cells.iloc[order].reset_index(drop=True).astype(object).where(cells.iloc[order].notna().to_numpy(), None)
    )
    out.kinds = kinds.iloc[order].reset_index(drop=True)
    return out


# ------------------------------------------------------------------------------------------ broken files
def broken_file(ctx: Context, kind: str, template: OutFile) -> tuple[str, bytes, str]:
    """(file name, bytes, what is wrong) of a deliberately broken file in a source folder."""
    from helpers.sample_data import writers

    prefix = f"{ctx.cfg['file_prefix']}{template.source}_broken_{kind}"
    header = [template.headers[n] for n in template.headers]
    rows = template.cells[list(template.headers)].head(20).itertuples(index=False)
    if kind == "empty":
        return f"{prefix}.csv", b"", "empty file (0 bytes)"
    if kind == "header_only":
        return f"{prefix}.csv", writers.csv_bytes(header, [], "utf-8"), "header row only, no data rows"
    if kind == "junk":
        return f"{prefix}.csv", ctx.rng.integers(0, 256, 4096, dtype=np.uint8).tobytes(), "binary junk named .csv"
    whole = writers.xlsx_bytes(header, rows, pd.Timestamp(ctx.cfg["xlsx_created"]).to_pydatetime())
    return f"{prefix}.xlsx", whole[: len(whole) * 3 // 5], "truncated xlsx (zip cut at 60 %)"

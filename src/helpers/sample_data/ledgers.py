"""Ground truth of the small ledgers (GI, cases, courts, service nodes, survey, population, projects).

Same shape as the registries: catalog field names plus `_area`; counts per year come from the configuration.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.sample_data import places
from helpers.sample_data.context import CITY, Context, apportion


def _county_names(ctx: Context, areas: pd.Series) -> pd.Series:
    return areas.map(lambda a: "" if a == CITY else ctx.area_names[a])


def _yearly(ctx: Context, per_year: dict[str, list[int]]) -> pd.DataFrame:
    """One row per case: (label, year) repeated by the configured count, with an area and a date in the year."""
    pairs = [
        ((label, year), n)
        for label, counts in sorted(per_year.items())
        for year, n in zip(ctx.years, counts, strict=True)
    ]
    frame = pd.DataFrame(
        {
            "_label": np.repeat([k[0] for k, _ in pairs], [n for _, n in pairs]),
            "_year": np.repeat([k[1] for k, _ in pairs], [n for _, n in pairs]),
        }
    )
    frame["_area"] = ctx.pick(ctx.cfg["areas"], len(frame), p=ctx.area_shares(2020, ctx.cfg["ledger_area_weights"]))
    frame["_date"] = ctx.days_in_year(frame["_year"].to_numpy())
    return frame.sort_values("_date", kind="stable").reset_index(drop=True)


def _numbered(prefix: pd.Series, years: pd.Series, suffix: str = "号") -> pd.Series:
    """`<prefix>〔2021〕12号`, numbered in date order within prefix and year."""
    seq = prefix.groupby([prefix, years]).cumcount() + 1
    return prefix + "〔" + years.astype(str) + "〕" + seq.astype(str) + suffix


def build_gi_products(ctx: Context) -> pd.DataFrame:
    gi = pd.DataFrame(ctx.cfg["gi_products"])
    return pd.DataFrame(
        {
            "product": gi["name"],
            "approval_no": gi["notice"],
            "approval_date": pd.to_datetime(gi["approved"]),
            "scope_text": gi["scope"],
            "county": _county_names(ctx, gi["area"]),
            "_area": gi["area"],
        }
    )


def build_gi_output(ctx: Context) -> pd.DataFrame:
    cfg = ctx.cfg["gi_output"]
    areas = {p["name"]: p["area"] for p in ctx.cfg["gi_products"]}
    rows = [
        {"product": name, "year": cfg["from"] + i, "output_yi": value, "_area": areas[name]}
        for name, values in cfg["values"].items()
        for i, value in enumerate(values)
        if value is not None
    ]
    frame = pd.DataFrame(rows)
    frame["county"] = _county_names(ctx, frame["_area"])
    return frame


def build_assistance_cases(ctx: Context) -> pd.DataFrame:
    """Assistance and mediation cases closed per year, consultations, and a few still open."""
    cfg = ctx.cfg["assistance_cases"]
    frame = _yearly(ctx, cfg["closed"]).rename(columns={"_label": "case_type", "_date": "closed_date"})
    open_cases = pd.DataFrame(
        {
            "case_type": "维权援助",
            "_year": ctx.years[-1],
            "closed_date": pd.NaT,
            "_area": ctx.pick(ctx.cfg["areas"], cfg["open_at_end"]),
        }
    )
    frame = pd.concat([frame, open_cases], ignore_index=True)
    n = len(frame)
    wait = np.where(frame["case_type"] == "咨询", ctx.rng.integers(0, 3, n), ctx.rng.integers(5, 90, n))
    accepted = frame["closed_date"] - pd.to_timedelta(wait, unit="D")
    late = pd.Series(
        pd.Timestamp(ctx.years[-1], 11, 20) + pd.to_timedelta(ctx.rng.integers(0, 30, n), unit="D"), index=frame.index
    )
    frame["accepted_date"] = accepted.fillna(late)
    short = frame["_area"].map(ctx.cfg["places"]["enforcement_prefix"])
    kind = frame["case_type"].map({"维权援助": "援", "调解": "调", "咨询": "咨"})
    frame["case_no"] = _numbered(short + "知" + kind, frame["accepted_date"].dt.year)
    frame["agency"] = frame["_area"].map(
        lambda a: (
            "广东省知识产权保护中心维权援助（河源）分中心"
            if a == CITY
            else f"{ctx.area_names[a]}知识产权维权援助工作站"
        )
    )
    frame["county"] = _county_names(ctx, frame["_area"])
    results = {
        "维权援助": ["已出具维权援助方案", "协助企业应诉"],
        "调解": ["调解成功", "调解不成功"],
        "咨询": ["已答复"],
    }
    frame["result"] = [ctx.pick(results[t], 1)[0] for t in frame["case_type"]]
    frame.loc[frame["closed_date"].isna(), "result"] = pd.NA
    return frame


def build_enforcement_cases(ctx: Context) -> pd.DataFrame:
    cfg = ctx.cfg["enforcement_cases"]
    frame = _yearly(ctx, cfg["closed"]).rename(columns={"_label": "category", "_date": "closed_date"})
    n = len(frame)
    frame["filed_date"] = frame["closed_date"] - pd.to_timedelta(ctx.rng.integers(20, 160, n), unit="D")
    prefix = frame["_area"].map(ctx.cfg["places"]["enforcement_prefix"]) + "市监"
    frame["case_no"] = _numbered(prefix + "立", frame["filed_date"].dt.year)
    frame["decision_no"] = _numbered(prefix + "罚", frame["closed_date"].dt.year)
    frame["party"] = places.company_names(ctx, n)
    alphabet = np.array(list("0123456789ABCDEFGHJKLMNPQRTUWXY"))
    tail = ["".join(row) for row in alphabet[ctx.rng.integers(0, len(alphabet), (n, 10))]]
    frame["credit_code"] = "914416" + frame["_area"].str[-2:] + pd.Series(tail, dtype=object)
    frame["authority"] = frame["_area"].map(lambda a: f"{ctx.area_names[a]}市场监督管理局")
    frame["county"] = _county_names(ctx, frame["_area"])
    low, high = cfg["fine_wan"]
    frame["fine_wan"] = np.round(ctx.rng.uniform(low, high, n), 1)
    frame.loc[frame["category"] == "其他", "fine_wan"] = np.nan
    return frame


def build_court_cases(ctx: Context) -> pd.DataFrame:
    """First-instance IP civil cases per year (some appealed), their 二审 rows, and non-IP rows (out of scope)."""
    cfg = ctx.cfg["court_cases"]
    courts, weights = list(cfg["court_weights"]), list(cfg["court_weights"].values())
    rows = []
    for (
        year,
        total,
        appealed,
    ) in zip(ctx.years, cfg["ip_first_instance"], cfg["appealed"], strict=True):
        n = total + cfg["non_ip_per_year"]
        ip = np.arange(n) < total
        frame = pd.DataFrame(
            {
                "procedure": "一审",
                "court_code": ctx.pick(courts, n, p=weights),
                "closed_date": ctx.days_in_year(np.full(n, year)).to_numpy(),
                "cause": np.where(ip, ctx.pick(cfg["ip_causes"], n), ctx.pick(cfg["non_ip_causes"], n)),
                "_ip": ip,
            }
        )
        frame["_appealed"] = ip & (np.arange(n) < appealed)
        frame.loc[~ip, "_appealed"] = ctx.rng.random(int((~ip).sum())) < 0.15
        rows.append(frame)
    first = pd.concat(rows, ignore_index=True).sort_values("closed_date", kind="stable").reset_index(drop=True)
    filed = first["closed_date"] - pd.to_timedelta(ctx.rng.integers(30, 300, len(first)), unit="D")
    seq = first.groupby([first["court_code"], filed.dt.year]).cumcount() + 1
    first["case_no"] = "（" + filed.dt.year.astype(str) + "）" + first["court_code"] + "民初" + seq.astype(str) + "号"
    second_closed = first["closed_date"] + pd.to_timedelta(ctx.rng.integers(60, 240, len(first)), unit="D")
    with_row = (
        first["_appealed"]
        & (ctx.rng.random(len(first)) < cfg["appealed_with_second_instance_row"])
        & (second_closed <= pd.Timestamp(ctx.years[-1], 12, 31))
    )
    first["appealed"] = np.where(first["_appealed"] & ~with_row, "是", np.where(first["_appealed"], pd.NA, "否"))
    second = first[with_row].copy()
    second["procedure"], second["original_case_no"], second["appealed"] = "二审", second["case_no"], pd.NA
    second["closed_date"] = second_closed[with_row]
    seq = second.groupby(second["closed_date"].dt.year).cumcount() + 1
    second["case_no"] = (
        "（"
        + second["closed_date"].dt.year.astype(str)
        + "）"
        + cfg["appeal_court"]
        + "民终"
        + (seq + 20).astype(str)
        + "号"
    )
    second["court_code"] = cfg["appeal_court"]
    frame = pd.concat([first, second], ignore_index=True)
    frame["court"] = frame["court_code"].map({**cfg["courts"], cfg["appeal_court"]: "广东省高级人民法院"})
    frame["_area"] = frame["court_code"].map(lambda c: {f"粤{a[2:]}": a for a in ctx.cfg["areas"]}.get(c, CITY))
    frame["_outcome"] = np.where(frame["cause"].isin(ctx.ip_causes), "clean", "out_of_scope")  # 案由 outside Part 5
    return frame.drop(columns=["court_code"])


def build_service_nodes(ctx: Context) -> pd.DataFrame:
    nodes = pd.DataFrame(ctx.cfg["service_nodes"])
    return pd.DataFrame(
        {
            "name": nodes["name"],
            "node_type": nodes["type"],
            "level": nodes["level"],
            "county": nodes["area"].map(ctx.area_names),
            "established_date": pd.to_datetime(nodes["established"]),
            "revoked_date": pd.to_datetime(nodes.get("revoked")),
            "_area": nodes["area"],
        }
    )


def build_survey(ctx: Context) -> pd.DataFrame:
    """Responses per year and area around the configured means; the Likert year is stored on its 1–5 scale."""
    cfg = ctx.cfg["survey"]
    types = cfg["respondent_weights"]
    parts = []
    for i, (year, n) in enumerate(zip(ctx.years, cfg["respondents_per_year"], strict=True)):
        areas = ctx.pick(ctx.cfg["areas"], n, p=ctx.area_shares(year, ctx.cfg["ledger_area_weights"]))
        mean = np.array([cfg["mean"][a][i] for a in areas])
        score = np.clip(np.round(ctx.rng.normal(mean, cfg["sd"])), 0, 100)
        if year == cfg["likert_year"]:
            score = (np.clip(np.round(1 + 4 * score / 100 + 0.2), 1, 5) - 1) / 4 * 100
        kind = ctx.pick(list(types), n, p=list(types.values()))
        weight = np.array([round(1 / (4 * types[k]), 2) for k in kind]) if year == cfg["weighted_year"] else np.nan
        parts.append(
            pd.DataFrame(
                {"year": year, "_area": areas, "respondent_type": kind, "satisfaction": score, "weight": weight}
            )
        )
    frame = pd.concat(parts, ignore_index=True)
    frame["questionnaire_no"] = (
        "MY" + frame["year"].astype(str) + "-" + (frame.groupby("year").cumcount() + 1).astype(str).str.zfill(4)
    )
    frame["county"] = _county_names(ctx, frame["_area"])
    frame["_likert"] = frame["year"] == cfg["likert_year"]
    return frame


def build_population(ctx: Context) -> pd.DataFrame:
    """City and county rows per year; counties split the city by census shares to the hundredth of 万人."""
    cfg = ctx.cfg["population"]
    counties = list(cfg["census_shares"])
    rows = []
    for year, city in zip(ctx.years, cfg["city"], strict=True):
        split = apportion(int(round(city * 100)), np.array([cfg["census_shares"][c] for c in counties])) / 100
        rows.append({"year": year, "_area": CITY, "population_wan": city})
        rows += [{"year": year, "_area": c, "population_wan": float(v)} for c, v in zip(counties, split, strict=True)]
    frame = pd.DataFrame(rows)
    frame["area"] = frame["_area"].map(ctx.area_names)
    return frame


def build_projects(ctx: Context) -> pd.DataFrame:
    p = pd.DataFrame(ctx.cfg["projects"])
    return pd.DataFrame(
        {
            "name": p["name"],
            "column": p["column"],
            "project_type": p["type"],
            "county": p["area"].map(ctx.area_names),
            "start_date": pd.to_datetime(p["start"]),
            "completion_date": pd.to_datetime(p.get("done")),
            "status": p["status"],
            "_area": p["area"],
        }
    )

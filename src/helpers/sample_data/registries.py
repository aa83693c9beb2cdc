"""Ground truth of the registry sources (patents, patent awards, trademarks, copyright, pledges).

Each builder returns the clean rows as a DataFrame with the catalog's field names (dates as datetime64,
several holders joined by `SEP`) plus internal columns starting with `_` (`_area` = true area code).
The base year is calibrated exactly: the valid invention stock per area and the high-value count.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.cleaning.parsing import check_chars
from helpers.sample_data import places
from helpers.sample_data.context import SEP, Context, apportion, labels

END = pd.Timestamp("2025-12-31")
_LAG_DAYS = {"invention": (540, 1500), "utility": (150, 400), "design": (120, 300)}
_TYPE_DIGIT = {"invention": "1", "utility": "2", "design": "3"}
_TYPE_NAME = {"invention": "发明", "utility": "实用新型", "design": "外观设计"}
_PUB_KIND = {"invention": "B", "utility": "U", "design": "S"}


def sei_category(ipc: pd.Series, concordance: dict[str, str]) -> pd.Series:
    """SEI category of each IPC main class by the concordance (longest matching prefix), else missing."""
    codes = ipc.fillna("").str.replace(" ", "", regex=False)
    out = pd.Series(pd.NA, index=ipc.index, dtype=object)
    for key in sorted(concordance, key=len):
        out[codes.str.startswith(key)] = concordance[key]
    return out


def unique_serials(ctx: Context, n: int, high: int) -> np.ndarray:
    """n distinct random serials below `high` (numbers from `high` up are reserved for extra rows)."""
    found = np.array([], dtype=np.int64)
    while len(found) < n:
        draw = ctx.rng.integers(0, high, int(n * 1.3) + 10)
        found = pd.unique(np.concatenate([found, draw]))
    return found[:n]


def application_numbers(ctx: Context, app_dates: pd.Series, type_digits: np.ndarray) -> pd.Series:
    """`YYYYT1234567.C` (12 digits) or, before the configured year, `YYT12345.C` (8 digits)."""
    years = app_dates.dt.year.to_numpy()
    eight = years < ctx.cfg["patents"]["eight_digit_before"]
    digits = np.empty(len(years), dtype=object)
    for (year, digit, short), idx in (
        pd.DataFrame({"y": years, "t": type_digits, "s": eight}).groupby(["y", "t", "s"], sort=True).indices.items()
    ):
        width = 5 if short else 7
        serials = unique_serials(ctx, len(idx), 9 * 10 ** (width - 1))
        prefix = f"{year % 100:02d}" if short else f"{year}"
        digits[idx] = [f"{prefix}{digit}{s:0{width}d}" for s in serials]
    digits = pd.Series(digits, index=app_dates.index, dtype=object)
    return digits + "." + pd.Series(check_chars(digits), index=app_dates.index, dtype=object)


def _avoid_year_boundary(dates: pd.Series) -> pd.Series:
    """Keep application dates away from 24 Dec–7 Jan so that "> 10 years at 31 Dec" is never borderline."""
    near = ((dates.dt.month == 12) & (dates.dt.day >= 24)) | ((dates.dt.month == 1) & (dates.dt.day <= 7))
    return dates.where(~near, dates - pd.Timedelta(days=20))


def _lags(ctx: Context, kinds: np.ndarray) -> pd.TimedeltaIndex:
    low = np.array([_LAG_DAYS[k][0] for k in kinds])
    high = np.array([_LAG_DAYS[k][1] for k in kinds])
    return pd.to_timedelta(ctx.rng.integers(low, high), unit="D")


def _grants(ctx: Context) -> pd.DataFrame:
    """All grants configured per year and type up to the base year (utility/design: all years)."""
    cfg, base = ctx.cfg["patents"], ctx.cfg["base_year"]
    rows = []
    for kind, counts in cfg["grants"].items():
        for offset, count in enumerate(counts):
            year = cfg["grants_from"] + offset
            if kind != "invention" or year <= base:
                rows.append((kind, year, count * ctx.scale))
    counts = [n for _, _, n in rows]
    frame = pd.DataFrame(
        {"_kind": np.repeat([k for k, _, _ in rows], counts), "_grant_year": np.repeat([y for _, y, _ in rows], counts)}
    )
    frame["grant_date"] = ctx.days_in_year(frame["_grant_year"].to_numpy())
    frame["application_date"] = _avoid_year_boundary(frame["grant_date"] - _lags(ctx, frame["_kind"].to_numpy()))
    return frame


def _stock_targets(ctx: Context) -> pd.DataFrame:
    table = ctx.cfg["patents"]["valid_invention_stock"]
    return pd.DataFrame({a: table[a] for a in ctx.cfg["areas"]}, index=ctx.years) * ctx.scale


def _invention_stock(ctx: Context, grants: pd.DataFrame) -> pd.DataFrame:
    """Inventions: the base-year stock per area exactly, then yearly lapses and grants to each year's target."""
    base, tau = ctx.cfg["base_year"], ctx.cfg["patents"]["survival_tau"]
    targets = _stock_targets(ctx)
    inv = grants[grants["_kind"] == "invention"].reset_index(drop=True)
    base_end = pd.Timestamp(base, 12, 31)
    term_end = inv["application_date"] + pd.DateOffset(years=20)
    weight = np.exp(-(base - inv["_grant_year"].to_numpy()) / tau) * (term_end > base_end).to_numpy()
    valid = ctx.rng.choice(len(inv), int(targets.loc[base].sum()), replace=False, p=weight / weight.sum())
    inv["_area"] = None
    inv.loc[valid, "_area"] = ctx.rng.permutation(labels(targets.loc[base].to_dict()))
    lapsed = inv["_area"].isna()
    shares = ctx.area_shares(base, ctx.cfg["holder_shares"]["weights"])
    inv.loc[lapsed, "_area"] = ctx.pick(ctx.cfg["areas"], int(lapsed.sum()), p=shares)
    start = inv.loc[lapsed, "grant_date"] + pd.Timedelta(days=180)
    span = (base_end - start).dt.days.clip(lower=1)
    inv["lapse_date"] = pd.NaT
    inv.loc[lapsed, "lapse_date"] = (
        (start + pd.to_timedelta(ctx.rng.integers(0, span), unit="D"))
        .clip(upper=base_end)
        .where(start <= base_end, base_end)
    )
    new_parts = [inv]
    rate = ctx.cfg["patents"]["invention_lapse_rate"]
    for area in ctx.cfg["areas"]:
        for year in ctx.years[1:]:
            frame = pd.concat(new_parts, ignore_index=True)
            alive = (frame["_area"] == area) & frame["lapse_date"].isna()
            pool = frame.index[alive].to_numpy()
            ends = frame.loc[pool, "application_date"] + pd.DateOffset(years=20)
            forced = pool[(ends.dt.year == year).to_numpy()]
            previous, target = targets.loc[year - 1, area], targets.loc[year, area]
            n_lapse = max(int(round(rate * previous)), len(forced), previous - target)
            others = ctx.rng.permutation(np.setdiff1d(pool, forced))[: n_lapse - len(forced)]
            lapse_dates = pd.Series(ctx.days_in_year(np.full(len(others), year)).to_numpy(), index=others)
            lapse_dates = lapse_dates.where(lapse_dates > frame.loc[others, "grant_date"], pd.Timestamp(year, 12, 30))
            frame.loc[others, "lapse_date"] = lapse_dates
            frame.loc[forced, "lapse_date"] = ends.loc[forced] - pd.Timedelta(days=1)
            n_new = target - previous + n_lapse
            new = pd.DataFrame(
                {
                    "_kind": "invention",
                    "_grant_year": year,
                    "_area": area,
                    "grant_date": ctx.days_in_year(np.full(n_new, year)),
                    "lapse_date": pd.NaT,
                }
            )
            new["application_date"] = _avoid_year_boundary(new["grant_date"] - _lags(ctx, new["_kind"].to_numpy()))
            new_parts = [frame, new]
    return pd.concat(new_parts, ignore_index=True)


def _pending_inventions(ctx: Context) -> pd.DataFrame:
    cfg = ctx.cfg["patents"]
    years = labels([(cfg["pending_from"] + i, n * ctx.scale) for i, n in enumerate(cfg["pending"])]).astype(int)
    frame = pd.DataFrame(
        {
            "_kind": "invention",
            "application_date": _avoid_year_boundary(ctx.days_in_year(years)),
            "grant_date": pd.NaT,
            "lapse_date": pd.NaT,
        }
    )
    frame["_area"] = ctx.areas_for(years, **_holder_weights(ctx))
    refused = ctx.rng.random(len(frame)) < cfg["refused_share"]
    frame["legal_status"] = np.where(refused, ctx.pick(["驳回", "撤回"], len(frame)), "审中")
    return frame


def _holder_weights(ctx: Context) -> dict[str, dict[str, float]]:
    shares = ctx.cfg["holder_shares"]
    return {"weights": shares["weights"], "tilt": shares["tilt"]}


def _other_lapses(ctx: Context, frame: pd.DataFrame) -> pd.Series:
    """Utility models and designs lapse for non-payment or at the end of their 10-year term."""
    rate = ctx.cfg["patents"]["utility_lapse_rate"]
    years = ctx.rng.geometric(rate, len(frame))
    drawn = frame["grant_date"] + pd.to_timedelta(years * 365 - ctx.rng.integers(0, 300, len(frame)), unit="D")
    term = frame["application_date"] + pd.DateOffset(years=10) - pd.Timedelta(days=1)
    lapse = drawn.where(drawn < term, term)
    return lapse.where(lapse <= END)


def _families(ctx: Context, pub_serial: pd.Series, foreign: np.ndarray, keep_domestic: np.ndarray) -> pd.Series:
    """Simple families: the CN member, with a WO member (a PCT filing) for the configured share of them, plus
    overseas members where `foreign`."""
    n = len(pub_serial)
    year = ctx.rng.integers(2012, 2025, n).astype(str)
    office = ctx.pick(ctx.cfg["places"]["foreign_offices"], n)
    number = ctx.rng.integers(100000, 999999, n).astype(str)
    overseas = (
        pd.Series(office, dtype=object)
        + pd.Series(np.where(office == "EP", "3", year), dtype=object)
        + number
        + np.where(office == "JP", "A", "A1")
    )
    cn = "CN" + pub_serial.astype(str) + "A"
    wo = "WO" + pd.Series(year, dtype=object) + number + "A1"
    domestic = cn.where(ctx.rng.random(n) >= ctx.cfg["patents"]["pct_share"], cn + SEP + wo)
    out = pd.Series(pd.NA, index=pub_serial.index, dtype=object)
    out[keep_domestic] = domestic[keep_domestic]
    out[foreign] = (cn + SEP + overseas)[foreign]
    return out


def _plan_high_value(ctx: Context, pat: pd.DataFrame) -> pd.Series:
    """Primary high-value criterion of each invention valid at the base year's end (exact total)."""
    cfg, base = ctx.cfg["patents"], ctx.cfg["base_year"]
    base_end = pd.Timestamp(base, 12, 31)
    valid = (pat["_kind"] == "invention") & (pat["grant_date"] <= base_end) & ~(pat["lapse_date"] <= base_end)
    old = pat["application_date"] < pd.Timestamp(base - 10, 12, 31)
    plan = pd.Series("", index=pat.index, dtype=object)
    plan[valid & old] = "age"
    primary = cfg["high_value_primary"]
    wanted = cfg["high_value_base"] * ctx.scale - int((valid & old).sum())
    if wanted < primary["pledge"] + primary["award"]:
        raise ValueError(f"patents: {int((valid & old).sum())} base-year valid inventions are already > 10 years old")
    young = pat.index[valid & ~old].to_numpy()
    early = young[(pat.loc[young, "_grant_year"] <= base - 4).to_numpy()]
    pledged = ctx.rng.choice(early, primary["pledge"], replace=False)
    rest = ctx.rng.permutation(np.setdiff1d(young, pledged))
    awarded = rest[(pat.loc[rest, "_grant_year"] < base).to_numpy()][: primary["award"]]
    rest = np.setdiff1d(rest, awarded)
    rest = ctx.rng.permutation(rest)[: wanted - len(pledged) - len(awarded)]
    n_family = int(round(len(rest) * primary["family_share"]))
    plan[pledged], plan[awarded] = "pledge", "award"
    plan[rest[:n_family]], plan[rest[n_family:]] = "family", "sei"
    plan[valid & ~old & (plan == "")] = "none"
    return plan


def build_patents(ctx: Context) -> pd.DataFrame:
    """Granted and pending patents of Heyuan holders, calibrated to the base-year stock and high-value count."""
    cfg = ctx.cfg["patents"]
    grants = _grants(ctx)
    inventions = _invention_stock(ctx, grants)
    others = grants[grants["_kind"] != "invention"].reset_index(drop=True)
    others["_area"] = ctx.areas_for(others["_grant_year"].to_numpy(), **_holder_weights(ctx))
    others["lapse_date"] = _other_lapses(ctx, others)
    pat = pd.concat([inventions, others, _pending_inventions(ctx)], ignore_index=True)
    pat = pat.sort_values(["application_date"], kind="stable").reset_index(drop=True)
    n = len(pat)
    kind = pat["_kind"].to_numpy()
    granted = pat["grant_date"].notna()
    pat["legal_status"] = pat["legal_status"].where(~granted, np.where(pat["lapse_date"].notna(), "失效", "有效"))
    pat["patent_type"] = [_TYPE_NAME[k] for k in kind]
    pat["application_no"] = application_numbers(ctx, pat["application_date"], np.array([_TYPE_DIGIT[k] for k in kind]))
    pub_serial = pd.Series([_TYPE_DIGIT[k] for k in kind], dtype=object) + ctx.rng.integers(
        10_000_000, 99_999_999, n
    ).astype(str)
    a_date = pat["application_date"] + pd.to_timedelta(ctx.rng.integers(90, 540, n), unit="D")
    pat["_a_date"] = a_date.where(kind == "invention").clip(upper=END)
    pat["_a_no"] = ("CN" + pub_serial + "A").where(kind == "invention")
    pat["publication_no"] = ("CN" + pub_serial + [_PUB_KIND[k] for k in kind]).where(granted, pat["_a_no"])
    pat["publication_date"] = pat["grant_date"].where(granted, pat["_a_date"])

    plan = _plan_high_value(ctx, pat)
    pat["_hv_plan"] = plan
    free = plan.isin(["", "age"]).to_numpy()
    roll = ctx.rng.random(n)
    sei = (plan == "sei").to_numpy() | (free & (roll < cfg["other_sei_share"]) & (kind != "design"))
    foreign = (plan == "family").to_numpy() | (free & (kind == "invention") & (roll > 1 - cfg["other_family_share"]))
    pat["ipc_main"] = np.where(
        sei, ctx.pick(ctx.cfg["places"]["ipc_sei"], n), ctx.pick(ctx.cfg["places"]["ipc_other"], n)
    )
    pat.loc[kind == "design", "ipc_main"] = pd.NA
    pat["sei_class"] = sei_category(pat["ipc_main"], ctx.concordance)
    domestic = (kind == "invention") & (ctx.rng.random(n) < 0.6)
    pat["family"] = _families(ctx, pub_serial, foreign, domestic)

    areas = pat["_area"].to_numpy()
    pat["applicant"] = places.holders(ctx, n)
    co = ctx.rng.random(n) < cfg["co_applicant_share"]
    pat.loc[co, "applicant"] = pat.loc[co, "applicant"] + SEP + places.company_names(ctx, int(co.sum())).to_numpy()
    first = pat["applicant"].str.split(SEP).str[0]
    changed = ctx.rng.random(n) < cfg["current_holder_change"]
    pat["current_holder"] = first.where(~changed, places.company_names(ctx, n))
    pat["address"] = places.addresses(ctx, areas)
    pat["county"] = places.county_cells(ctx, areas)
    pat["_title"] = "一种" + pd.Series(ctx.pick(ctx.cfg["places"]["things"], n), dtype=object)
    pat["pledge_count"] = 0
    return _place_hostile(ctx, pat, "patents", "applicant")


def _place_hostile(ctx: Context, frame: pd.DataFrame, source: str, field: str) -> pd.DataFrame:
    """A few valid rows whose text is hostile (script tags, spreadsheet formulas): kept as text downstream."""
    count = ctx.cfg["hostile_rows"].get(source, 0)
    rows = ctx.rng.choice(len(frame), count, replace=False)
    texts = ctx.cfg["hostile_text"]
    for i, row in enumerate(rows):
        frame.iloc[row, frame.columns.get_loc(field)] = texts[i % len(texts)]
    return frame


def valid_inventions(patents: pd.DataFrame, when: pd.Timestamp) -> pd.Series:
    """Mask of invention patents granted and not lapsed at `when` (the contract's definition)."""
    return (patents["_kind"] == "invention") & (patents["grant_date"] <= when) & ~(patents["lapse_date"] <= when)


def build_patent_awards(ctx: Context, patents: pd.DataFrame) -> pd.DataFrame:
    """中国专利奖 go to valid inventions (the base year's to the one planned for it), 广东专利奖 to granted patents."""
    rows = []
    planned = list(patents.index[patents["_hv_plan"] == "award"])
    for year, awards in sorted(ctx.cfg["patent_awards"]["awards"].items()):
        when = pd.Timestamp(year - 1, 12, 31)
        for award in awards:
            national = award.startswith("中国")
            if national and year <= ctx.cfg["base_year"]:
                row = planned.pop(0)
            else:
                pool = (
                    valid_inventions(patents, when)
                    if national
                    else (patents["grant_date"] <= when) & ~(patents["lapse_date"] <= when)
                )
                pool &= patents["_hv_plan"].isin(["", "age"]) | (year > ctx.cfg["base_year"])
                row = ctx.rng.choice(patents.index[pool])
            rows.append(
                {
                    "year": year,
                    "award": award,
                    "patent_no": patents.at[row, "application_no"],
                    "title": patents.at[row, "_title"],
                    "holder": patents.at[row, "current_holder"],
                    "_area": patents.at[row, "_area"],
                }
            )
    frame = pd.DataFrame(rows)
    frame["patent_no"] = "ZL" + frame["patent_no"]
    return _place_hostile(ctx, frame, "patent_awards", "title")


def _trademark_numbers(ctx: Context, app_dates: pd.Series) -> pd.Series:
    anchors = {1995: 800_000, 2005: 4_500_000, 2010: 8_500_000, 2015: 17_000_000, 2020: 48_000_000, 2025: 82_000_000}
    frac = app_dates.dt.year + app_dates.dt.dayofyear / 366
    base = np.interp(frac, list(anchors), list(anchors.values())).astype(np.int64)
    numbers = pd.Series(base + ctx.rng.integers(0, 40_000, len(base)), index=app_dates.index)
    while numbers.duplicated().any():
        numbers[numbers.duplicated()] += 1
    return numbers.astype(str)


def _fmt_cn(dates: pd.Series) -> pd.Series:
    return dates.dt.year.astype(str) + "年" + dates.dt.strftime("%m") + "月" + dates.dt.strftime("%d") + "日"


def build_trademarks(ctx: Context) -> pd.DataFrame:
    """Register extract: registrations per year and area, older renewed marks and the real GI certification marks."""
    cfg = ctx.cfg["trademarks"]
    shares = ctx.cfg["holder_shares"]
    parts = []
    for offset, total in enumerate(cfg["registrations"]):
        year = cfg["registrations_from"] + offset
        counts = apportion(total * ctx.scale, ctx.area_shares(year, shares["weights"], shares["tilt"]))
        parts.append(pd.DataFrame({"_year": year, "_area": labels(dict(zip(ctx.cfg["areas"], counts, strict=True)))}))
    n_old = cfg["older_registrations"] * ctx.scale
    parts.append(
        pd.DataFrame(
            {
                "_year": ctx.rng.integers(1995, cfg["registrations_from"], n_old),
                "_area": ctx.pick(ctx.cfg["areas"], n_old, p=ctx.area_shares(2010, shares["weights"])),
            }
        )
    )
    tm = pd.concat(parts, ignore_index=True)
    n = len(tm)
    tm["registration_date"] = ctx.days_in_year(tm["_year"].to_numpy())
    tm["mark_type"] = np.where(ctx.rng.random(n) < cfg["collective_share"], "集体商标", "普通商标")
    tm["applicant"] = places.holders(ctx, n)
    collective = tm["mark_type"] == "集体商标"
    tm.loc[collective, "applicant"] = (
        pd.Series([ctx.area_names[a] for a in tm.loc[collective, "_area"]], dtype=object)
        + ctx.pick(ctx.cfg["places"]["mark_words"], int(collective.sum()))
        + "协会"
    ).to_numpy()
    words = ctx.cfg["places"]["mark_words"]
    tm["mark_name"] = ctx.pick(words, n) + pd.Series(ctx.pick(words + [""] * 8, n), dtype=object)
    tm["nice_class"] = ctx.rng.integers(1, 46, n).astype(str)
    tm["gi_flag"], tm["remarks"] = "否", pd.NA
    gi = pd.DataFrame(cfg["gi_marks"]).rename(
        columns={"name": "mark_name", "area": "_area", "holder": "applicant", "nice": "nice_class"}
    )
    gi["registration_date"] = pd.to_datetime(gi["registered"])
    gi["_year"] = gi["registration_date"].dt.year
    gi = gi.assign(mark_type="证明商标", gi_flag="是", remarks="地理标志证明商标", _town=gi["town"])
    tm = pd.concat([tm, gi.drop(columns=["registered", "town"])], ignore_index=True)
    n = len(tm)
    tm["application_date"] = tm["registration_date"] - pd.to_timedelta(ctx.rng.integers(270, 540, n), unit="D")
    start = tm["registration_date"].copy()
    end = start + pd.DateOffset(years=10) - pd.Timedelta(days=1)
    renew = ctx.rng.random(n) < cfg["renewal_share"]
    while ((end < END) & renew).any():
        again = (end < END) & renew
        start[again] = end[again] + pd.Timedelta(days=1)
        end[again] = start[again] + pd.DateOffset(years=10) - pd.Timedelta(days=1)
    tm["_term_end"] = end
    tm["term"] = _fmt_cn(start) + " 至 " + _fmt_cn(end)
    tm["status"] = np.where(end >= END, "注册", "无效")
    tm.loc[(ctx.rng.random(n) < cfg["cancelled_share"]) & (tm["gi_flag"] == "否"), "status"] = "已注销"
    tm["reg_no"] = _trademark_numbers(ctx, tm["application_date"])
    tm["address"] = places.addresses(ctx, tm["_area"].to_numpy())
    is_gi = tm["_town"].notna()
    tm.loc[is_gi, "address"] = "广东省河源市" + tm.loc[is_gi, "_area"].map(ctx.area_names) + tm.loc[is_gi, "_town"]
    tm = tm.drop(columns=["_town"]).sort_values("application_date", kind="stable").reset_index(drop=True)
    return _place_hostile(ctx, tm, "trademarks", "mark_name")


def build_copyright(ctx: Context) -> pd.DataFrame:
    """Works and software registrations per year and area (CAGR 2015→2020 = 9 %)."""
    cfg, shares = ctx.cfg["copyright"], ctx.cfg["holder_shares"]
    parts = []
    for offset, total in enumerate(cfg["registrations"]):
        year = cfg["registrations_from"] + offset
        counts = apportion(total * ctx.scale, ctx.area_shares(year, shares["weights"], shares["tilt"]))
        parts.append(pd.DataFrame({"_year": year, "_area": labels(dict(zip(ctx.cfg["areas"], counts, strict=True)))}))
    cr = pd.concat(parts, ignore_index=True)
    n = len(cr)
    cr["reg_date"] = ctx.days_in_year(cr["_year"].to_numpy())
    software = ctx.rng.random(n) < cfg["software_share"]
    national = ctx.rng.random(n) < cfg["national_works_share"]
    letters = {"文字": "A", "美术": "F", "摄影": "G", "影视": "I", "设计图": "J", "其他": "L"}
    category = ctx.pick(list(letters), n, p=[0.2, 0.45, 0.15, 0.05, 0.05, 0.1])
    cr["category"] = np.where(software, "计算机软件", category)
    year = cr["_year"].astype(str)
    serial = pd.Series(unique_serials(ctx, n, 900_000), dtype=np.int64)
    works_no = (
        np.where(national, "国作登字-", "粤作登字-")
        + year
        + "-"
        + pd.Series([letters.get(c, "L") for c in category], dtype=object)
        + "-"
        + (serial + 100_000 * national).astype(str).str.zfill(8)
    )
    cr["reg_no"] = np.where(software, year + "SR" + serial.astype(str).str.zfill(7), works_no)
    cr["authority"] = np.where(~software & ~national, "广东省版权局", "中国版权保护中心")
    words = ctx.cfg["places"]["work_words"]
    suffix = np.where(
        software,
        ctx.pick(["管理系统V1.0", "监测平台V2.0", "小程序V1.0", "数据分析软件V1.0"], n),
        ctx.pick(["", "系列插画", "摄影集", "宣传片", "文创设计"], n),
    )
    cr["title"] = ctx.pick(words, n) + pd.Series(suffix, dtype=object)
    cr["owner"] = places.holders(ctx, n)
    cr["address"] = places.addresses(ctx, cr["_area"].to_numpy())
    cr = cr.sort_values("reg_date", kind="stable").reset_index(drop=True)
    return _place_hostile(ctx, cr, "copyright", "title")


def build_pledges(ctx: Context, patents: pd.DataFrame, trademarks: pd.DataFrame) -> pd.DataFrame:
    """Pledge registrations: the plan's 2016–2020 history and the configured 2021+ sums, one row per right.

    Up to the base year a pledge at or above the threshold per patent only takes patents already planned
    as high-value (or non-inventions), so the base year's high-value count stays exact.
    """
    cfg, base = ctx.cfg["pledges"], ctx.cfg["base_year"]
    registrations = [(y, a) for y, amounts in sorted(cfg["history"].items()) for a in amounts]
    for year in sorted(cfg["future_sum"]):
        weights = ctx.rng.dirichlet(np.full(cfg["future_count"][year], 2.0))
        registrations += [(year, int(a)) for a in apportion(cfg["future_sum"][year], weights)]
    planned = list(patents.index[patents["_hv_plan"] == "pledge"])
    grant, lapse = patents["grant_date"].to_numpy(), patents["lapse_date"].to_numpy()
    patent_area, plan = patents["_area"].to_numpy(), patents["_hv_plan"].to_numpy()
    free_plan = np.isin(plan, ["", "age", "sei", "family"])
    dates = ctx.days_in_year(np.array([y for y, _ in registrations]))
    rows = []
    for serial, ((year, amount), date) in enumerate(zip(registrations, dates, strict=True)):
        area = ctx.pick(
            ctx.cfg["areas"], 1, p=ctx.area_shares(year, cfg["area_weights"], ctx.cfg["holder_shares"]["tilt"])
        )[0]
        as_trademark = ctx.rng.random() < cfg["trademark_share"] and not (planned and amount >= cfg["threshold_wan"])
        n_rights = 1 if planned and year <= base else int(ctx.pick(cfg["rights_per_registration"], 1)[0])
        high = amount / n_rights >= cfg["threshold_wan"]
        if as_trademark:
            pool = trademarks[(trademarks["registration_date"] <= date) & (trademarks["_term_end"] >= date)]
            chosen = pool.loc[ctx.rng.choice(pool.index, n_rights, replace=False)]
            rights, holder, address = chosen["reg_no"], chosen["applicant"], chosen["address"]
            right_type, reg_no = "商标", f"（{year}）商标质字第{serial + 101:05d}号"
        else:
            if high and year <= base and planned:
                picked = [planned.pop(0)]
            else:
                pool = (grant < date) & ~(lapse <= date)
                if high and year <= base:
                    pool &= free_plan
                if (pool & (patent_area == area)).sum() >= n_rights:
                    pool &= patent_area == area
                picked = patents.index[ctx.rng.choice(np.flatnonzero(pool), n_rights, replace=False)]
            chosen = patents.loc[picked]
            rights, holder, address = chosen["application_no"], chosen["current_holder"], chosen["address"]
            right_type, reg_no = "专利", f"Y{year}44{serial + 1001:08d}"
        first = chosen.index[0]
        pledgee = ctx.pick(cfg["pledgees"], 1)[0]
        released = ctx.rng.random() < cfg["release_share"]
        release = date + pd.Timedelta(days=int(ctx.rng.integers(300, 1100)))
        for right in rights:
            rows.append(
                {
                    "reg_no": reg_no,
                    "right_type": right_type,
                    "right_no": right,
                    "pledgor": holder[first],
                    "pledgor_address": address[first],
                    "pledgee": pledgee,
                    "effective_date": date,
                    "amount_wan": float(amount),
                    "release_date": release if released and release <= END else pd.NaT,
                    "_area": (patents if right_type == "专利" else trademarks).at[first, "_area"],
                }
            )
    if planned:
        raise ValueError("pledges: not enough high pledges up to the base year for the planned high-value patents")
    return pd.DataFrame(rows)

"""What a correct cleaner and indicator engine must get from the files, computed from the truth (never typed in)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.sample_data.context import SEP, Context
from helpers.sample_data.registries import sei_category, valid_inventions


def _year_end(year: int) -> pd.Timestamp:
    return pd.Timestamp(year, 12, 31)


def _count_by_year(dates: pd.Series, years: list[int]) -> dict[int, int]:
    counts = dates.dt.year.value_counts()
    return {y: int(counts.get(y, 0)) for y in years}


def high_value(ctx: Context, truth: dict[str, pd.DataFrame], year: int) -> dict[str, int]:
    """Valid inventions at the end of `year` meeting each criterion, and meeting any (each patent once)."""
    patents = truth["patents"]
    valid = patents[valid_inventions(patents, _year_end(year))]
    pledges = truth["pledges"][truth["pledges"]["right_type"] == "专利"]
    per_patent = pledges.groupby("reg_no")["amount_wan"].transform("first") / pledges.groupby("reg_no")[
        "right_no"
    ].transform("size")
    high = pledges[(per_patent >= ctx.cfg["pledges"]["threshold_wan"]) & (pledges["effective_date"].dt.year <= year)]
    awards = truth["patent_awards"]
    national = awards[awards["award"].str.startswith("中国") & (awards["year"] <= year)]["patent_no"].str.removeprefix(
        "ZL"
    )
    offices = valid["family"].fillna("").str.split(SEP).map(lambda members: {m[:2] for m in members if m})
    criteria = {
        "sei": sei_category(valid["ipc_main"], ctx.concordance).notna() | valid["sei_class"].notna(),
        "overseas_family": offices.map(lambda codes: bool(codes - {"CN", "WO"})),
        "maintained_10y": valid["application_date"] < pd.Timestamp(year - 10, 12, 31),
        "high_pledge": valid["application_no"].isin(high["right_no"]),
        "china_award": valid["application_no"].isin(national),
    }
    counts = {name: int(mask.sum()) for name, mask in criteria.items()}
    counts["any"] = int(np.logical_or.reduce([m.to_numpy() for m in criteria.values()]).sum())
    return counts


def _cagr(later: float, earlier: float, years: int) -> float:
    return ((later / earlier) ** (1 / years) - 1) * 100


def _satisfaction(survey: pd.DataFrame) -> dict[int, float]:
    out = {}
    for year, rows in survey.groupby("year"):
        weights = rows["weight"].fillna(1.0)
        out[int(year)] = round(float(np.average(rows["satisfaction"], weights=weights)), 4)
    return out


def _first_instance_kept(courts: pd.DataFrame, causes: frozenset[str], year: int) -> tuple[int, int]:
    """First-instance IP civil cases concluded in `year` (their 案由 a cause of the I11 catalogue), and of them
    those appealed (是否上诉, or named by a 二审 row)."""
    first = courts[(courts["procedure"] == "一审") & (courts["closed_date"].dt.year == year)]
    ip = first[first["cause"].isin(causes)]
    appealed = (ip["appealed"] == "是") | ip["case_no"].isin(courts["original_case_no"].dropna())
    return len(ip), int(appealed.sum())


def expectations(ctx: Context, truth: dict[str, pd.DataFrame], visitors: dict[int, int]) -> dict[str, object]:
    """Per-year city values of the simple quantities, and the calibrated base-year values of the plan."""
    years, base = ctx.years, ctx.cfg["base_year"]
    population = truth["population"]
    city_pop = population[population["_area"] == "441600"].set_index("year")["population_wan"]
    patents = truth["patents"]
    stock = {y: int(valid_inventions(patents, _year_end(y)).sum()) for y in years}
    stock_by_area = {
        y: {a: int(n) for a, n in patents[valid_inventions(patents, _year_end(y))].groupby("_area").size().items()}
        for y in years
    }
    hv = {y: high_value(ctx, truth, y) for y in years}
    copyright = _count_by_year(truth["copyright"]["reg_date"], list(range(base - 5, years[-1] + 1)))
    pledges = truth["pledges"].drop_duplicates("reg_no")
    pledge_sum = {
        y: round(float(pledges.loc[pledges["effective_date"].dt.year == y, "amount_wan"].sum()), 4)
        for y in range(base - 4, years[-1] + 1)
    }
    tm = truth["trademarks"]
    gi_marks = {
        y: int(
            (
                (tm["gi_flag"] == "是") & (tm["registration_date"] <= _year_end(y)) & (tm["_term_end"] > _year_end(y))
            ).sum()
        )
        for y in years
    }
    gi_output = truth["gi_output"].groupby("year")["output_yi"].sum().round(6)
    gi_products = {y: int((truth["gi_products"]["approval_date"] <= _year_end(y)).sum()) for y in years}
    assistance = truth["assistance_cases"]
    cases = assistance[assistance["case_type"].isin(["维权援助", "调解"])]
    enforcement = truth["enforcement_cases"]
    admin = enforcement[enforcement["category"].isin(["专利", "商标"])]
    copyright_cases = enforcement[enforcement["category"] == "版权"]
    court = {y: _first_instance_kept(truth["court_cases"], ctx.ip_causes, y) for y in years}
    nodes = truth["service_nodes"]

    def active(y: int, types: list[str]) -> pd.DataFrame:
        alive = (nodes["established_date"] <= _year_end(y)) & ~(nodes["revoked_date"] <= _year_end(y))
        return nodes[alive & nodes["node_type"].isin(types)]

    projects = truth["projects"]
    navigation = projects[
        (projects["column"] == 8) & (projects["project_type"] == "专利导航") & (projects["status"] == "完成")
    ]
    granted = patents["grant_date"].dt.year.between(base - 4, base)
    pct = patents["family"].fillna("").str.split(SEP).map(lambda members: any(m.startswith("WO") for m in members))
    pct_applied = pct & patents["application_date"].dt.year.between(base - 4, base)
    per_year = {
        "population_wan": {y: float(city_pop[y]) for y in years},
        "valid_invention_stock": stock,
        "valid_invention_stock_by_area": stock_by_area,
        "high_value_stock": {y: hv[y]["any"] for y in years},
        "high_value_by_criterion": hv,
        "I01": {y: round(stock[y] / city_pop[y], 4) for y in years},
        "I02": {y: round(hv[y]["any"] / city_pop[y], 4) for y in years},
        "I03_gi_marks": gi_marks,
        "copyright_registrations": copyright,
        "I04_cagr_percent": {y: round(_cagr(copyright[y], copyright[base], y - base), 4) for y in years[1:]},
        "I05_pledge_sum_wan": pledge_sum,
        "pledge_registrations": {y: int((pledges["effective_date"].dt.year == y).sum()) for y in pledge_sum},
        "I06_gi_output_yi": {y: float(gi_output.get(y, 0.0)) for y in years},
        "I07_assistance_mediation_closed": _count_by_year(cases["closed_date"].dropna(), years),
        "I08_patent_trademark_admin_closed": _count_by_year(admin["closed_date"], years),
        "I09_copyright_cases_closed": _count_by_year(copyright_cases["closed_date"], years),
        "I10_gi_products": gi_products,
        "I11_first_instance_ip_closed_appealed": {y: list(court[y]) for y in years},
        "I11_percent": {y: round((1 - court[y][1] / court[y][0]) * 100, 4) for y in years},
        "I12_visitors": {y: visitors.get(y, 0) for y in years},
        "I13_info_nodes_active": {y: len(active(y, ["信息公共服务节点", "信息公共服务网点"])) for y in years},
        "I14_satisfaction": _satisfaction(truth["survey"]),
        "workstation_counties": {y: int(active(y, ["维权援助工作站"])["_area"].nunique()) for y in years},
        "patent_navigation_completed": {y: int((navigation["completion_date"] <= _year_end(y)).sum()) for y in years},
    }
    per_year["pledge_sum_2021_2025_wan"] = round(sum(pledge_sum[y] for y in years[1:]), 4)
    per_year["patents_granted_2016_2020"] = int(granted.sum())
    per_year["pct_applications_2016_2020"] = int(pct_applied.sum())
    per_year["valid_trademarks"] = {
        y: int(((tm["registration_date"] <= _year_end(y)) & (tm["_term_end"] > _year_end(y))).sum()) for y in years
    }
    per_year["pledges_2016_2020"] = {
        "registrations": sum(per_year["pledge_registrations"][y] for y in range(base - 4, base + 1)),
        "sum_wan": round(sum(pledge_sum[y] for y in range(base - 4, base + 1)), 4),
    }
    city_2020 = {
        "I01": round(stock[base] / city_pop[base], 2),
        "I02": round(hv[base]["any"] / city_pop[base], 2),
        "I03": gi_marks[base],
        "I04": round(_cagr(copyright[base], copyright[base - 5], 5), 1),
        "I05": pledge_sum[base],
        "I06": round(float(gi_output.get(base, 0.0)), 2),
        "I09": per_year["I09_copyright_cases_closed"][base],
        "I10": gi_products[base],
        "population_wan": float(city_pop[base]),
        "valid_invention_stock": stock[base],
        "high_value_stock": hv[base]["any"],
    }
    return {"expected_city_2020": city_2020, "expected_city_per_year": per_year}

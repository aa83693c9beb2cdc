"""Synthetic official statistics (conf sample_data.yaml `official_stats`): the city's figures from the sample's own
expected values (a few moved beyond the cross-check's tolerance), its peers (areas.yaml `peers`) around them so that the
city's rank is known, the province and the nation, the real Guangdong figures of calibration.md, and the bad input
of the contract, each row with the outcome the cleaner must give it."""

from __future__ import annotations

from typing import Any

import numpy as np

from helpers.indicators.catalog import rounded
from helpers.sample_data.context import CITY, Context

SOURCE = "official_stats"
SPREAD = (0.45, 0.9, 1.1, 1.8)  # a peer's factor: lowest, highest below the city, lowest above it, highest
HEADER = ["指标", "地区", "年度", "数值", "单位", "出处", "口径说明"]


def _text(value: float, decimals: int, percent: bool = False) -> str:
    return f"{value:.{decimals}f}" + ("%" if percent else "")


def official_rows(ctx: Context, expected: dict[str, Any]) -> tuple[list[list[str]], list[str], dict[str, Any]]:
    """(rows, their outcomes, the expected ranks and cross-check gaps) of the official figures file."""
    cfg = ctx.cfg[SOURCE]
    conf = ctx.conf.read("official_stats")
    names = {c["code"]: c["name"] for c in conf["cities"]} | {conf["province"]["code"]: conf["province"]["name"],
                                                               conf["nation"]["code"]: conf["nation"]["name"]}
    peers = [code for code in ctx.peers if code != CITY]
    prefer = conf.get("prefer") or {}
    figures: dict[tuple[str, str, int], str] = {}
    rows, kinds = [], []
    peer_values: dict[tuple[str, int], tuple[float, dict[str, float]]] = {}

    def add(measure: str, area: str, year: int, text: str, document: str | None = None) -> None:
        document = document or cfg["document"].format(area=names[area], year=year, year1=year + 1)
        figures[(measure, area, year)] = text
        rows.append([measure, names[area], str(year), text, "", document, ""])
        kinds.append("clean")

    for measure, spec in cfg["measures"].items():
        order = ctx.rng.permutation(peers)
        above, tied = order[:spec["above"]], order[spec["above"]:spec["above"] + spec.get("tied", 0)]
        low, below, over, high = spec.get("spread", SPREAD)
        factors = {code: (ctx.rng.uniform(over, high) if code in above else 1.0 if code in tied
                          else ctx.rng.uniform(low, below)) for code in order}
        percent = bool(spec.get("percent"))
        for year in cfg["years"]:
            series = expected[spec["expected"]]
            computed = float(series[year] if year in series else series[str(year)])
            own = round(computed * cfg["moved"].get(measure, {}).get(year, 1.0), spec["decimals"])
            add(measure, CITY, year, _text(own, spec["decimals"], percent and year % 2 == 1))
            for code in order:
                add(measure, code, year, _text(own * factors[code], spec["decimals"]))
            for part in ("province", "nation"):
                if spec[part]:
                    value = spec[part] * (1 + spec.get("growth", 0)) ** (year - 2023)
                    add(measure, conf[part]["code"], year, _text(value, spec["decimals"]))
            # the city is ranked on the value its evaluation uses, as the report prints it (helpers.official.stage)
            ranked = own if prefer.get(measure) == "official" else float(rounded(computed, spec["decimals"]))
            peer_values[(measure, year)] = (ranked, {c: round(own * factors[c], spec["decimals"]) for c in order})
    for measure, area, year, value, document in cfg["real"]:
        key = (measure, area, year)
        at = next(i for i, row in enumerate(rows) if row[:3] == [measure, names[area], str(year)]) \
            if key in figures else None
        row = [measure, names[area], str(year), f"{value:g}", "", document, ""]
        if at is None:
            rows.append(row)
            kinds.append("clean")
        else:
            rows[at] = row
    for measure, area, year, value, document, outcome in cfg["dirt"]:
        code = next((c for c, n in names.items() if n == area), CITY)
        written = figures.get((measure, code, int(year)), "")
        number = float(written.rstrip("%")) if written else np.nan
        text = {"same": written, "ratio": f"{number / 100:.4g}", "other": f"{number * 1.1:.2f}"}.get(value, value)
        rows.append([measure, area, str(year), text, "", document, ""])
        kinds.append(outcome)
        if value in {"ratio", "other"}:  # kept, but the figure is flagged and not used
            peer_values.get((measure, int(year)), (0, {}))[1].pop(code, None)
    ranks: dict[str, dict[int, int]] = {}
    for (measure, year), (own, values) in peer_values.items():
        ranks.setdefault(measure, {})[year] = 1 + sum(value > own for value in values.values())
    beyond = [[m, y] for m, years in cfg["moved"].items() for y in years]
    return rows, kinds, {"ranks": ranks, "crosscheck_beyond": beyond}

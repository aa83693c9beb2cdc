"""Access log of the city's IP information website: nginx combined lines with visitors, bots, static
assets, errors, internal clients and proxied (X-Forwarded-For) requests, one file per year."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.sample_data.context import Context

_MONTHS = np.array(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"])
_CLOCK = np.array([f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400)], dtype=object)


@dataclass
class LogFile:
    name: str
    lines: list[str]
    kinds: list[str]
    gz: bool


def _public_ips(ctx: Context, n: int) -> pd.Series:
    octets = ctx.rng.integers(1, 255, (n, 3)).astype(str)
    first = pd.Series(ctx.pick(ctx.cfg["places"]["public_ip_prefixes"], n), dtype=str)
    return first + "." + octets[:, 0] + "." + octets[:, 1] + "." + octets[:, 2]


def build_requests(ctx: Context) -> pd.DataFrame:
    """One row per request: day, second, client, proxy header, path, status, user agent."""
    cfg = ctx.cfg["web_logs"]
    days = pd.date_range(cfg["from"], cfg["to"], freq="D")
    per_day = np.array(cfg["visitors_per_day"])[days.year - ctx.years[0]] * ctx.scale
    visitor_day = np.repeat(np.arange(len(days)), ctx.rng.poisson(per_day))
    n_vis = len(visitor_day)
    ip = _public_ips(ctx, n_vis).to_numpy()
    agent = ctx.pick(cfg["agents"], n_vis)
    start = ctx.rng.integers(7 * 3600, 23 * 3600, n_vis)
    pages = ctx.pick(cfg["pages_per_visitor"], n_vis).astype(int)
    visit = np.repeat(np.arange(n_vis), pages)
    n = len(visit)
    second = np.minimum(start[visit] + ctx.rng.integers(0, 900, n), 86399)
    path = ctx.pick(cfg["paths"], n)
    status = np.where(ctx.rng.random(n) < 0.1, 304, 200)
    error = ctx.rng.random(n) < cfg["error_share"]
    status[error] = ctx.pick([404, 500], int(error.sum()))
    path[error & (status == 404)] = ctx.pick(cfg["missing"], int((error & (status == 404)).sum()))
    pages_frame = pd.DataFrame(
        {
            "day": visitor_day[visit],
            "second": second,
            "client": ip[visit],
            "agent": agent[visit],
            "path": path,
            "status": status,
        }
    )
    static = pages_frame[ctx.rng.random(n) < cfg["static_per_page"]].copy()
    static["path"] = ctx.pick(cfg["static"], len(static))
    static["second"] = np.minimum(static["second"] + 1, 86399)
    static["status"] = 200

    def noise(per_day_count: float, clients: np.ndarray | None, agents: list[str]) -> pd.DataFrame:
        m = int(ctx.rng.poisson(per_day_count * len(days)))
        return pd.DataFrame(
            {
                "day": ctx.rng.integers(0, len(days), m),
                "second": ctx.rng.integers(0, 86400, m),
                "client": _public_ips(ctx, m).to_numpy() if clients is None else ctx.pick(clients, m),
                "agent": ctx.pick(agents, m),
                "path": ctx.pick(cfg["paths"], m),
                "status": 200,
            }
        )

    frame = pd.concat(
        [
            pages_frame,
            static,
            noise(cfg["bot_lines_per_day"], None, cfg["bots"]),
            noise(cfg["internal_lines_per_day"], np.array(ctx.cfg["places"]["internal_ips"]), cfg["agents"]),
        ],
        ignore_index=True,
    )
    frame["date"] = days[frame["day"].to_numpy()]
    frame = frame.sort_values(["day", "second"], kind="stable").reset_index(drop=True)
    proxied = (frame["date"].dt.year >= cfg["xff_field_from"]).to_numpy() & (
        ctx.rng.random(len(frame)) < cfg["xff_share"]
    )
    proxy = ctx.cfg["places"]["proxy_ip"]
    frame["xff"] = np.where(proxied, frame["client"] + ", " + proxy, "-")
    frame["remote"] = np.where(proxied, proxy, frame["client"])
    return frame


def _lines(ctx: Context, frame: pd.DataFrame, with_xff: bool) -> pd.Series:
    dates = frame["date"]
    stamp = (
        dates.dt.day.astype(str).str.zfill(2)
        + "/"
        + _MONTHS[dates.dt.month.to_numpy() - 1]
        + "/"
        + dates.dt.year.astype(str)
        + ":"
        + _CLOCK[frame["second"].to_numpy()]
        + " +0800"
    )
    size = np.where(frame["status"] == 304, 0, ctx.rng.integers(300, 60000, len(frame))).astype(str)
    referer = ctx.pick(["-", "https://www.baidu.com/", "http://zscq.heyuan.gov.cn/"], len(frame), p=[0.5, 0.3, 0.2])
    method = np.where(frame["path"].str.contains("search"), "POST", "GET")
    line = (
        frame["remote"]
        + " - - ["
        + stamp
        + '] "'
        + method
        + " "
        + frame["path"]
        + ' HTTP/1.1" '
        + frame["status"].astype(str)
        + " "
        + size
        + ' "'
        + referer
        + '" "'
        + frame["agent"]
        + '"'
    )
    return line + ' "' + frame["xff"] + '"' if with_xff else line


def render_logs(ctx: Context, frame: pd.DataFrame) -> list[LogFile]:
    """One file per year (gzipped for the configured years), unparseable lines inserted at random places."""
    cfg = ctx.cfg["web_logs"]
    years = frame["date"].dt.year
    files = []
    for year in sorted(years.unique()):
        part = frame[years == year]
        lines = _lines(ctx, part, year >= cfg["xff_field_from"]).tolist()
        gz = int(year) in cfg["gzip_years"]
        name = f"{ctx.cfg['file_prefix']}web_logs_access_{year}.log{'.gz' if gz else ''}"
        files.append(LogFile(name, lines, ["clean"] * len(lines), gz))
    bad = ctx.cfg["extras"]["web_logs"]["rejected"]["bad_log_line"]
    for _ in range(bad):
        target = files[int(ctx.rng.integers(len(files)))]
        at = int(ctx.rng.integers(0, len(target.lines) + 1))
        target.lines.insert(at, ctx.pick(ctx.cfg["bad_values"]["bad_log_line"], 1)[0])
        target.kinds.insert(at, "rejected:bad_log_line")
    return files


def visitors_per_year(ctx: Context, frame: pd.DataFrame) -> dict[int, int]:
    """I12 by the evaluation method: distinct (client, agent) per day after the filters, summed per year."""
    rules = ctx.cfg["web_logs"]["filters"]
    agent_ok = ~frame["agent"].str.contains("|".join(map(re.escape, rules["agents"])), case=False, regex=True)
    path_ok = ~frame["path"].str.lower().str.endswith(tuple(rules["static_suffixes"]))
    status_ok = frame["status"].between(200, 299) | (frame["status"] == 304)
    client = frame["xff"].where(frame["xff"] != "-", frame["remote"]).str.split(",").str[0].str.strip()
    internal = client.str.match(rules["internal_pattern"])
    kept = frame[agent_ok & path_ok & status_ok & ~internal].assign(client=client)
    daily = kept.drop_duplicates(["date", "client", "agent"])
    return {int(y): int(n) for y, n in daily.groupby(daily["date"].dt.year).size().items()}

"""The report's sections as HTML, in the order of a third-party assessment. Each method returns an object
the notebook displays; every text that comes from data passes through Jinja's autoescaping."""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd
from IPython.display import HTML
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from helpers import areas, charts, config
from helpers.cleaning.run import OUTCOMES
from helpers.indicators.catalog import Indicator, load_plan
from helpers.report import data as report_data
from helpers.report import findings
from helpers.report.findings import number, percent

_ENV = Environment(loader=PackageLoader("helpers.report", "templates/sections"),
                   autoescape=select_autoescape(default=True, default_for_string=True), trim_blocks=True,
                   lstrip_blocks=True)


SUMMARY_KEY = "heyuan_report_summary"  # the summary output's metadata: status counts for the site index


@dataclass(frozen=True)
class Cell:
    """One table cell: text, an optional CSS class and colour (a status)."""

    text: str
    css: str = ""
    color: str = ""


def _status_cell(key: str) -> Cell:
    style = report_data.statuses()[key]
    return Cell(f"{style['symbol']} {style['label']}", f"status status-{key}", style["color"])


class Report:
    """One (year, area) report. `Report.load(...)` then call the sections in order; each displays itself."""

    def __init__(self, data: report_data.ReportData) -> None:
        self.data = data
        self._rows = data.evaluation.set_index(["indicator", "area_code"], drop=False)
        self._tables = 0
        self._figures = 0

    @classmethod
    def load(cls, processed_dir: Path | str, year: int | None = None, area_code: str | None = None) -> Report:
        return cls(report_data.load(processed_dir, year, area_code))

    # ------------------------------------------------------------------ building blocks
    def _render(self, template: str, metadata: dict | None = None, **context: object) -> HTML:
        return HTML(_ENV.get_template(f"{template}.html.j2").render(**context), metadata=metadata)

    def _table(self, caption: str, columns: dict[str, float], rows: list[list[Cell | str]], css: str = "") -> Markup:
        """A numbered table; `columns` maps each heading to its width in percent (fixed layout prints fast)."""
        self._tables += 1
        cells = [[c if isinstance(c, Cell) else Cell(str(c)) for c in row] for row in rows]
        html = _ENV.get_template("table.html.j2").render(number=self._tables, caption=caption, columns=list(columns),
                                                          widths=list(columns.values()), rows=cells, css=css)
        return Markup(html)

    def _figure(self, figure: charts.Figure, caption: str) -> Markup:
        self._figures += 1
        png = base64.b64encode(charts.png(figure)).decode("ascii")
        return Markup(_ENV.get_template("figure.html.j2").render(number=self._figures, caption=caption, png=png))

    @property
    def title(self) -> str:
        return report_title(self.data.year)

    def _indicators(self, category: str | None = None) -> list[Indicator]:
        return [i for i in self.data.plan.indicators if category is None or i.category == category]

    def _row(self, indicator: str, area: str | None = None) -> pd.Series:
        """The evaluation row of one indicator and area (this report's area by default)."""
        return self._rows.loc[(indicator, area or self.data.area_code)]

    def toc(self) -> list[tuple[str, str]]:
        domains = config.load("report")["domains"]
        entries = [("summary", "摘要"), ("scope", "一、评估说明"), ("indicators", "二、主要指标完成情况"),
                   ("domains", "三、分领域评估")]
        entries += [(f"domain-{n}", f"（{_chinese(n)}）{d['heading']}") for n, d in enumerate(domains, start=1)]
        entries += [("flagship", "四、重点工程（专栏）进展"), ("problems", "五、存在的问题"),
                    ("recommendations", "六、对策建议"), ("appendix", "附录")]
        return entries

    # ------------------------------------------------------------------ sections
    def cover(self) -> HTML:
        d = self.data
        settings = config.load("report")
        return self._render(
            "cover", synthetic=d.synthetic, banner=settings["synthetic_banner"], plan_title=d.plan.title,
            title=self.title, area_name=d.area_name, area_code=d.area_code, year=d.year,
            elapsed=d.year - d.plan.base_year, tau=percent(d.tau), cutoff=d.cutoff,
            version=d.version, assessor=settings["assessor"],
            generated=_local_time(datetime.now().astimezone().isoformat()), toc=self.toc())

    def summary(self) -> HTML:
        d = self.data
        head = findings.headline(d)
        statuses = report_data.statuses()
        risks = [{"symbol": statuses[r["status"]]["symbol"], "label": r["status_label"],
                  "color": statuses[r["status"]]["color"], "text": findings.indicator_sentence(d, r)}
                 for _, r in findings.risks(d).iterrows()]
        total = sum(head.counts.values()) or 1
        bar = [{**statuses[k], "count": n, "share": round(100 * n / total, 2)} for k, n in head.counts.items() if n]
        facts = {SUMMARY_KEY: {"counts": head.counts, "cutoff": d.cutoff, "version": d.version}}
        return self._render("summary", metadata=facts, headline=head.sentence, bar=bar,
                            risks=risks, flagship=self._flagship_sentence() if d.is_city else "",
                            data_sentence=self._data_sentence())

    def _data_sentence(self) -> str:
        files = self.data.account("files")
        broken = int((files["status"] != "ok").sum()) if not files.empty else 0
        totals = self.data.rows_by_source().sum()
        text = (f"本次评估读取{len(files)}个数据文件共{totals['rows_in']:,}行，有效记录{totals['clean']:,}行，"
                f"重复{totals['duplicate']:,}行，剔除{totals['rejected']:,}行，不在评估范围内{totals['out_of_scope']:,}行")
        return text + (f"；{broken}个文件无法读取，详见附录一。" if broken else "；详见附录一。")

    def _flagship_sentence(self) -> str:
        flagship = self.data.flagship
        met = int((flagship["status"] == "met").sum())
        behind = flagship[flagship["status"].isin(config.load("report")["risk_statuses"])]
        text = f"{len(flagship)}项重点工程量化目标中已完成{met}项"
        if len(behind):
            text += "，" + "、".join(f"“{n}”" for n in behind["name"]) + "进展滞后"
        return text + "。"

    def scope(self) -> HTML:
        d = self.data
        thresholds = config.load("evaluation")["thresholds"]
        per_source = d.rows_by_source()
        files = d.account("files").groupby("source").size()
        used = {s: "、".join(i.id for i in d.plan.indicators if s in i.sources) for s in per_source.index}
        rows = [[findings.source_title(s), str(files.get(s, 0)), f"{r['rows_in']:,}", f"{r['clean']:,}",
                 f"{r['rejected']:,}", used[s] or "专栏"] for s, r in per_source.iterrows()]
        missing = [s for s in d.manifest.get("missing_sources") or [] if s in d.sources]
        rows += [[findings.source_title(s), "0", "—", "—", "—", "未提供"] for s in missing]
        columns = {"数据来源": 30, "文件数": 9, "读入行数": 13, "有效行数": 13, "剔除行数": 11, "用于指标": 24}
        table = self._table("数据来源与读取情况", columns, rows, css="numbers")
        return self._render(
            "scope", plan_title=d.plan.title, base_year=d.plan.base_year, target_year=d.plan.target_year,
            area_name=d.area_name, year=d.year, indicator_count=len(d.plan.indicators),
            flagship_count=len(d.plan.flagship), is_city=d.is_city, cutoff=d.cutoff, sources_table=table,
            table_label=f"表{self._tables}", span=d.plan.target_year - d.plan.base_year, tau=percent(d.tau),
            on_track=thresholds["on_track"], lagging=thresholds["lagging"])

    def indicators(self) -> HTML:
        d = self.data
        decimals = {i.id: i.decimals for i in d.plan.indicators}
        if d.is_city:
            columns = {"序号": 5, "指标": 25, "单位": 7, f"基期值（{d.plan.base_year}）": 9,
                       f"目标值（{d.plan.target_year}）": 10, f"{d.year}年实际": 9, "目标完成度": 8, "序时进度": 7,
                       "进度比 r": 7, "状态": 13}
        else:
            columns = {"序号": 5, "指标": 25, "单位": 7, f"{d.plan.base_year}年": 9, f"{d.year}年实际": 9,
                       "全市目标": 10, "占全市比重": 8, "县区排名": 7, "进度比 r": 7, "状态": 13}
        rows = []
        info = areas.load()
        for n, (_, r) in enumerate(d.own.iterrows(), start=1):
            places = decimals[r["indicator"]]
            if d.is_city:
                cells = [str(n), r["name"], r["unit"], _base_text(r, places),
                         _target_text(r, places), number(r["value"], places), percent(r["completion"]),
                         percent(r["tau"]), number(r["ratio"], 2), _status_cell(r["status"])]
            else:
                rank = "—" if math.isnan(r["county_rank"]) else f"{int(r['county_rank'])}/{len(info.county_codes)}"
                cells = [str(n), r["name"], r["unit"], number(r["base_data"], places),
                         number(r["value"], places), _target_text(self._row(r["indicator"], areas.load().city_code),
                                                                  places),
                         percent(r["county_share"], 1), rank, number(r["ratio"], 2), _status_cell(r["status"])]
            rows.append(cells)
        table = self._table(f"{d.area_name}{d.year}年主要指标完成情况", columns, rows, css="indicators numbers")
        intro = findings.headline(d).sentence
        return self._render("indicators", intro=intro, table=table, notes=self._indicator_notes())

    def _indicator_notes(self) -> list[str]:
        d = self.data
        notes = ["注：目标值前的“≥”表示下限目标；“—”表示无数据或不适用。状态以符号和文字同时标示，黑白打印亦可辨识。"]
        if d.is_city:
            rebased = d.own.dropna(subset=["base_rebased"])
            basis = d.plan.settings.get("population_rebase", {}).get("basis", "")
            for _, r in rebased.iterrows():
                places = next(i.decimals for i in d.plan.indicators if i.id == r["indicator"])
                notes.append(f"注：{r['name']}的规划基期值{number(r['base_plan'], places)}以普查前人口口径计算；"
                             f"按{basis}折算，基期值为{number(r['base_rebased'], places)}{r['unit']}。"
                             f"人口口径调整不应被视为指标进展。")
        else:
            notes.append("注：规划只设定全市目标。人均与比率类指标直接与全市目标比较；总量类指标未分解到县（区），"
                         "标为“无分解目标”，只报告占全市比重和排名；市级指标不作县（区）评估。")
        return notes

    def domain(self, number_: int) -> HTML:
        """三、分领域评估, subsection `number_` (1-based, in the order of conf/base/report.yaml `domains`)."""
        d = self.data
        spec = config.load("report")["domains"][number_ - 1]
        indicators = self._indicators(spec["category"])
        sentences = [findings.indicator_sentence(d, self._row(i.id)) for i in indicators]
        figures = []
        for kind in spec["charts"]:
            figure = getattr(self, f"_chart_{kind}")(indicators, spec["heading"])
            if figure is not None:
                figures.append(figure)
        return self._render("domain", first=number_ == 1, anchor=f"domain-{number_}", number=_chinese(number_),
                            heading=spec["heading"], sentences=sentences, figures=figures)

    def domains(self) -> list[HTML]:
        return [self.domain(n) for n in range(1, len(config.load("report")["domains"]) + 1)]

    def _chart_trajectory(self, indicators: list[Indicator], heading: str) -> Markup | None:
        d = self.data
        panels = []
        for ind in indicators:
            row = self._row(ind.id)
            history = d.history(ind.id)
            if row["status"] == "city_only" or history.dropna().empty:
                continue
            base = row["base_data"] if not math.isnan(row["base_data"]) else (ind.base if d.is_city else None)
            target = None if math.isnan(row["target"]) else float(row["target"])
            panels.append(charts.Trajectory(ind.name, ind.unit, history, d.plan.base_year, d.plan.target_year,
                                            base, target, ind.kind))
        if not panels:
            return None
        return self._figure(charts.trajectories(panels), f"{d.area_name}{heading}指标走势与序时进度路径")

    def _chart_counties(self, indicators: list[Indicator], heading: str) -> Markup | None:
        d = self.data
        info = areas.load()
        panels = []
        for ind in indicators:
            if ind.county == "city_only":
                continue
            values = pd.Series({info.names[c]: self._row(ind.id, c)["value"] for c in info.county_codes})
            if values.dropna().empty:
                continue
            reference = ind.target if ind.county == "rate" else None
            panels.append(charts.Comparison(ind.name, ind.unit, values, None if d.is_city else d.area_name,
                                            reference))
        if not panels:
            return None
        return self._figure(charts.comparisons(panels), f"{d.year}年各县（区）{heading}指标比较")

    def _chart_high_value(self, indicators: list[Indicator], heading: str) -> Markup | None:
        d = self.data
        table = d.assessed.high_value
        table = table[(table["area_code"] == d.area_code) & (table["year"] <= d.year)]
        if table.empty or not table["count"].sum():
            return None
        return self._figure(charts.criteria(table, "高价值发明专利认定条件"),
                            f"{d.area_name}高价值发明专利各认定条件计数（件，一件可满足多项）")

    def _chart_pledges(self, indicators: list[Indicator], heading: str) -> Markup | None:
        d = self.data
        pledge = next((i for i in indicators if i.compute == "sum_in_year" and i.params.get("table") == "pledges"),
                      None)
        if pledge is None:
            return None
        series = d.history(pledge.id)
        if series.dropna().empty:
            return None
        cumulative = next((f for f in d.plan.flagship if f.params.get("indicator") == pledge.id
                           and f.compute == "cumulative_since"), None)
        since, target = (None, None)
        if cumulative and d.is_city:
            since, target = cumulative.params.get("since"), cumulative.target
        return self._figure(charts.bars_by_year(series, pledge.name, pledge.unit, cumulative_from=since,
                                                cumulative_target=target),
                            f"{d.area_name}{pledge.name}（{pledge.unit}）" + ("及累计进展" if since else ""))

    def _chart_visitors(self, indicators: list[Indicator], heading: str) -> Markup | None:
        d = self.data
        visitors = next((i for i in indicators if i.compute == "web_visitors"), None)
        if visitors is None or not d.is_city:
            return None
        months = d.visitors_by_month()
        if not months.sum():
            return None
        return self._figure(charts.months(months, f"{d.year}年网站访问量（按月）", "人次"),
                            f"{d.year}年知识产权信息公共服务网站访问量（按月，人次）")

    def flagship(self) -> HTML:
        d = self.data
        rows = []
        for _, r in d.flagship.iterrows():
            item = next(f for f in d.plan.flagship if f.id == r["id"])
            places = d.plan.indicator(item.params["indicator"]).decimals if item.compute == "same_as" else 0
            rows.append([f"专栏{r['column']}", r["name"], r["unit"], number(r["target"], places),
                         number(r["value"], places), percent(r["reached"]), percent(r["tau"]),
                         _status_cell(r["status"])])
        columns = {"专栏": 8, "目标": 30, "单位": 10, "目标值": 10, f"{d.year}年进展": 10, "完成比例": 9, "序时进度": 9,
                   "状态": 14}
        table = self._table(f"重点工程（专栏）量化目标{d.year}年进展", columns, rows, css="numbers")
        intro = ("规划各专栏中可量化的目标如下表；“完成比例”为当前进展与目标之比，与序时进度比较判定状态。"
                 if d.is_city else
                 f"重点工程目标为全市目标，下表为全市进展，供{d.area_name}对照；县（区）层面的落实情况见前文各指标。")
        return self._render("flagship", intro=intro, table=table,
                            sentences=[self._flagship_sentence()] if d.is_city else [])

    def conclusions(self) -> HTML:
        """五、存在的问题 and 六、对策建议, from the evaluation and the rules in conf/base/report.yaml."""
        return self._render("conclusions", problems=findings.problems(self.data),
                            recommendations=findings.recommendations(self.data))

    def appendix(self) -> HTML:
        d = self.data
        labels = config.load("cleaning")
        per_source = d.rows_by_source()
        balanced = bool((per_source["rows_in"] == per_source[OUTCOMES].sum(axis=1)).all())
        rec_rows = [[findings.source_title(s)] + [f"{v:,}" for v in r.to_numpy()] for s, r in per_source.iterrows()]
        totals = per_source.sum()
        rec_rows.append([Cell("合计", "total")] + [Cell(f"{v:,}", "total") for v in totals.to_numpy()])
        columns = {"数据来源": 35, "读入": 13, "有效": 13, "重复": 13, "剔除": 13, "范围外": 13}
        reconciliation = self._table("各数据来源的记录去向（行）", columns, rec_rows, css="numbers")
        reasons = d.account("reasons")
        not_kept = reasons[reasons["outcome"] != "duplicate"]
        by_reason = not_kept.groupby("reason", sort=False).agg(rows=("rows", "sum"), sources=("source", "unique"))
        by_reason = by_reason.sort_values("rows", ascending=False)
        reasons_table = self._table("剔除与范围外记录的原因", {"原因": 38, "行数": 12, "涉及的数据来源": 50},
                                    [[labels["reasons"].get(r, r), f"{row['rows']:,}",
                                      Cell("、".join(findings.source_title(s) for s in row["sources"]), "text")]
                                     for r, row in by_reason.iterrows()], css="numbers") if len(by_reason) else None
        files = d.account("files")
        broken = files[files["status"] != "ok"] if not files.empty else files
        broken_table = self._table("无法读取的文件", {"数据来源": 22, "文件": 38, "原因": 40},
                                   [[findings.source_title(r["source"]), r["file"], r["message"]]
                                    for _, r in broken.iterrows()]) if len(broken) else None
        warnings = d.account("warnings")
        warned = warnings.groupby(["source", "warning"], sort=False)["rows"].sum() if not warnings.empty else []
        warnings_table = self._table("保留但需说明的记录", {"数据来源": 30, "说明": 55, "行数": 15},
                                     [[findings.source_title(s), labels.get("warnings", {}).get(w, w), f"{n:,}"]
                                      for (s, w), n in warned.items()], css="numbers") if len(warned) else None
        return self._render(
            "appendix", balance="全部平衡" if balanced else "存在不平衡，请检查", reconciliation_table=reconciliation,
            reasons_table=reasons_table, broken_table=broken_table, warnings_table=warnings_table,
            method_notes=self._method_notes(), criteria_table=self._criteria_table(), area_name=d.area_name,
            year=d.year)

    def _criteria_table(self) -> Markup | None:
        d = self.data
        table = d.assessed.high_value
        table = table[(table["area_code"] == d.area_code) & (table["year"] == d.year)]
        if table.empty:
            return None
        return self._table("高价值发明专利认定条件计数", {"认定条件": 70, "件数": 30},
                           [[r["label"], f"{int(r['count']):,}"] for _, r in table.iterrows()], css="numbers")

    def _method_notes(self) -> list[str]:
        d = self.data
        settings = d.plan.settings
        notes = [
            f"数据截止日期 {d.cutoff} 为各来源中最晚的实际发生日期（商标专用权期限等预定日期不计）；"
            "登记类存量指标在截止日期所在年度之前视为完整。",
            "某数据来源缺失或当年没有任何记录时，相关指标记为“数据缺失”，不以 0 代替；"
            "来源覆盖当年而某地区无记录时记为 0。",
            f"高价值发明专利按规划注释认定，满足任一条件即计入：{'、'.join(settings['high_value']['criteria'].values())}；"
            f"质押金额条件以每个登记号金额按专利件数均分后不低于{settings['high_value']['pledge_threshold_wan']}万元计。",
            "网站访问量按日统计不同的（客户端地址，浏览器标识）组合并逐日加总，剔除爬虫、静态资源、非成功响应和内网地址。",
            "服判息诉率 = 1 −（当年审结的一审知识产权民事案件中被上诉的件数 ÷ 当年审结的一审知识产权民事案件数）。",
        ]
        if d.synthetic:
            notes.append(config.load("report")["synthetic_banner"])
        return notes


def report_title(year: int) -> str:
    """'河源市知识产权“十四五”规划实施情况中期评估报告' (终期 in the target year)."""
    plan = load_plan()
    stage = "final" if year >= plan.target_year else "midterm"
    return f"{plan.short_title}{config.load('report')['title'][stage]}"


def _base_text(row: pd.Series, places: int) -> str:
    """The base the progress is computed from (the data's 2020 value, else the plan's), and the plan's
    own figure beside it where the two differ."""
    used = row["base_data"] if not math.isnan(row["base_data"]) else row["base_plan"]
    text = number(used, places)
    plan = row["base_plan"]
    if not math.isnan(plan) and not math.isnan(used) and round(plan, places) != round(used, places):
        text += f"（规划 {number(plan, places)}）"
    return text


def _target_text(row: pd.Series, places: int) -> str:
    if math.isnan(row["target"]):
        return "—"
    return ("≥" if row["kind"] == "floor" else "") + number(row["target"], places) + \
        ("（年均）" if row["kind"] == "growth" else "")


def _local_time(stamp: str | None) -> str:
    """An ISO timestamp as local 'YYYY-MM-DD HH:MM (UTC±hh:mm)'."""
    if not stamp:
        return "未知"
    moment = datetime.fromisoformat(stamp).astimezone()
    offset = moment.strftime("%z")
    return f"{moment:%Y-%m-%d %H:%M}（UTC{offset[:3]}:{offset[3:]}）"


def _chinese(n: int) -> str:
    return "一二三四五六七八九十"[n - 1]

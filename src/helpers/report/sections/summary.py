"""摘要 (summary): the headline, the statuses as a bar, the indicators at risk, the share achieved (final) and, in
the city report, the 专栏 targets, the composite, the items' counts and the worst discrepancies. Wording:
wording.yaml `summary`, `statuses`, `plan_items` (counts, composite, discrepancies), `period` (by period grade)."""

from __future__ import annotations

from IPython.display import HTML

from helpers.report import findings, items, look_back
from helpers.report.core import Report, Section


def render(report: Report, section: Section) -> HTML:
    d, w = report.data, report.w
    head = findings.headline(d)
    statuses = d.plan.statuses
    risks = [{"symbol": statuses[r["status"]]["symbol"], "label": w["statuses"][r["status"]],
              "color": statuses[r["status"]]["color"], "text": findings.indicator_sentence(d, r)}
             for _, r in findings.risks(d).iterrows()]
    total = sum(head.counts.values()) or 1
    bar = [{**statuses[k], "label": w["statuses"][k], "count": n, "share": round(100 * n / total, 2)}
           for k, n in head.counts.items() if n]
    final = d.final
    return report.html(section, headline=head.sentence, bar=bar, risks=risks,
                       achieved=w("summary.achieved_share", share=findings.achieved_share(d)) if final else "",
                       no_risks=w["summary.no_risks_final" if final else "summary.no_risks"],
                       flagship=findings.flagship_sentence(d) if d.is_city else "",
                       composite=look_back.composite_sentence(report) if d.is_city else "",
                       item_counts=look_back.counts_sentence(report) if d.is_city else "",
                       discrepancies=items.discrepancies(report, limit=3) if d.is_city else [],
                       discrepancies_intro=w["plan_items.discrepancies_intro"])

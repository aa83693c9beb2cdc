"""The sources that report on the plan's tasks (plan-assessment.md §2): department ledgers, the policy register and
the evidence folder, with the dirt real ones have; every row accounted for, as for every source."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import clean, file_status, recon_of, rejects, write_bytes, write_csv
from helpers.cleaning.task_sources import evidence_list
from helpers.tasks import evidence_key

LEDGER = ["任务编号", "任务名称", "年度", "责任单位", "工作进展", "自评等级", "佐证材料", "量化成果", "填报日期"]


def ledger_book(path: Path, title: str | None, header: list[str], rows: list[list[object]],
                merge: list[tuple[int, int, int, object]] = ()) -> Path:
    """An xlsx ledger: an optional merged title row, the header, the rows; `merge` (first row, last row, column,
    value) merges cells of the body as a department's template does."""
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    sheet = book.add_worksheet("自评表")
    top = 0
    if title:
        sheet.merge_range(0, 0, 0, len(header) - 1, title)
        top = 1
    for c, cell in enumerate(header):
        sheet.write_string(top, c, cell)
    for r, row in enumerate(rows, start=top + 1):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    for first, last, column, value in merge:
        sheet.merge_range(top + 1 + first, column, top + 1 + last, column, value)
    book.close()
    return path


def test_a_department_ledger_with_its_dirt(raw):
    header = [h for h in LEDGER if h not in ("年度", "责任单位")]  # both only in the title row
    rows = [
        [None, "加大品牌培育工作力度", "开展特色产品调查摸底\n建档建库 36 个", "【已完成】",
         "1.调查报告；2.《名录》", None, "2023-12-20"],
        [None, None, "推进仙湖茶地理标志商标申请", "正常推进", "申请受理通知书", None, "2023-12-20"],
        ["专栏７", "知识产权助力乡村振兴工程", "新增绿色食品认证 5 个", " 推进中 ",
         "认证证书、《东源仙湖茶、和平猕猴桃推广方案》", "5个", None],
        ["专栏７", "知识产权助力乡村振兴工程", "新增绿色食品认证 5 个", " 推进中 ", "认证证书", "5个", None],  # twice
        ["T9.9", "不存在的任务", "……", "已完成", None, None, None],
        ["2.5", "加大品牌培育工作力度", "号码与名称不一致", "已完成", None, None, None],
        ["三（四）4", None, "举办地理标志推广活动", "完全搞定", None, None, None],
    ]
    ledger_book(raw / "task_ledger" / "2023-农业农村局.xlsx",
                "2023年度河源市知识产权“十四五”规划实施情况自评表（市农业农村局）", header, rows,
                merge=[(0, 1, 0, "三（三）2")])
    run = clean(raw, ["task_ledger"])
    got = run.results["task_ledger"].clean.sort_values("source_line")
    assert got["item"].tolist() == ["T3.2", "T3.2", "Z7"]
    assert set(got["department"]) == {"市农业农村局"} and set(got["year"]) == {2023}
    assert got["self_grade"].tolist() == ["已完成", "按计划推进", "按计划推进"]
    assert got["evidence_count"].tolist() == [2, 1, 1]  # the duplicate (later, less complete) lost
    assert got["evidence_items"].tolist()[0] == "调查报告\n《名录》"
    bad = rejects(run, "task_ledger").set_index("line")["reason"].to_dict()
    assert bad == {7: "unknown_item", 8: "item_conflict", 9: "bad_category"}
    recon = recon_of(run, "task_ledger", "2023-农业农村局.xlsx")
    assert (recon["rows_in"], recon["clean"], recon["duplicate"], recon["rejected"]) == (7, 3, 1, 3)
    warnings = set(run.table("warnings")["warning"])
    assert {"department_from_title", "year_from_title", "item_filled_from_above"} <= warnings


def test_a_consolidated_workbook_names_each_department_by_its_sheet(raw):
    import xlsxwriter

    path = raw / "task_ledger" / "2022年度汇总.xlsx"
    path.parent.mkdir(parents=True)
    book = xlsxwriter.Workbook(str(path))
    for name, item in (("市科技局", "T4.2"), ("紫金县", "S1"), ("填表说明", None)):
        sheet = book.add_worksheet(name)
        if item is None:
            sheet.write_string(0, 0, "请各单位按时填报")
            continue
        for c, cell in enumerate(["任务编号", "年度", "工作进展", "自评等级"]):
            sheet.write_string(0, c, cell)
        for c, cell in enumerate([item, "2022", "按计划推进相关工作", "按计划推进"]):
            sheet.write_string(1, c, cell)
    book.close()
    run = clean(raw, ["task_ledger"])
    got = run.results["task_ledger"].clean.set_index("item")
    assert got.loc["T4.2", "department"] == "市科学技术局" and got.loc["S1", "department"] == "紫金县人民政府"
    assert got.loc["S1", "area_code"] == "441621" and got.loc["T4.2", "area_code"] == "441600"
    assert file_status(run, "task_ledger", "2022年度汇总.xlsx!填表说明")["reason"] == "notes_sheet"


def test_ledger_rows_outside_the_plan_or_its_departments_are_rejected(raw):
    write_csv(raw, "task_ledger", "a.csv", ["任务编号", "年度", "责任单位", "工作进展", "自评等级"], [
        ["T1.1", "2026", "市市场监管局", "x", "已完成"],
        ["T1.1", "2023", "市宇宙局", "x", "已完成"],
        ["T1.1", "2023", "河源市市场监督管理局（知识产权局）", "x", "已完成"],
    ])
    run = clean(raw, ["task_ledger"])
    assert rejects(run, "task_ledger")["reason"].tolist() == ["year_outside_plan", "unknown_department"]
    assert run.results["task_ledger"].clean["department"].tolist() == ["市市场监督管理局（市知识产权局）"]


def test_the_policy_register(raw):
    write_csv(raw, "policies", "register.csv", ["文件名称", "文号", "发文单位", "印发日期", "对应任务", "状态"], [
        ["河源市关于强化知识产权保护的若干措施", "河府办〔2022〕15号", "市政府办公室", "2022-06-30", "T1.1",
         "现行有效"],
        ["河源市特色产业知识产权保护措施（征求意见稿）", None, "市市场监管局", "2024-03-01", "三（一）1、T9.1",
         "征求意见"],
    ])
    run = clean(raw, ["policies"])
    got = run.results["policies"].clean.sort_values("source_line")
    assert got["item_ids"].tolist() == ["T1.1", "T1.1"] and got["status"].tolist() == ["现行有效", "征求意见稿"]
    assert "policy_item_unknown" in set(run.table("warnings")["warning"])


def test_the_evidence_folder_with_odd_names(raw):
    for relative in ("市农业农村局/2023/调查 报告.pdf", "市农业农村局/2023/《名录》.docx", "市宇宙局/2023/a.pdf",
                     "市农业农村局/2023/" + "很长的名字" * 16 + ".pdf", "市农业农村局/二〇二三/a.pdf",
                     'nested/2023/"quoted" name.jpg'):
        path = raw / "evidence" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"%PDF")
    run = clean(raw, ["evidence"])
    got = run.results["evidence"].clean
    assert set(got["stem"]) >= {evidence_key("调查报告"), evidence_key("《名录》")}
    reasons = rejects(run, "evidence")["reason"].value_counts().to_dict()
    assert reasons == {"unknown_department": 2, "bad_year": 1}
    assert run.table("reconciliation").set_index("file").loc["evidence", "rows_in"] == 6


@pytest.mark.parametrize(("text", "items"), [
    ("1.调查报告；2.《名录》", ["调查报告", "《名录》"]),
    ("（1）会议纪要（2）照片", ["会议纪要", "照片"]),
    ("通知、《关于甲、乙的意见》、照片", ["通知", "《关于甲、乙的意见》", "照片"]),
    ("报告\n简报", ["报告", "简报"]),
    ("2023年1.5亿元贷款合同", ["2023年1.5亿元贷款合同"]),
    ("1.2021年工作总结；2.2021年相关文件", ["2021年工作总结", "2021年相关文件"]),
])
def test_evidence_lists_as_people_write_them(text, items):
    assert evidence_list(text) == items


def test_a_broken_ledger_file_stops_only_itself(raw):
    write_bytes(raw, "task_ledger", "broken.xlsx", b"PK\x03\x04 not a workbook")
    write_csv(raw, "task_ledger", "ok.csv", ["任务编号", "年度", "责任单位", "工作进展", "自评等级"],
              [["S4", "2021", "市市场监管局", "委托第三方开展评估", "已完成"]])
    run = clean(raw, ["task_ledger"])
    assert file_status(run, "task_ledger", "broken.xlsx")["status"] == "rejected"
    assert len(run.results["task_ledger"].clean) == 1

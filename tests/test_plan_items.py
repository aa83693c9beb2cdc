"""The plan as data (conf plan_items.yaml): every numbered item of the plan text has exactly one entry, with the
plan's own title; numbers and names as people write them are matched to items."""

from __future__ import annotations

import re

import pytest

from conftest import CONTEXT, REPO
from helpers.tasks import normalised, parse_number

PLAN_TEXT = REPO.parent / "shared" / "plan" / "heyuan-ip-plan-2021-2025.txt"
CATALOGUE = CONTEXT.plan_items
CN = "一二三四五六七八九"


def numbered_items(text: str) -> dict[str, tuple[str, str | None]]:
    """id → (title, the task a 专栏 follows) for every numbered item of 三、主要任务, 专栏 and 四、保障措施, read
    from the plan's text as it is written."""
    tasks = text.split("三、主要任务", 1)[1].split("四、保障措施", 1)
    found: dict[str, tuple[str, str | None]] = {}
    group, last_task = 0, None
    for line in tasks[0].splitlines():
        if match := re.match(r"^\(([一二三四五六七])\)(.+)$", line):
            group = CN.index(match[1]) + 1
        elif match := re.match(r"^(\d+)\.([^。]+)。", line):
            last_task = f"T{group}.{match[1]}"
            found[last_task] = (match[2], None)
        elif match := re.match(r"^专栏(\d)[:：]?\s*(.+?)\s*\|", line):
            found[f"Z{match[1]}"] = (match[2], last_task)
    for line in tasks[1].splitlines():
        if match := re.match(r"^\(([一二三四])\)(.+)$", line):
            found[f"S{CN.index(match[1]) + 1}"] = (match[2].strip(), None)
    return found


@pytest.fixture(scope="module")
def plan_items() -> dict[str, tuple[str, str | None]]:
    if not PLAN_TEXT.is_file():
        pytest.skip(f"the plan's text is not beside the checkout ({PLAN_TEXT})")
    return numbered_items(PLAN_TEXT.read_text(encoding="utf-8"))


def test_every_numbered_item_of_the_plan_has_exactly_one_entry_with_the_plans_title(plan_items):
    assert len(plan_items) == 27 + 9 + 4
    assert sorted(CATALOGUE.ids) == sorted(plan_items) and len(set(CATALOGUE.ids)) == len(CATALOGUE.ids)
    for item in CATALOGUE.items:
        assert normalised(item.title) == normalised(plan_items[item.id][0]), item.id


def test_each_flagship_project_is_attached_to_the_task_it_follows_in_the_plan(plan_items):
    for item in CATALOGUE.items:
        if item.kind == "flagship":
            assert item.task == plan_items[item.id][1], item.id


def test_the_catalogue_names_the_documents_the_plan_commits_to():
    documents = [c.document for item in CATALOGUE.items for c in item.commitments if c.kind == "policy"]
    assert "《关于强化知识产权保护的若干措施》" in documents and len([d for d in documents if "特色产业" in d]) == 1
    quantified = {c.flagship for item in CATALOGUE.items for c in item.commitments if c.kind == "quantified"}
    assert quantified == {flagship.id for flagship in CONTEXT.plan.flagship}


@pytest.mark.parametrize(("written", "item"), [
    ("T2.5", "T2.5"), ("三（二）5", "T2.5"), ("（二）5", "T2.5"), ("(二)5", "T2.5"), ("2.5", "T2.5"),
    ("２．５", "T2.5"),
    ("专栏1", "Z1"), ("专栏 8", "Z8"), ("Ｚ９", "Z9"), ("四（三）", "S3"), ("S4", "S4"), ("三（七）4.", "T7.4"),
])
def test_numbers_as_people_write_them(written, item):
    assert parse_number(written) == item and CATALOGUE.item_of_number(written) == item


@pytest.mark.parametrize("written", ["T2.9", "8.1", "专栏10", "二", "", "任务五"])
def test_numbers_that_name_no_item(written):
    assert CATALOGUE.item_of_number(written) is None


@pytest.mark.parametrize(("written", "department"), [
    ("市市场监管局", "市市场监督管理局（市知识产权局）"),
    ("河源市市场监督管理局（知识产权局）", "市市场监督管理局（市知识产权局）"),
    ("河源市农业农村局", "市农业农村局"), ("市 农业农村局", "市农业农村局"), ("人行河源中支", "中国人民银行河源市分行"),
    ("东源县人民政府", "东源县人民政府"), ("市中院", "市中级人民法院"),
])
def test_departments_by_any_of_their_names(written, department):
    assert CATALOGUE.department(written) == department


def test_a_department_may_be_written_with_its_own_plan_s_city_name_only():
    from helpers.tasks import PlanItems

    meizhou = PlanItems.from_conf({"departments": {"市农业农村局": []}}, ("梅州市", "梅州"))
    assert meizhou.department("梅州市农业农村局") == meizhou.department("农业农村局") == "市农业农村局"
    assert meizhou.department("河源市农业农村局") is None  # another city's: the plan's areas.yaml names its city


def test_titles_match_when_whole_or_contained_but_not_when_ambiguous():
    assert CATALOGUE.item_of_title("加强知识产权协同保护") == "T2.5"
    assert CATALOGUE.item_of_title("建设全市知识产权维权援助一张网") == "Z1"
    assert CATALOGUE.item_of_title("知识产权") is None  # in every title
    assert CATALOGUE.department("市宇宙局") is None


def test_a_plan_without_items_has_an_empty_catalogue():
    from helpers.context import Context

    other = Context.load(REPO, "tests/data/plan_b")
    assert other.plan_items.items == () and other.plan_items.goals == ()


def test_a_catalogue_that_contradicts_itself_fails_loudly():
    from helpers.tasks import PlanItems

    item = {"id": "T1.1", "group": "T9", "title": "x", "summary": "x", "departments": ["市宇宙局"],
            "commitments": [{"type": "policy", "text": "x"}]}
    with pytest.raises(ValueError, match="unknown group.*unknown department.*without `match`"):
        PlanItems.from_conf({"groups": {"T1": "x"}, "items": [item]})

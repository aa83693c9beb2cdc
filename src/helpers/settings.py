"""The configuration files typed and checked once, when the configuration is read (helpers.context.Context.load):
a misspelt key or a value of the wrong type in `conf/local` (or conf/base, or a plan folder) is one message naming
the file and the key, not a KeyError in a worker. `report.yaml` is read through these types
(`context.report.word.page`); `evaluation.yaml`, `assessment.yaml` and `areas.yaml` are checked here and then
read by the objects built from them (helpers.indicators.Plan, helpers.tasks, helpers.areas.Areas)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class Strict(BaseModel):
    """A mapping of the configuration: its keys are known (a misspelt one is an error) and typed."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# ------------------------------------------------------------------------------------------------ report.yaml
class Font(Strict):
    family: str
    files: dict[Literal["regular", "bold"], list[str]]  # candidates by weight, the first found used
    drop_tables: list[str] = []
    extra_characters: str = ""


class Appendix(Strict):
    id: str
    plan_items: bool = False


class SectionSpec(Strict):
    id: str
    template: str
    toc: bool = False
    numbered: bool = False
    per_domain: bool = False
    city_only: bool = False
    appendices: list[Appendix] = []


class Charts(Strict):
    dpi: int
    width_cm: float
    palette: dict[str, str]
    store_days: int = 30


class AssessorSlot(Strict):
    id: str
    section: str
    modes: list[Literal["annual", "midterm", "final"]] = []


class DraftStatus(Strict):
    key: str
    draft: str


class Verdict(Strict):
    verdict: str
    statuses: list[str]
    share: float


class Practices(Strict):
    limit: int
    chars: int


class Drafts(Strict):
    status: DraftStatus
    unjudged: list[str]
    good: list[str]
    verdicts: dict[Literal["final", "progress"], list[Verdict]]
    rises: int
    problems: int
    practices: Practices


class Page(Strict):
    width_mm: float
    height_mm: float
    top_mm: float
    bottom_mm: float
    left_mm: float
    right_mm: float
    footer_mm: float


class LibreOffice(Strict):
    command: str
    timeout: float


class Language(Strict):
    latin: str
    east_asia: str


class TableRows(Strict):
    first: int
    last: int


class Word(Strict):
    template: str = ""
    page: Page
    page_number: str
    toc_levels: int
    libreoffice: LibreOffice
    language: Language
    fonts: dict[str, dict[str, str]]
    table_rows: TableRows
    classes: dict[str, str]
    tables: dict[str, dict[str, Any]]
    styles: dict[str, dict[str, Any]]


class Dask(Strict):
    connect_s: float
    no_workers_s: float


class Batch(Strict):
    dask: Dask


class Report(Strict):
    """report.yaml: the report's font, sections, charts, evaluators' slots and drafts, Word edition, batch."""

    font: Font
    sections: list[SectionSpec]
    evaluator: str = ""
    charts: Charts
    problems_elsewhere: list[str] = []
    assessor_max_kb: int = Field(gt=0)
    assessor_slots: list[AssessorSlot] = []
    drafts: Drafts
    word: Word
    batch: Batch


# ------------------------------------------------------------------------------------------------ evaluation.yaml
class Thresholds(Strict):
    on_track: float
    lagging: float
    basically_met: float
    max_completion: float
    rebase_share: float


class StatusStyle(Strict):
    color: str
    symbol: str


class Evaluation(Strict):
    """evaluation.yaml: the thresholds of progress and status, each year's mode, the statuses' look, county
    targets."""

    thresholds: Thresholds
    modes: dict[int, Literal["annual", "midterm", "final"]]
    statuses: dict[str, StatusStyle]
    county_targets: dict[str, Any] = {}


# ------------------------------------------------------------------------------------------------ assessment.yaml
class Grade(Strict):
    label: str
    aliases: list[str] = []


class CompositeGrade(Strict):
    grade: str  # a code; its label is wording.yaml `composite_grades`
    floor: float


class Period(Strict):
    grades: dict[str, Grade]
    points: dict[str, float]
    good_years: list[str]
    basic_share: float
    reported_lower: list[str]
    chronic: dict[str, int]
    met_statuses: list[str]
    graded_modes: list[Literal["annual", "midterm", "final"]]
    history_modes: list[Literal["annual", "midterm", "final"]]


class Assessment(Strict):
    """assessment.yaml: grades, points, weights and thresholds of the plan-wide assessment and of the period."""

    grades: dict[str, Grade]
    self_grades: list[str]
    points: dict[str, float]
    final_points: dict[str, float] = {}
    on_track_ratio: float
    weights: dict[str, float]
    composite_grades: list[CompositeGrade]
    period: Period


# ------------------------------------------------------------------------------------------------ areas.yaml
class City(Strict):
    code: str
    name: str
    aliases: list[str] = []


class County(Strict):
    code: str
    name: str
    short: str


class Zone(Strict):
    pattern: str
    code: str
    label: str


class Courts(Strict):
    province_prefix: str
    city: str | None = None
    above: list[str] = []


class Peers(Strict):
    """The cities the plan ranks its city among: what the plan calls them, and their names by group."""

    name: str
    groups: dict[str, list[str]]


class AreasFile(Strict):
    """areas.yaml: the city, its counties, its peers, zones and the words that place an address or a court."""

    province: str
    city: City
    counties: list[County]
    peers: Peers | None = None
    zones: list[Zone] = []
    street_suffixes: list[str]
    province_prefixes: list[str]
    city_level_words: list[str] = []
    courts: Courts


MODELS: dict[str, type[Strict]] = {"report": Report, "evaluation": Evaluation, "assessment": Assessment,
                                   "areas": AreasFile}

PROBLEMS = {  # pydantic's error types, as a reader of the file is told them
    "extra_forbidden": "没有这个配置项（拼写有误？）",
    "missing": "缺少这个配置项",
    "int_type": "应为整数", "int_parsing": "应为整数", "int_from_float": "应为整数",
    "float_type": "应为数字", "float_parsing": "应为数字",
    "string_type": "应为文本（数字须加引号）",
    "bool_type": "应为 true 或 false", "bool_parsing": "应为 true 或 false",
    "list_type": "应为列表", "dict_type": "应为映射（键: 值）", "model_type": "应为映射（键: 值）",
    "model_attributes_type": "应为映射（键: 值）",
    "literal_error": "应为以下之一：{expected}",
    "greater_than": "应大于 {gt}",
}


def checked(name: str, data: dict[str, Any], files: list[Path], root: Path) -> Any:  # noqa: ANN401 — its model
    """`data` (the merge of `files`, the last one over the others) as the model of the file `name`; a ValidationError
    becomes one ConfError naming, for each problem, the file that sets the key (or should) and the key."""
    from helpers.context import ConfError, read_yaml

    try:
        return MODELS[name].model_validate(data)
    except ValidationError as error:
        read = [(path, read_yaml(path)) for path in files]
        lines = [f"{_where(problem['loc'], read, root)} 中的 {_key(problem['loc'], data)}：{_problem(problem)}"
                 for problem in error.errors()]
        raise ConfError("配置有误：\n  " + "\n  ".join(lines)) from None


def _key(loc: tuple[int | str, ...], data: Any) -> str:  # noqa: ANN401 — YAML
    """The key at `loc` as the file writes it: `word.page.top_mm`, `sections[3].toc` (an item of a list)."""
    out = ""
    for part in loc:
        listed = isinstance(data, list)
        out += f"[{part}]" if listed else f".{part}"
        data = data[part] if (listed and isinstance(part, int) and part < len(data)) or \
            (isinstance(data, dict) and part in data) else None
    return out.lstrip(".")


def _where(loc: tuple[int | str, ...], read: list[tuple[Path, Any]], root: Path) -> str:
    """The last file that sets the key at `loc` (or the nearest mapping above it), else the first file."""
    def depth(data: Any) -> int:  # noqa: ANN401 — YAML
        for number, part in enumerate(loc):
            inside = isinstance(data, dict) and part in data or isinstance(data, list) and isinstance(part, int) \
                and part < len(data)
            if not inside:
                return number
            data = data[part]
        return len(loc)

    path = max(reversed(read), key=lambda item: depth(item[1]))[0]
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def _problem(problem: dict[str, Any]) -> str:
    text = PROBLEMS.get(problem["type"], problem["msg"]).format(**(problem.get("ctx") or {}))
    return text if problem["type"] in ("missing", "extra_forbidden") else f"{text}（现为 {problem['input']!r}）"

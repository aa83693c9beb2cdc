"""The configuration of one run, read once at an entry point and passed down explicitly.

`Conf` reads the YAML files: `conf/base/<name>.yaml`, or the plan folder's file of that name when a plan
folder is given (a plan replaces whole files: its indicators, areas, evaluation rules and wording), then
`conf/local/<name>.yaml` merged over it key by key (Kedro's base/local). `Context` is everything a command
needs, built from those files once: the plan, its areas, the raw-source catalog, the cleaning rules, the
report's layout and wording, the dataset catalog and the folders. Nothing below an entry point reads a file
of `conf/`; nothing is cached in a module, so one process can hold two plans side by side.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from helpers.settings import Report

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's safe loader: the same data, ~8× faster


class ConfError(Exception):
    """The configuration cannot be read (a message for people)."""


def project_root() -> Path:
    """The checkout holding conf/base: $HELPERS_ROOT, else the nearest parent of cwd, else the package's."""
    env = os.environ.get("HELPERS_ROOT")
    if env:
        return Path(env).resolve()
    for start in (Path.cwd(), Path(__file__).resolve()):
        for folder in (start, *start.parents):
            if (folder / "conf" / "base").is_dir():
                return folder
    raise ConfError("conf/base not found: run from the project checkout or set HELPERS_ROOT")


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """`override` over `base`, key by key for nested mappings; lists and values are replaced."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def read_yaml(path: Path) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_LOADER) or {}
    except (OSError, yaml.YAMLError) as problem:
        raise ConfError(f"无法读取配置文件 {path}：{problem}") from problem


@dataclass(frozen=True)
class Conf:
    """Where the configuration files of a run are: the project root and an optional plan folder."""

    root: Path
    plan_dir: Path | None = None

    def file(self, name: str) -> Path:
        """The file `name` is read from: the plan folder's, else conf/base's."""
        if self.plan_dir is not None and (self.plan_dir / f"{name}.yaml").is_file():
            return self.plan_dir / f"{name}.yaml"
        return self.root / "conf" / "base" / f"{name}.yaml"

    def has(self, name: str) -> bool:
        """Whether this run's plan has the file `name` (a plan folder without it has none: conf/base's belongs to
        the base plan, not to it)."""
        return (self.plan_dir / f"{name}.yaml").is_file() if self.plan_dir is not None else self.file(name).is_file()

    def files(self, names: tuple[str, ...] | None = None) -> list[Path]:
        """The configuration files this run reads (all, or those of `names`), for digests: a change to one makes
        what was computed from it stale."""
        folders = [self.root / "conf" / "base", self.root / "conf" / "local", self.plan_dir]
        return sorted(p for folder in folders if folder is not None and folder.is_dir() for p in folder.glob("*.yaml")
                      if names is None or p.stem in names)

    def sources(self, name: str) -> list[Path]:
        """The files `name` is read from, in order: the plan folder's or conf/base's, then conf/local's if any."""
        local = self.root / "conf" / "local" / f"{name}.yaml"
        return [self.file(name), *([local] if local.is_file() else [])]

    def read(self, name: str, *, check: bool = False) -> dict[str, Any]:
        """The file `name` merged with conf/local/<name>.yaml when that exists; with `check`, checked against its
        model first (typed)."""
        base, *local = self.sources(name)
        data = merge(read_yaml(base), read_yaml(local[0])) if local else read_yaml(base)
        if check:
            self.typed(name, data)
        return data

    def typed(self, name: str, data: dict[str, Any] | None = None) -> Any:  # noqa: ANN401 — helpers.settings' model
        """The file `name` (or its contents `data`, read already) as its model in helpers.settings: a ConfError
        names the file and the key of every misspelt key or value of the wrong type."""
        from helpers.settings import checked

        return checked(name, self.read(name) if data is None else data, self.sources(name), self.root)


@dataclass(frozen=True)
class Context:
    """Everything a command needs from the configuration, built once (see the module's docstring)."""

    conf: Conf
    plan: Any  # helpers.indicators.catalog.Plan
    plan_items: Any  # helpers.tasks.PlanItems: tasks, 专栏, safeguards and goals (empty for a plan without them)
    assessment: dict[str, Any]  # grades, points, weights and thresholds of the plan-wide assessment (checked: settings)
    areas: Any  # helpers.areas.Areas
    sources: dict[str, dict[str, Any]]
    cleaning: Any  # helpers.cleaning.rules.Rules
    report: Report  # report.yaml, typed
    wording: dict[str, dict[str, Any]]  # language → texts
    datasets: dict[str, dict[str, Any]]
    paths: dict[str, str]
    official: Any = None  # helpers.official.OfficialStats: the vocabulary and rules of official figures
    findings: dict[str, Any] | None = None  # the rules of the findings stage (findings.yaml)
    plan_facts: tuple[dict[str, Any], ...] = ()  # the plan's own 2020 figures (the plan's plan_facts.yaml; none: ())

    @classmethod
    def load(cls, root: Path | None = None, plan: Path | str | None = None) -> Context:
        """Read the configuration of the checkout at `root` (default: project_root()) and of the plan folder
        `plan` (default: the plan in conf/base)."""
        from helpers.areas import Areas
        from helpers.cleaning import Rules
        from helpers.indicators import Plan
        from helpers.official.catalog import OfficialStats
        from helpers.tasks import PlanItems

        root = Path(root).resolve() if root is not None else project_root()
        plan_dir = None
        if plan is not None and str(plan) != "":
            plan_dir = Path(plan) if Path(plan).is_absolute() else (root / plan)
            if not plan_dir.is_dir():
                raise ConfError(f"找不到规划配置目录：{plan}")
        conf = Conf(root, plan_dir.resolve() if plan_dir else None)
        official, areas_conf = conf.read("official_stats"), conf.read("areas", check=True)
        areas = Areas.from_conf(areas_conf, official.get("cities") or [])
        wording = conf.read("wording")
        plan_of = Plan.from_conf(conf.read("indicators"), conf.read("evaluation", check=True),
                                 conf.read("plan_wording"), conf.read("ipc_sei"))
        return cls(
            conf=conf,
            plan=plan_of,
            plan_items=PlanItems.from_conf(conf.read("plan_items") if conf.has("plan_items") else {}, areas.city_words),
            assessment=conf.read("assessment", check=True),
            areas=areas,
            sources=conf.read("sources"),
            cleaning=Rules.from_conf(conf.read("cleaning"), areas, conf.read("court_cases")),
            report=conf.typed("report"),
            wording=wording,
            datasets=conf.read("catalog")["datasets"],
            paths=conf.read("paths"),
            official=OfficialStats.from_conf(official, plan_of, areas, areas_conf.get("peers")),
            findings=conf.read("findings"),
            plan_facts=tuple((conf.read("plan_facts") if conf.has("plan_facts") else {}).get("facts") or ()),
        )

    def path(self, key: str) -> Path:
        """A folder of paths.yaml (raw_dir, processed_dir, reports_dir, cache_dir) under the project root."""
        return self.conf.root / self.paths[key]

    def with_path(self, key: str, folder: Path | str | None) -> Context:
        """This context with the folder `key` of paths.yaml set to `folder` (relative: under the project root; None:
        unchanged)."""
        if folder is None:
            return self
        return dataclasses.replace(self, paths={**self.paths, key: str(folder)})

    def words(self, lang: str = "zh") -> dict[str, Any]:
        """The report wording in `lang`; an unknown language is a ConfError naming the known ones."""
        if lang not in self.wording:
            raise ConfError(f"没有 {lang!r} 语言的报告措辞：可用 {', '.join(self.wording)}")
        return self.wording[lang]

"""The two ways of installing (pip via pyproject.toml, conda via environment.yml) declare the same packages."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _pin(requirement: str) -> tuple[str, str]:
    """(normalised name, version specifier) of one requirement line."""
    text = requirement.replace(" ", "")
    name = re.split(r"[<>=!~\[]", text, maxsplit=1)[0]
    return name.lower().replace("_", "-"), re.sub(r"^[^<>=!~]*(\[[^]]*\])?", "", text)


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pip_side = dict(_pin(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"])
    conda = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))["dependencies"]
    conda_side = dict(_pin(d) for d in conda if isinstance(d, str))
    conda_side.pop("python"), conda_side.pop("pip")
    assert conda_side == pip_side


def test_ci_runs_what_the_readme_tells_users():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line.strip() for line in ci.splitlines() if line.strip() and not line.startswith(("#", "set ", "cd "))]
    assert commands == ["make test"]
    assert "make test" in readme and "make report" in readme

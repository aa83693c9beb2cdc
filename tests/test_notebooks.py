"""The committed notebooks: output-free, parameterised, and the exploration notebook runs on real data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import REPO
from helpers.batch.jobs import notebook_path

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_are_committed_without_outputs_and_have_a_parameters_cell(path: Path) -> None:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    assert sum("parameters" in c.get("metadata", {}).get("tags", []) for c in code) == 1


def test_report_notebook_is_the_runners_template() -> None:
    assert notebook_path(REPO) in NOTEBOOKS



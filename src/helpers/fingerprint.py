"""Freshness: the digest of what a result is made from — the code its step runs and the configuration it reads —
in one place, for the clean stage (`helpers.cleaning.raw_fingerprint`), the derived stages (their input digests,
`helpers.pipeline.stages`) and the report runner (a report's digest, `helpers.batch.fingerprint`).

The code a step runs is derived, never listed: the module of its function and every `helpers` module that module
imports, at any depth, wherever the import statement stands (read from the code, not from what this process
happened to import; the house writes absolute imports), so that a digest cannot miss a module the step comes to
import — cleaning reads `helpers.official.catalog`, which no list of cleaning's packages would name.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from helpers.files import hash_files

PACKAGE = Path(__file__).resolve().parent  # helpers/
_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+(helpers[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)"
                     r"|import[ \t]+([^\n]*))", re.M)
REPORT_ASSETS = {".py", ".j2", ".css", ".json"}  # what a report is rendered with: code, templates, styles, fonts' maps


class Code:
    """The modules of the `helpers` package at `package` (default: this one) and what each imports, each file read
    and hashed at most once per instance (a run asks for the code of several steps that share most of it)."""

    def __init__(self, package: Path | None = None) -> None:
        self.package = package or PACKAGE
        self._imports: dict[Path, set[str]] = {}
        self._digests: dict[Path, str] = {}

    def source(self, name: str) -> Path | None:
        """The file of the module or package `name` (helpers.x.y), if there is one."""
        base = self.package.joinpath(*name.split(".")[1:])
        return next((p for p in (base / "__init__.py", base.with_suffix(".py")) if p.is_file()), None)

    def imported(self, path: Path) -> set[str]:
        """The `helpers` modules the file imports, with the packages each import runs (their __init__)."""
        if path not in self._imports:
            names = set()
            for module, listed, plain in _IMPORT.findall(path.read_text(encoding="utf-8")):
                items = [item.split()[0] for item in re.sub(r"#[^\n]*", "", listed or plain).strip("() \n").split(",")
                         if item.strip()]
                names |= {module, *(f"{module}.{item}" for item in items)} if module else set(items)
            self._imports[path] = {".".join(name.split(".")[:depth]) for name in names
                                   if name.split(".")[0] == "helpers" for depth in range(1, name.count(".") + 2)}
        return self._imports[path]

    def files(self, *modules: str) -> list[Path]:
        """The source files of the named modules or packages (a package: every module in it) and of every `helpers`
        module they import, at any depth."""
        todo = [path for name in modules for base in [self.package.joinpath(*name.split(".")[1:])]
                for path in (sorted(base.rglob("*.py")) if base.is_dir() else [self.source(name)]) if path]
        seen: set[Path] = set()
        while todo:
            path = todo.pop()
            if path not in seen:
                seen.add(path)
                todo += [found for name in self.imported(path) for found in [self.source(name)] if found]
        return sorted(seen)

    def runs(self, *functions: Callable[..., Any]) -> list[Path]:
        """The code the functions can run: their modules and everything those import."""
        return self.files(*(function.__module__ for function in functions))

    def digest(self, functions: Iterable[Callable[..., Any]], conf: Iterable[Path] = ()) -> str:
        """The digest of the code `functions` run and of the configuration files `conf`: a change to either
        changes it."""
        parts = [f"{path.relative_to(self.package).as_posix()}={self._file_digest(path)}"
                 for path in self.runs(*functions)]
        parts += [f"{path.parent.name}/{path.name}={self._file_digest(path)}" for path in conf]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()

    def _file_digest(self, path: Path) -> str:
        if path not in self._digests:
            self._digests[path] = hash_files(hashlib.sha256(), [path]).hexdigest()
        return self._digests[path]

    def package_files(self) -> list[Path]:
        """Every file of the package a report is rendered with (REPORT_ASSETS): the report notebook's kernel may
        import any module of it, and its templates are not imported at all."""
        return sorted(p for p in self.package.rglob("*") if p.suffix in REPORT_ASSETS)

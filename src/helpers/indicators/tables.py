"""The cleaned tables an evaluation reads, loaded once, with what each source covers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq


@dataclass
class Tables:
    """Clean tables by source name, plus the processed folder's manifest and accounts."""

    clean: dict[str, pd.DataFrame]
    manifest: dict = field(default_factory=dict)
    reconciliation: pd.DataFrame = field(default_factory=pd.DataFrame)
    warnings: pd.DataFrame = field(default_factory=pd.DataFrame)
    files: pd.DataFrame = field(default_factory=pd.DataFrame)
    reasons: pd.DataFrame = field(default_factory=pd.DataFrame)

    def has(self, source: str) -> bool:
        return source in self.clean

    def get(self, source: str) -> pd.DataFrame | None:
        return self.clean.get(source)

    def rows(self, source: str) -> int:
        table = self.clean.get(source)
        return 0 if table is None else len(table)

    @property
    def cutoff_year(self) -> int | None:
        """The year of the data cut-off the manifest records (the user's as-of date, else a date stated in a file's
        title lines, else the latest observed date: helpers.cutoff)."""
        cutoff = self.manifest.get("data_cutoff")
        return int(str(cutoff)[:4]) if cutoff else None

    @classmethod
    def load(cls, processed_dir: Path, columns: dict[str, list[str]] | None = None) -> Tables:
        """Read data/processed (as written by `helpers clean`); of the sources `columns` names, only those columns
        (those the table has)."""
        processed_dir = Path(processed_dir)
        clean_dir = processed_dir / "clean"
        if not clean_dir.is_dir():
            raise FileNotFoundError(f"没有清洗后的数据：{clean_dir}（请先运行 python -m helpers clean）")
        columns = columns or {}

        def read(path: Path) -> pd.DataFrame:
            wanted = columns.get(path.stem)
            if wanted is None:
                return pd.read_parquet(path)
            present = set(pq.read_schema(path).names)
            return pd.read_parquet(path, columns=[c for c in wanted if c in present])

        clean = {p.stem: read(p) for p in sorted(clean_dir.glob("*.parquet"))}
        manifest_file = processed_dir / "manifest.json"
        manifest = json.loads(manifest_file.read_text(encoding="utf-8")) if manifest_file.is_file() else {}

        def optional(name: str) -> pd.DataFrame:
            path = processed_dir / f"{name}.parquet"
            return pd.read_parquet(path) if path.is_file() else pd.DataFrame()

        return cls(clean, manifest, optional("reconciliation"), optional("warnings"), optional("files"),
                   optional("reasons"))

    @classmethod
    def from_run(cls, run) -> Tables:
        """From an in-memory cleaning run (helpers.cleaning.clean_all without an out_dir)."""
        return cls({name: r.clean for name, r in run.results.items()}, run.manifest,
                   run.table("reconciliation"), run.table("warnings"), run.table("files"), run.reasons())

"""The cleaned tables an evaluation reads, each read when first asked for, with what each source covers."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq


class CleanFolder(Mapping[str, pd.DataFrame]):
    """The clean tables of a processed folder by source, each read on first use (of the sources `columns` names,
    only those columns) and kept until released: a stage holds only the sources it is at, not all of them."""

    def __init__(self, folder: Path, columns: Mapping[str, list[str]] | None = None) -> None:
        self.paths = {path.stem: path for path in sorted(Path(folder).glob("*.parquet"))}
        self.columns = columns or {}
        self.read: dict[str, pd.DataFrame] = {}

    def __getitem__(self, source: str) -> pd.DataFrame:
        if source not in self.read:
            self.read[source] = read_clean(self.paths[source], self.columns.get(source))
        return self.read[source]

    def __contains__(self, source: object) -> bool:
        return source in self.paths

    def __iter__(self) -> Iterator[str]:
        return iter(self.paths)

    def __len__(self) -> int:
        return len(self.paths)

    def release(self, sources: Iterable[str]) -> None:
        """Forget the frames read of `sources`; they are read again if asked for."""
        for source in sources:
            self.read.pop(source, None)


def read_clean(path: Path, wanted: list[str] | None = None) -> pd.DataFrame:
    """A clean table (of `wanted`, the columns among them it has). A dictionary-encoded column whose values hardly
    repeat (a log's client addresses: more distinct values per row group than half its rows) is read as text:
    pandas unifies the row groups' dictionaries into one categorical at about five times the column's size."""
    present = pq.read_schema(path).names
    table = pq.read_table(path, columns=None if wanted is None else [c for c in wanted if c in present])
    for position, column in enumerate(table.columns):
        if pa.types.is_dictionary(column.type) and 2 * sum(len(c.dictionary) for c in column.chunks) > len(column):
            table = table.set_column(position, table.field(position).with_type(column.type.value_type),
                                     pc.cast(column, column.type.value_type))
    return table.to_pandas(self_destruct=True)


@dataclass
class Tables:
    """Clean tables by source name (in memory, or read from a processed folder as asked for: CleanFolder), plus
    the processed folder's manifest and accounts."""

    clean: Mapping[str, pd.DataFrame]
    manifest: dict = field(default_factory=dict)
    reconciliation: pd.DataFrame = field(default_factory=pd.DataFrame)
    warnings: pd.DataFrame = field(default_factory=pd.DataFrame)
    files: pd.DataFrame = field(default_factory=pd.DataFrame)
    reasons: pd.DataFrame = field(default_factory=pd.DataFrame)

    def has(self, source: str) -> bool:
        return source in self.clean

    def get(self, source: str) -> pd.DataFrame | None:
        return self.clean.get(source)

    def release(self, *sources: str) -> None:
        """Let go of the tables of `sources` read from the folder: read again if asked for again. Tables given in
        memory stay."""
        if isinstance(self.clean, CleanFolder):
            self.clean.release(sources)

    @property
    def cutoff_year(self) -> int | None:
        """The year of the data cut-off the manifest records (the user's as-of date, else a date stated in a file's
        title lines, else the latest observed date: helpers.cutoff)."""
        cutoff = self.manifest.get("data_cutoff")
        return int(str(cutoff)[:4]) if cutoff else None

    @classmethod
    def load(cls, processed_dir: Path, columns: Mapping[str, list[str]] | None = None) -> Tables:
        """The clean tables of data/processed (as written by `helpers clean`), read as they are asked for; of the
        sources `columns` names, only those columns (those the table has)."""
        processed_dir = Path(processed_dir)
        clean_dir = processed_dir / "clean"
        if not clean_dir.is_dir():
            raise FileNotFoundError(f"没有清洗后的数据：{clean_dir}（请先运行 python -m helpers clean）")
        manifest_file = processed_dir / "manifest.json"
        manifest = json.loads(manifest_file.read_text(encoding="utf-8")) if manifest_file.is_file() else {}

        def optional(name: str) -> pd.DataFrame:
            path = processed_dir / f"{name}.parquet"
            return pd.read_parquet(path) if path.is_file() else pd.DataFrame()

        return cls(CleanFolder(clean_dir, columns), manifest, optional("reconciliation"), optional("warnings"),
                   optional("files"), optional("reasons"))

    @classmethod
    def from_run(cls, run) -> Tables:
        """From an in-memory cleaning run (helpers.cleaning.clean_all without an out_dir)."""
        return cls({name: r.clean for name, r in run.results.items()}, run.manifest,
                   run.table("reconciliation"), run.table("warnings"), run.table("files"), run.reasons())

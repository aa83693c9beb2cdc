"""The datasets of a processed folder, by the names of the catalog (conf catalog.yaml): where each lives, how it
is written (checked against its schema, atomically) and read, and the record of which stage wrote what from
what (`stages.json`), which tells when a dataset is stale."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.pandas as pa

from helpers.files import atomic_write

RECORD = "stages"


class DatasetError(Exception):
    """A processed folder lacks a dataset, or holds one older than its inputs (a message for people)."""


def digest_bytes(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
    return digest.hexdigest()


@dataclass(frozen=True)
class Datasets:
    """The datasets of the processed folder `folder`, named as in `catalog`."""

    folder: Path
    catalog: dict[str, dict[str, Any]]

    def path(self, name: str, source: str | None = None) -> Path:
        """Where dataset `name` lives (per-source datasets take the source's name)."""
        if name not in self.catalog:
            raise DatasetError(f"数据目录中没有名为 {name} 的数据集")
        template = self.catalog[name]["path"]
        return self.folder / (template.format(source=source) if source is not None else template)

    def exists(self, name: str) -> bool:
        return self.path(name).is_file()

    def read(self, name: str, columns: list[str] | None = None) -> pd.DataFrame:
        """A Parquet dataset; a missing one is a DatasetError saying which stage writes it."""
        path = self.path(name)
        if not path.is_file():
            stage = self.catalog[name].get("stage", "clean")
            raise DatasetError(f"{self.folder} 中没有数据集 {name}（由 {stage} 阶段写出）："
                               "请先运行 python -m helpers clean")
        return pd.read_parquet(path, columns=columns)

    def read_json(self, name: str) -> dict[str, Any]:
        path = self.path(name)
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as problem:
            raise DatasetError(f"{path} 无法读取（{problem}）：请先运行 python -m helpers clean") from None

    def write(self, name: str, frame: pd.DataFrame, schema: pa.DataFrameSchema | None = None) -> str:
        """Check `frame` against `schema`, write it atomically as Parquet and return the digest of its bytes."""
        if schema is not None:
            frame = schema.validate(frame, lazy=True)
        path = atomic_write(self.path(name), lambda partial: frame.to_parquet(partial, index=False))
        return digest_bytes(path.read_bytes())

    def record(self) -> dict[str, Any]:
        """Per stage: the digest of its inputs and of each output, as last written (empty when never run)."""
        path = self.path(RECORD)
        try:
            return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        except ValueError:
            return {}

    def write_record(self, record: dict[str, Any]) -> None:
        atomic_write(self.path(RECORD), json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True))

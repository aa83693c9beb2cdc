"""Clean every source of a raw folder and write the processed tables, quarantine and accounts."""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from helpers import schemas
from helpers.cleaning.run import SourceResult, catalog, clean_source, source_files
from helpers.safety import neutralise_frame

PROVENANCE = "PROVENANCE.json"


class RawDirError(Exception):
    """The raw folder is missing or holds no extract at all (a message for people)."""


@dataclass
class CleanRun:
    """What one cleaning run produced, per source, plus the folder it wrote."""

    out_dir: Path
    results: dict[str, SourceResult] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    unknown_folders: list[str] = field(default_factory=list)
    manifest: dict = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def table(self, part: str) -> pd.DataFrame:
        frames = [getattr(r, part) for r in self.results.values() if len(getattr(r, part))]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def reasons(self) -> pd.DataFrame:
        """Rows set aside per source, file, outcome and reason (the quarantine in counts)."""
        quarantine = self.table("quarantine")
        if quarantine.empty:
            return pd.DataFrame(columns=["source", "file", "outcome", "reason", "rows"])
        keys = ["source", "file", "outcome", "reason"]
        return quarantine.groupby(keys, sort=True).size().rename("rows").reset_index()


def check_raw_dir(raw_dir: Path) -> None:
    if not raw_dir.is_dir():
        raise RawDirError(f"找不到原始数据目录：{raw_dir}（请创建它并按来源放入导出文件，或运行 make sample-data）")
    if not any(source_files(raw_dir, source) for source in catalog()):
        raise RawDirError(
            f"原始数据目录为空：{raw_dir} 下没有任何来源文件夹中的数据文件"
            f"（应为 {raw_dir}/<来源>/<文件>，来源：{', '.join(catalog())}；可运行 make sample-data 生成示例数据）"
        )


def clean_all(raw_dir: Path, out_dir: Path | None = None, sources: list[str] | None = None) -> CleanRun:
    """Clean every source under raw_dir; write to out_dir when given. Raises RawDirError for an unusable folder."""
    raw_dir = Path(raw_dir)
    check_raw_dir(raw_dir)
    run = CleanRun(out_dir=Path(out_dir) if out_dir else raw_dir)
    known = catalog()
    run.unknown_folders = sorted(p.name for p in raw_dir.iterdir() if p.is_dir() and p.name not in known)
    for source in sources or list(known):
        files = source_files(raw_dir, source)
        if not files:
            run.missing.append(source)
            continue
        started = time.perf_counter()
        result = clean_source(source, files, raw_dir)
        result.clean = schemas.validate(source, result.clean)
        run.results[source] = result
        run.seconds[source] = round(time.perf_counter() - started, 3)
    run.manifest = _manifest(raw_dir, run)
    if out_dir is not None:
        write(run, Path(out_dir))
    return run


def _manifest(raw_dir: Path, run: CleanRun) -> dict:
    provenance_file = raw_dir / PROVENANCE
    provenance = json.loads(provenance_file.read_text(encoding="utf-8")) if provenance_file.is_file() else {}
    sources = {}
    for name, result in run.results.items():
        dates = result.clean.select_dtypes(include=["datetime64"]).max().dropna()
        sources[name] = {
            "files": int((result.files["status"] == "ok").sum()),
            "files_rejected": int((result.files["status"] != "ok").sum()),
            "rows_clean": len(result.clean),
            "latest_date": dates.max().date().isoformat() if len(dates) else None,
            "seconds": run.seconds.get(name),
        }
    latest = [s["latest_date"] for s in sources.values() if s["latest_date"]]
    return {
        "cleaned_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "raw_dir": str(raw_dir),
        "synthetic": bool(provenance.get("synthetic", False)),
        "provenance": {k: provenance[k] for k in ("generator", "seed", "scale", "note") if k in provenance},
        "data_cutoff": max(latest) if latest else None,
        "sources": sources,
        "missing_sources": run.missing,
        "unknown_folders": run.unknown_folders,
    }


def _atomic_parquet(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    try:
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write(run: CleanRun, out_dir: Path) -> None:
    """clean/<source>.parquet, quarantine/<source>.parquet, reconciliation, files, warnings, manifest."""
    for name, result in run.results.items():
        _atomic_parquet(result.clean, out_dir / "clean" / f"{name}.parquet")
        _atomic_parquet(result.quarantine, out_dir / "quarantine" / f"{name}.parquet")
    for stale in [*(out_dir / "clean").glob("*.parquet"), *(out_dir / "quarantine").glob("*.parquet")]:
        if stale.stem not in run.results:
            stale.unlink()
    for part in ("reconciliation", "files", "warnings", "reasons"):
        table = run.reasons() if part == "reasons" else run.table(part)
        _atomic_parquet(table, out_dir / f"{part}.parquet")
        neutralise_frame(table).to_csv(out_dir / f"{part}.csv", index=False, encoding="utf-8-sig")
    (out_dir / "manifest.json").write_text(json.dumps(run.manifest, ensure_ascii=False, indent=2), encoding="utf-8")

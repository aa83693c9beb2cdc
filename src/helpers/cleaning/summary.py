"""Plain-text accounts for the terminal: what cleaning read, kept and set aside."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from helpers.cleaning import CleanRun


def reconciliation_summary(run: CleanRun, reasons: dict[str, str]) -> str:
    """Per source: files, rows in and their outcomes; then reasons (described by `reasons`), broken files and
    missing sources."""
    recon = run.table("reconciliation")
    lines = [f"清洗结果 → {run.out_dir}", ""]
    if len(recon):
        outcomes = ["rows_in", "clean", "duplicate", "rejected", "out_of_scope"]
        per_source = recon.groupby("source", sort=False)[outcomes].sum()
        files = run.table("files").groupby("source", sort=False)["status"].agg(
            files="size", broken=lambda s: int((s == "rejected").sum()))
        table = files.join(per_source)
        lines.append(table.to_string())
        lines.append("")
    set_aside = run.reasons()
    rejected = set_aside[set_aside["outcome"] == "rejected"]
    if len(rejected):
        counts = rejected.groupby(["source", "reason"])["rows"].sum().reset_index()
        counts["说明"] = counts["reason"].map(reasons)
        lines += ["被拒绝的行（原因）：", counts.to_string(index=False), ""]
    files = run.table("files")
    said = {"rejected": "文件未读取", "skipped": "已跳过", "ok": "注意"}
    for _, row in (files[files["message"].notna()] if len(files) else files).iterrows():
        lines.append(f"{said[row['status']]}：{row['file']}：{row['message']}")
    for source in run.missing:
        lines.append(f"来源缺失：{source}（相关指标将标为“数据缺失”）")
    for folder in run.unknown_folders:
        lines.append(f"未知文件夹已忽略：{folder}")
    for name in run.stray_files:
        lines.append(f"原始数据目录顶层的文件已忽略：{name}（数据文件应放在 <来源>/ 文件夹中）")
    return "\n".join(lines).rstrip() + "\n"



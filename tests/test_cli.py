"""`python -m helpers clean`: data problems give a message and an exit code, never a traceback."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import LEDGER_HEADER, PATENT_HEADER, REPO, app_no, run_cli, write_bytes, write_csv
from helpers import cli
from helpers.context import ConfError, Context


@pytest.mark.e2e
@pytest.mark.parametrize("kind", ["missing", "empty"])
def test_unusable_raw_folder(tmp_path, kind):
    raw = tmp_path / "raw"
    if kind == "empty":
        (raw / "patents").mkdir(parents=True)  # a source folder with no data file is still empty
        (raw / "patents" / "readme.docx").write_text("not an extract")
    result = run_cli("clean", "--raw-dir", str(raw), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1, message
    assert str(raw) in message
    assert ("找不到原始数据目录" if kind == "missing" else "原始数据目录为空") in message
    assert not (tmp_path / "out").exists()


def test_one_broken_file_still_cleans_and_names_it(tmp_path, capsys):
    raw = tmp_path / "raw"
    write_csv(
        raw, "patents", "good.csv", PATENT_HEADER, [[app_no("202110000001"), "2021-03-05", "A公司", "河源市紫金县"]]
    )
    write_bytes(raw, "patents", "broken.csv", bytes(range(256)) * 4)
    write_csv(raw, "assistance_cases", "a.csv", LEDGER_HEADER, [["C1", "2021-03-05", "调解", "紫金"]])
    out = tmp_path / "out"
    assert cli.main(["clean", "--raw-dir", str(raw), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    assert "patents/broken.csv" in captured.out
    assert "二进制" in captured.out  # the plain-language reason
    assert "来源缺失：copyright" in captured.out
    files = pd.read_csv(out / "files.csv", encoding="utf-8-sig").set_index("file")
    assert files.loc["patents/broken.csv", "status"] == "rejected"
    assert files.loc["patents/broken.csv", "reason"] == "binary"
    recon = pd.read_parquet(out / "reconciliation.parquet")
    assert (recon["rows_in"] == recon[["clean", "duplicate", "rejected", "out_of_scope"]].sum(axis=1)).all()
    assert len(pd.read_parquet(out / "clean" / "patents.parquet")) == 1
    assert len(pd.read_parquet(out / "clean" / "assistance_cases.parquet")) == 1
    assert (out / "quarantine" / "patents.parquet").is_file() and (out / "manifest.json").is_file()


@pytest.mark.e2e
def test_broken_file_run_exits_zero_as_a_process(tmp_path):
    raw = tmp_path / "raw"
    write_csv(raw, "assistance_cases", "a.csv", LEDGER_HEADER, [["C1", "2021-03-05", "调解", "紫金"]])
    write_bytes(raw, "assistance_cases", "empty.csv", b"")
    result = run_cli("clean", "--raw-dir", str(raw), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "assistance_cases/empty.csv" in result.stdout and "文件为空" in result.stdout


@pytest.mark.e2e
def test_clean_if_changed_skips_an_unchanged_folder_and_redoes_a_changed_one(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_csv(raw, "assistance_cases", "a.csv", LEDGER_HEADER, [["C1", "2021-03-05", "调解", "紫金"]])
    first = run_cli("clean", "--raw-dir", str(raw), "--out", str(out), "--if-changed")
    assert first.returncode == 0 and "跳过清洗" not in first.stdout
    again = run_cli("clean", "--raw-dir", str(raw), "--out", str(out), "--if-changed")
    assert again.returncode == 0 and "跳过清洗" in again.stdout
    write_csv(raw, "assistance_cases", "b.csv", LEDGER_HEADER, [["C2", "2022-04-01", "调解", "龙川"]])
    changed = run_cli("clean", "--raw-dir", str(raw), "--out", str(out), "--if-changed")
    assert changed.returncode == 0 and "跳过清洗" not in changed.stdout
    assert len(pd.read_parquet(out / "clean" / "assistance_cases.parquet")) == 2


def test_a_misspelt_key_or_a_wrong_type_in_conf_local_is_one_message_naming_file_and_key(tmp_path):
    """The configuration files are checked when read (helpers.settings): a misspelt key or a value of the wrong type
    in conf/local is named with its file and key, through the command line's error path (exit 2, no traceback)."""
    root = tmp_path / "checkout"
    (root / "conf" / "local").mkdir(parents=True)
    (root / "conf" / "base").symlink_to(REPO / "conf" / "base")
    cases = {
        "report.yaml": ("evalutor: 某评估组\n", "conf/local/report.yaml 中的 evalutor：没有这个配置项"),
        "evaluation.yaml": ("thresholds: {lagging: 六成}\n",
                            "conf/local/evaluation.yaml 中的 thresholds.lagging：应为数字"),
        "assessment.yaml": ("period: {graded_modes: [final, annaul]}\n",
                            "conf/local/assessment.yaml 中的 period.graded_modes[1]：应为以下之一"),
        "areas.yaml": ("city: {code: 441600}\n", "conf/local/areas.yaml 中的 city.code：应为文本"),
    }
    for name, (text, message) in cases.items():
        local = root / "conf" / "local" / name
        local.write_text(text, encoding="utf-8")
        with pytest.raises(ConfError) as raised:
            Context.load(root)
        assert message in str(raised.value), str(raised.value)
        local.unlink()
    (root / "conf" / "local" / "report.yaml").write_text("word: {toc_levels: two}\n", encoding="utf-8")
    result = run_cli("clean", "--help", root=root)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "conf/local/report.yaml 中的 word.toc_levels：应为整数（现为 'two'）" in result.stderr

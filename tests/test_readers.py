"""Readers: encodings, header rows and variants, spreadsheets, broken files — cells come back as written."""

from __future__ import annotations

import codecs
import copy
import datetime as dt
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import CONTEXT, LEDGER_HEADER, PATENT_HEADER, write_bytes, write_csv, write_xlsx
from helpers.cleaning import readers
from helpers.cleaning.inputs import source_inputs
from helpers.cleaning.readers import LINE, FileRejected, _cell_text, _column_text, _filled_line_numbers


def header(source: str) -> readers.Header:
    return readers.Header.of(CONTEXT.sources[source], CONTEXT.cleaning)


def read(path, source: str) -> readers.RawTable:
    return readers.read_file(path, header(source))


def header_of_patents() -> readers.Header:
    return header("patents")


def cells(table: readers.RawTable, name: str) -> list:
    return table.frame[table.columns[name]].tolist()


# ----------------------------------------------------------------------------- encodings
ROWS = [
    ["HY-2021-001", "2021-03-05", "维权援助", "源城区", "河源市龙川县老隆镇（东）—“恒昌”商行"],
    ["HY-2021-002", "2021/3/6", "调解", "紫金县", "刘䶮·客家娘酒坊"],  # 䶮 (U+4DAE) exists in GB18030, not in GBK
]


@pytest.mark.parametrize(
    "encoding, detected",
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030")],
)
def test_encodings_read_back_exactly(raw, encoding, detected):
    rows = ROWS if encoding != "gbk" else [ROWS[0]]
    path = write_csv(raw, "assistance_cases", "x.csv", [*LEDGER_HEADER, "结果"], rows, encoding=encoding)
    table = read(path, "assistance_cases")
    assert table.encoding == detected
    assert list(table.columns) == ["case_no", "accepted_date", "case_type", "county", "result"]
    assert cells(table, "result") == [r[4] for r in rows]
    assert cells(table, "county") == [r[3] for r in rows]
    assert table.frame[LINE].tolist() == list(range(2, 2 + len(rows)))


@pytest.mark.parametrize("encoding, bom", [("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-le", b""),
                                           ("utf-16-be", codecs.BOM_UTF16_BE), ("utf-16-be", b"")])
@pytest.mark.parametrize("delimiter", ["\t", ","])
def test_utf16_read_back_exactly(raw, encoding, bom, delimiter):
    path = write_csv(raw, "assistance_cases", "x.txt", [*LEDGER_HEADER, "结果"], ROWS, encoding=encoding, bom=bom,
                     delimiter=delimiter)
    table = read(path, "assistance_cases")
    assert table.encoding == encoding
    assert cells(table, "result") == [r[4] for r in ROWS]
    assert table.frame[LINE].tolist() == [2, 3]


def test_big5_reads_exactly_where_the_catalog_knows_its_headers(raw):
    """Traditional headers are no alias of the catalog; with them added (as conf/local may), a Big5 file reads as
    Big5, not as the GB18030 that decodes the same bytes into other characters."""
    spec = copy.deepcopy(CONTEXT.sources["assistance_cases"])
    traditional = {"case_no": "案件編號", "accepted_date": "受理日期", "county": "所在區縣", "result": "結果"}
    for name, alias in traditional.items():
        spec["fields"][name].setdefault("aliases", []).append(alias)
    rows = [["HY-2021-001", "2021-03-05", "龍川縣", "廣東省河源市龍川縣老隆鎮「恆昌」商行"]]
    path = write_csv(raw, "assistance_cases", "tw.csv", list(traditional.values()), rows, encoding="big5")
    table = readers.read_file(path, readers.Header.of(spec, CONTEXT.cleaning))
    assert table.encoding == "cp950"
    assert cells(table, "result") == [rows[0][3]] and cells(table, "county") == ["龍川縣"]


@pytest.mark.parametrize("encoding", ["gbk", "gb18030"])
def test_tiny_gbk_file_is_not_mojibake(raw, encoding):
    """One short row is a hard case for statistical detection."""
    path = write_csv(
        raw, "population", "p.csv", ["年度", "地区", "常住人口"], [["2020", "紫金县", "60.2"]], encoding=encoding
    )
    table = read(path, "population")
    assert cells(table, "area") == ["紫金县"]
    assert table.headers == {"year": "年度", "area": "地区", "population_wan": "常住人口"}


def test_gbk_header_with_every_kind_of_column(raw):
    header = ["申请号", "申请日", "申请(专利权)人", "申请人地址", "法律状态"]
    row = ["202110123456.1", "2021-03-05", "河源市源城区恒昌电子有限公司", "广东省河源市源城区新市区大道", "有效"]
    path = write_csv(raw, "patents", "p.csv", header, [row], encoding="gbk")
    table = read(path, "patents")
    assert [table.frame[c].iloc[0] for c in table.frame.columns if c != LINE] == row


# ----------------------------------------------------------------------------- header variants
@pytest.mark.parametrize(
    "header",
    [
        "申请人地址",
        "申请(专利权)人地址",
        "申请（专利权）人地址",
        "[标]当前申请(专利权)人地址",
        "［标］当前申请（专利权）人地址",
        "当前申请(专利权)人地址",
        "申\u00ad请人\u200b地址",
        "\ufeff申请人地址",
        " 申请人 地址 ",
    ],
)
def test_address_header_variants(raw, header):
    path = write_csv(
        raw,
        "patents",
        "p.csv",
        ["申请号", "申请日", "申请人", header],
        [["202110123456.1", "2021-03-05", "A公司", "河源市源城区"]],
    )
    table = read(path, "patents")
    assert cells(table, "address") == ["河源市源城区"]
    assert table.headers["address"] == header.strip() or table.headers["address"] == header


@pytest.mark.parametrize(
    "header, field",
    [
        ("公开（公告）号", "publication_no"),
        ("公开(公告)号", "publication_no"),
        ("申请（专利权）人", "applicant"),
        ("[标]当前申请(专利权)人", "current_holder"),
        ("Application Number", "application_no"),
        ("*申请号", "application_no"),
        ("申请\u200b日", "application_date"),
    ],
)
def test_patent_header_aliases(header, field):
    found = header_of_patents().match(["备注", header])
    assert found[field] == 1


def test_header_naming_a_unit_matches_the_field_and_keeps_the_unit(raw):
    header = ["登记号", "权利类型", "出质人", "出质人地址", "质权人", "登记生效日", "质押金额（元）"]
    path = write_csv(
        raw, "pledges", "p.csv", header, [["Z1", "专利", "A公司", "河源市源城区", "B银行", "2021-03-05", "12005000"]]
    )
    table = read(path, "pledges")
    assert table.headers["amount_wan"] == "质押金额（元）"
    assert cells(table, "amount_wan") == ["12005000"]


def test_first_alias_wins_when_a_file_has_two_columns_for_one_field():
    found = header_of_patents().match(["专利号", "申请日", "申请人", "申请号"])
    assert found["application_no"] == 3  # 申请号 is the label, ranked before 专利号


# ----------------------------------------------------------------------------- preamble rows
def test_csv_preamble_lines_above_header(raw):
    path = write_csv(
        raw,
        "patents",
        "p.csv",
        PATENT_HEADER,
        [
            ["202110123456.1", "2021-03-05", "A公司", "河源市源城区"],
            ["202120123456.2", "2021-03-06", "B公司", "河源市"],
        ],
        preamble=["检索式: (AD>=20210101) AND (ADDR=(河源))", "search URL:,https://example.invalid/search?q=x,,"],
    )
    table = read(path, "patents")
    assert table.header_line == 3
    assert table.frame[LINE].tolist() == [4, 5]
    assert cells(table, "applicant") == ["A公司", "B公司"]


def test_csv_title_line_with_a_unicode_line_separator_keeps_the_header_line(raw):
    """U+2028 or \x1c in a title line is text, not a line end: the header and line numbers stay right."""
    row = ["202110123456.1", "2021-03-05", "A公司", "河源市源城区"]
    path = write_csv(raw, "patents", "p.csv", PATENT_HEADER, [row], preamble=["河源市专利\u2028检索结果\x1c导出"])
    table = read(path, "patents")
    assert table.header_line == 2
    assert table.frame[LINE].tolist() == [3]
    assert cells(table, "applicant") == ["A公司"]


def test_xlsx_merged_title_row_above_header(raw):
    path = write_xlsx(
        raw,
        "patents",
        "p.xlsx",
        PATENT_HEADER,
        [["202110123456.1", "2021-03-05", "A公司", "河源市源城区"]],
        title="河源市专利检索结果（导出）",
    )
    table = read(path, "patents")
    assert table.header_line == 2
    assert table.frame[LINE].tolist() == [3]
    assert cells(table, "address") == ["河源市源城区"]


def test_tab_separated_text(raw):
    path = write_csv(
        raw, "assistance_cases", "t.txt", LEDGER_HEADER, [["C1", "2021-03-05", "调解", "东源"]], delimiter="\t"
    )
    assert cells(read(path, "assistance_cases"), "county") == ["东源"]


def test_multiline_cell_keeps_first_physical_line_numbers(raw):
    path = write_csv(
        raw,
        "assistance_cases",
        "m.csv",
        [*LEDGER_HEADER, "结果"],
        [["C1", "2021-03-05", "调解", "东源", "第一行\n第二行"], ["C2", "2021-03-06", "调解", "紫金", "ok"]],
    )
    table = read(path, "assistance_cases")
    assert table.frame[LINE].tolist() == [2, 4]
    assert cells(table, "result") == ["第一行\n第二行", "ok"]


# ----------------------------------------------------------------------------- spreadsheet cells
def test_xlsx_numbers_and_dates_as_text(raw):
    path = write_xlsx(
        raw,
        "patents",
        "p.xlsx",
        PATENT_HEADER,
        [[202110123456.7, dt.datetime(2021, 3, 5), "A公司", "河源市"], [202110123450.0, 44260, "B公司", "河源市"]],
    )
    table = read(path, "patents")
    assert cells(table, "application_no") == ["202110123456.7", "202110123450"]
    assert cells(table, "application_date")[0].startswith("2021-03-05")
    assert cells(table, "application_date")[1] == "44260"


# ----------------------------------------------------------------------------- broken files
def _truncated_xlsx(raw) -> bytes:
    good = write_xlsx(raw, "tmp", "good.xlsx", PATENT_HEADER, [["202110123456.1", "2021-03-05", "A公司", "河源市"]])
    assert zipfile.is_zipfile(good)
    data = good.read_bytes()
    return data[: len(data) // 2]


@pytest.mark.parametrize(
    "name, make, code",
    [
        ("empty.csv", lambda raw: b"", "empty"),
        ("blank.csv", lambda raw: b" \r\n\r\n", "empty"),
        ("empty.xlsx", lambda raw: b"", "empty"),
        ("junk.csv", lambda raw: bytes(range(256)) * 8, "binary"),
        ("nul.csv", lambda raw: "申请号,申请日,申请人\r\n1,2,3\x00\r\n".encode(), "binary"),  # UTF-8, not UTF-16
        ("junk.xlsx", lambda raw: b"PK\x03\x04 not really a workbook" * 10, "unreadable_workbook"),
        ("cut.xlsx", _truncated_xlsx, "unreadable_workbook"),
        ("other.csv", lambda raw: "名称,数量,备注\r\n苹果,3,无\r\n".encode(), "no_header"),
    ],
)
def test_broken_files_raise_file_rejected_with_chinese_message(raw, name, make, code):
    path = write_bytes(raw, "patents", name, make(raw))
    with pytest.raises(FileRejected) as info:
        read(path, "patents")
    assert info.value.code == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in info.value.message)


def test_header_without_required_column_is_no_header(raw):
    path = write_csv(raw, "patents", "p.csv", ["申请日", "申请人", "申请人地址"], [["2021-03-05", "A公司", "河源市"]])
    with pytest.raises(FileRejected) as info:
        read(path, "patents")
    assert info.value.code == "no_header" and "申请号" in info.value.message


def test_inputs_of_a_folder_pass_over_system_files_and_name_the_unreadable(tmp_path):
    for name in ("a.csv", "b.csv.gz", "~$a.xlsx", ".hidden.csv", "notes.docx"):
        (tmp_path / name).write_bytes(b"x")
    found = {item.name(tmp_path): item.problem and item.problem[0] for item in source_inputs(tmp_path)}
    assert found == {"a.csv": None, "b.csv.gz": None, "notes.docx": "unsupported_kind"}
    logs = source_inputs(tmp_path, form="access_log")
    assert {item.name(tmp_path) for item in logs} == {"a.csv", "b.csv.gz", "notes.docx"}


@pytest.mark.parametrize(("lines", "numbers", "refused"), [
    (["{good}", "garbage", "{good}", "{good}", "#Fields: x", "{good}"], [1, 2, 3, 4, 5, 6], [2, 5]),
    # empty lines are skipped; a line of white space is a bad line, however the parser splits it
    (["", "{good}", "   ", "{good}", "", "", "garbage", "{good}", " " * 9, "{good}"], [2, 3, 4, 7, 8, 9, 10], [3, 7]),
])
def test_log_line_numbers_same_whether_arrow_parses_serially_or_in_parallel(tmp_path, lines, numbers, refused):
    import pyarrow as pa

    good = '1.2.3.4 - - [05/Mar/2021:10:00:00 +0800] "GET / HTTP/1.1" 200 5 "-" "Mozilla/5.0"'
    path = tmp_path / "access.log"
    path.write_text("\n".join(line.format(good=good) for line in lines) + "\n", encoding="utf-8")
    threads = pa.cpu_count()
    try:
        pa.set_cpu_count(1)  # as in a worker of the cleaning pool: refused rows come with their numbers
        serial = readers.read_access_log(path).frame
    finally:
        pa.set_cpu_count(threads)
    parallel = readers.read_access_log(path).frame
    for frame in (serial, parallel):
        assert sorted(frame[readers.LINE]) == numbers
        assert sorted(frame.loc[frame[readers.REJECT].notna(), readers.LINE]) == refused


@pytest.mark.parametrize("text", ["{good}\n\ngarbage\n{good}\n", "{good}\r\n\r\ngarbage\r\n{good}\r\n",
                                  "{good}\r\rgarbage\r{good}", "{good}\r\n\rgarbage\n{good}"])
def test_log_lines_are_numbered_whatever_ends_them(tmp_path, text):
    """A line ends at \\n, \\r\\n or a lone \\r, as the parser ends it (found in numpy, not line by line): the
    empty line is skipped but counted, and the refused line keeps its own number."""
    good = '1.2.3.4 - - [05/Mar/2021:10:00:00 +0800] "GET / HTTP/1.1" 200 5 "-" "Mozilla/5.0"'
    path = tmp_path / "access.log"
    path.write_bytes(text.format(good=good).encode())
    frame = readers.read_access_log(path).frame
    assert sorted(frame[LINE]) == [1, 3, 4]
    assert frame.loc[frame[readers.REJECT].notna(), LINE].tolist() == [3]


CUT_LOG_LINE = '1.2.3.4 - - [05/Mar/2021:10:00:00 +0800] "GET / HTTP/1.1" 200 5 "-" "Mozi'


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("broken", [["ab\\", "cd"], [CUT_LOG_LINE]])
def test_log_line_broken_by_an_escape_or_a_cut_quote_is_rejected_alone(tmp_path, threads, broken):
    """A line ending in the escape character runs into the next, a line cut inside a quoted field never closes
    it: those lines alone are bad, each with its number; the good lines around them are kept."""
    import pyarrow as pa

    good = '1.2.3.4 - - [05/Mar/2021:10:00:00 +0800] "GET / HTTP/1.1" 200 5 "-" "Mozilla/5.0"'
    path = tmp_path / "access.log"
    path.write_text("\n".join([good, *broken, good]) + "\n", encoding="utf-8")
    before = pa.cpu_count()
    try:
        pa.set_cpu_count(threads)
        frame = readers.read_access_log(path).frame
    finally:
        pa.set_cpu_count(before)
    bad = frame[frame[readers.REJECT].notna()]
    assert sorted(frame[LINE]) == list(range(1, len(broken) + 3))
    assert bad[LINE].tolist() == list(range(2, len(broken) + 2)) and set(bad[readers.REJECT]) == {"bad_log_line"}


def test_spreadsheet_columns_read_as_text_exactly_as_cell_by_cell() -> None:
    """The column-at-once conversion writes every kind of cell as the one-cell rule does (True is not 1)."""
    cells = np.array(["紫金县", "", None, 1.0, 2.5, 202110123456.0, 1e20, float("nan"), -0.0, 1.5e-7, True, False, 1, 3,
                      dt.datetime(2021, 3, 4, 5, 6, 7), dt.date(2020, 1, 2), dt.date(2020, 1, 2), dt.time(1, 2)],
                     dtype=object)
    def written(column: np.ndarray) -> list[str | None]:
        return [None if pd.isna(text) else text for text in _column_text(column)]

    assert written(cells) == [_cell_text(cell) for cell in cells]
    text_only = np.array(["紫金县", "", None, "1.0", " "], dtype=object)  # handed to Arrow at once
    assert written(text_only) == [_cell_text(cell) for cell in text_only]
    assert written(np.array([None, None], dtype=object)) == [None, None]


@pytest.mark.parametrize(("body", "skip", "lines"), [
    (b"h\na\nb\n", 1, [2, 3]),
    (b"h\na\nb", 1, [2, 3]),                      # last line without a newline
    (b"note\n\nh\na\n\n\nb\n", 3, [4, 7]),        # blank lines are not data lines, in the preamble or after
    (b"h\r\na\r\n\r\nb\r\n", 1, [2, 4]),          # CRLF blank line
    (b"h\n", 1, []),
])
def test_filled_line_numbers_are_the_data_lines_that_are_not_blank(body: bytes, skip: int, lines: list[int]) -> None:
    assert _filled_line_numbers(body, skip).tolist() == lines


def test_rows_after_a_blank_line_keep_their_own_line_numbers(tmp_path: Path) -> None:
    """The fast CSV path skips the empty line; the next row still reports the line it is written on."""
    path = tmp_path / "patents.csv"
    path.write_text("申请号,申请人,申请人地址,专利类型,申请日\n"
                    "202110123456.7,甲公司,广东省河源市源城区建设路1号,发明,2021-01-02\n"
                    "\n"
                    "202110123457.X,乙公司,广东省河源市源城区建设路2号,发明,2021-01-03\n", encoding="utf-8")
    table = readers.read_text_table(path, header("patents"))
    assert table.frame[LINE].tolist() == [2, 4]

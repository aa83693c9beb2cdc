"""Value parsers: text, headers, multi-values, dates, amounts, CN application numbers."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import CONTEXT, cn_check
from helpers.cleaning import parsing

RULES = CONTEXT.cleaning


def series(*values: object) -> pd.Series:
    return pd.Series(list(values), dtype="str")


# ----------------------------------------------------------------------------- text and headers
def test_clean_text_nfkc_invisibles_and_missing_markers():
    out = parsing.clean_text(
        series("  河源\u200b市\u00ad ", "\ufeff１２００", "-", "", None, "<script>alert(1)</script>"), RULES
    )
    assert out.tolist()[:2] == ["河源市", "1200"]
    assert out[2:5].isna().all()
    assert out[5] == "<script>alert(1)</script>"


MIXED = ["  河源\u200b市 ", "2021年3月5日", "2021-03-05", " 2021-03-05", "-", "", None, "１２００", "1,200", "1200",
         "是", "否", " yes", "2021", "2021.0", "n/a"]


@pytest.mark.parametrize("cells", [MIXED, [c for c in MIXED if c is None or c.isascii()], [None, None], []])
def test_distinct_cleaning_matches_column_cleaning(cells):
    distinct, column = parsing.clean_distinct(series(*cells), RULES), parsing.clean_text(series(*cells), RULES)
    pd.testing.assert_series_equal(distinct.text(), column)
    assert parsing.present(distinct).tolist() == column.notna().tolist()


@pytest.mark.parametrize("parse", [lambda v: parsing.parse_dates(v, RULES), parsing.parse_numbers,
                                   parsing.parse_years, lambda v: parsing.parse_bools(v, RULES)])
def test_parsers_read_the_distinct_values_as_they_read_the_column(parse):
    from_column = parse(parsing.clean_text(series(*MIXED), RULES))
    from_distinct = parse(parsing.clean_distinct(series(*MIXED), RULES))
    for column, distinct in zip(from_column, from_distinct, strict=True):
        pd.testing.assert_series_equal(distinct, column)


@pytest.mark.parametrize(
    "header",
    [
        "申请人地址",
        "申请(专利权)人地址",
        "申请（专利权）人地址",
        " 申请\u00ad人\u200b地址\ufeff ",
        "*申请人地址",
        "申 请 人 地 址",
    ],
)
def test_header_key_normalises_brackets_spaces_and_invisibles(header):
    assert RULES.header_key(header) in {RULES.header_key("申请人地址"), RULES.header_key("申请(专利权)人地址")}
    assert "\u00ad" not in RULES.header_key(header) and " " not in RULES.header_key(header)


def test_header_key_fullwidth_equals_halfwidth():
    assert RULES.header_key("公开（公告）号") == RULES.header_key("公开(公告)号")
    assert RULES.header_key("Application Date") == RULES.header_key("application date")


@pytest.mark.parametrize(
    "header, unit",
    [
        ("质押金额（元）", "元"),
        ("质押金额(万元)", "万元"),
        ("产值（亿元）", "亿元"),
        ("常住人口（人）", "人"),
        ("常住人口(万人)", "万人"),
        ("产值/万元", "万元"),
        ("质押金额", None),
    ],
)
def test_unit_in_header(header, unit):
    assert parsing.unit_in_header(header, RULES) == unit


@pytest.mark.parametrize(
    "cell", ["A公司; B公司", "A公司 | B公司", "A公司|B公司", "A公司；B公司", "A公司、B公司", "A公司"]
)
def test_first_listed(cell):
    assert parsing.first_listed(series(cell), RULES).tolist() == ["A公司"]


# ----------------------------------------------------------------------------- dates
@pytest.mark.parametrize(
    "text",
    [
        "2021-03-05",
        "2021/3/5",
        "2021.03.05",
        "2021年3月5日",
        "2021年03月05日",
        "20210305",
        "44260",
        "2021-03-05 00:00:00",
        "2021-3-5",
    ],
)
def test_every_date_spelling_gives_one_date(text):
    dates, bad = parsing.parse_dates(series(text), RULES)
    assert not bad[0]
    assert dates[0] == pd.Timestamp("2021-03-05")


@pytest.mark.parametrize("text", ["2021-13-45", "昨天", "2021", "3/5/21", "12345678", "1900-01-01", "99999"])
def test_unparseable_dates_are_flagged(text):
    dates, bad = parsing.parse_dates(series(text), RULES)
    assert bad[0] and pd.isna(dates[0])


def test_missing_date_is_not_bad():
    dates, bad = parsing.parse_dates(series(None, "2021-03-05"), RULES)
    assert not bad.any() and pd.isna(dates[0])


# ----------------------------------------------------------------------------- amounts
@pytest.mark.parametrize(
    "text, header_unit, expected",
    [
        ("1,200.5", None, 1200.5),
        ("1200.5万元", None, 1200.5),
        ("12005000元", None, 1200.5),
        ("1.2亿元", None, 12000.0),
        ("1200", None, 1200.0),
        ("12005000", "元", 1200.5),
        ("1200.5万元", "元", 1200.5),
        ("0.12亿", None, 1200.0),
    ],
)
def test_amounts_to_wan(text, header_unit, expected):
    amounts, bad = parsing.parse_amounts(series(text), "万元", header_unit, RULES)
    assert not bad[0]
    assert amounts[0] == pytest.approx(expected)


@pytest.mark.parametrize(
    "text, header_unit, expected",
    [("1.65", None, 1.65), ("16500万元", None, 1.65), ("16500", "万元", 1.65), ("165000000元", None, 1.65)],
)
def test_amounts_to_yi(text, header_unit, expected):
    amounts, bad = parsing.parse_amounts(series(text), "亿元", header_unit, RULES)
    assert not bad[0] and amounts[0] == pytest.approx(expected)


def test_negative_amount_is_read_for_the_caller_to_reject():
    amounts, bad = parsing.parse_amounts(series("-5万元"), "万元", None, RULES)
    assert not bad[0] and amounts[0] == -5


@pytest.mark.parametrize("text", ["约一千万", "1200美元", "abc", "1.2.3"])
def test_unreadable_amounts_flagged(text):
    _, bad = parsing.parse_amounts(series(text), "万元", None, RULES)
    assert bad[0]


# ----------------------------------------------------------------------------- CN application numbers
def test_check_chars_match_the_contract_rule():
    for digits in ["202110123456", "202120654321", "201930000017", "99123456", "02100001", "200810071234"]:
        assert parsing.check_char(digits) == cn_check(digits)


def _parse_no(text: str) -> dict:
    return parsing.parse_patent_numbers(series(text)).iloc[0].to_dict()


def test_valid_number_ok_with_or_without_prefix():
    digits = "202110123456"
    for text in [
        f"{digits}.{cn_check(digits)}",
        f"CN{digits}.{cn_check(digits)}",
        f"ZL{digits}.{cn_check(digits)}",
        f"{digits}{cn_check(digits)}",
    ]:
        parsed = _parse_no(text)
        assert (parsed["digits"], parsed["status"]) == (digits, "ok"), text


def test_dropped_check_char_recomputed():
    parsed = _parse_no("202110123456")
    assert parsed == {"digits": "202110123456", "check": cn_check("202110123456"), "status": "recomputed"}


def test_scientific_with_all_digits_restored():
    parsed = _parse_no("2.02110123456E+11")
    assert (parsed["digits"], parsed["status"]) == ("202110123456", "recomputed")


def test_scientific_with_lost_digits():
    assert _parse_no("2.0211012346E+11")["status"] == "precision_lost"


def test_wrong_check_char():
    digits = "202110123456"
    wrong = "1" if cn_check(digits) != "1" else "2"
    assert _parse_no(f"{digits}.{wrong}")["status"] == "bad_check"


def test_eight_digit_pre_2003_numbers():
    digits = "99123456"
    assert _parse_no(f"{digits}.{cn_check(digits)}")["status"] == "ok"
    assert parsing.patent_type_from_number(series("99123456", "98212345", "97312345")).tolist() == [
        "发明",
        "实用新型",
        "外观设计",
    ]


def test_type_from_fifth_digit_of_twelve():
    got = parsing.patent_type_from_number(
        series("202110123456", "202120123456", "202130123456", "202180123456", "202190123456")
    )
    assert got.tolist() == ["发明", "实用新型", "外观设计", "发明", "实用新型"]


@pytest.mark.parametrize("text", ["abc", "2021101234", "20211012345678.1"])
def test_malformed_numbers(text):
    assert _parse_no(text)["status"] == "malformed"


@pytest.mark.parametrize(("text", "number"), [
    ("八", 8), ("十", 10), ("十二", 12), ("二十", 20), ("九十九", 99), ("两", 2),
    ("一百", None), ("二〇二一", None), ("八月", None), ("", None)])
def test_chinese_numbers(text, number):
    assert parsing.chinese_number(text) == number


def test_a_number_written_with_its_label_words():
    """projects' 专栏 (sources.yaml `words: [专栏]`); cells are NFKC-cleaned before parsing."""
    cells = ["8", "专栏8", "专栏八", "专栏 8", "第八专栏", "专栏(八)", "专栏8:重点产业专利导航", "8号",
             "专栏8.5", "8.5", "专栏", "2021年", None]
    numbers, bad = parsing.parse_numbers(pd.Series(cells, dtype="str"), ("专栏",))
    assert numbers.tolist()[:8] == [8] * 8 and numbers.iloc[8:12].isna().tolist() == [True, False, True, True]
    assert numbers.iloc[9] == 8.5  # a number as such (the int check rejects it later)
    assert bad.tolist() == [False] * 8 + [True, False, True, True, False]
    plain, unread = parsing.parse_numbers(pd.Series(["专栏8"], dtype="str"))  # without label words: unread
    assert plain.isna().all() and unread.all()

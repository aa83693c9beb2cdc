"""Value parsers shared by every source: text, dates, amounts, booleans and CN patent numbers.

Each parser is vectorised over a column of text and works on the distinct values only (registry
extracts repeat dates, units and places many times), returning parsed values plus a mask of the
cells it could not read, so that the caller can reject those rows with a reason. A column is given
as a pandas Series of strings, or as a `Distinct` that cleaning has already reduced to its distinct
values (so that it is hashed once, not once for cleaning and again for parsing).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers.cleaning.rules import Rules


def arrow(values: pd.Series) -> pa.Array:
    """A text column as a pyarrow array (zero-copy for pandas' Arrow-backed `str` dtype)."""
    return pa.array(values.astype("str"), type=pa.large_string(), from_pandas=True)


def contiguous(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One array, whether pandas held the column in one chunk or several."""
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def encoded(array: pa.Array | pa.ChunkedArray) -> pa.DictionaryArray:
    """The distinct values of `array` and, per row, the position of its value among them."""
    return pc.dictionary_encode(contiguous(array))


def empty_as_null(array: pa.Array) -> pa.Array:
    """Empty strings as missing values (a regex group that did not match, a cell cut to nothing)."""
    return pc.if_else(pc.equal(array, ""), pa.scalar(None, array.type), array)


def arrow_distinct(array: pa.Array | pa.ChunkedArray, transform: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """Apply an Arrow transform to the distinct values only and spread the result back (for repetitive text)."""
    coded = encoded(array)
    return pc.take(transform(coded.dictionary), coded.indices)


def distinct_categories(array: pa.Array | pa.ChunkedArray, transform: Callable[[pa.Array], pa.StructArray],
                        index: pd.Index) -> dict[str, pd.Series]:
    """Each text field of `transform` (a struct, computed on the distinct values only) as a categorical column:
    the rows' codes come from the distinct values' codes, so no row's text is copied or hashed again."""
    distinct = Distinct.of(text_series(array, index))
    parsed = transform(arrow(distinct.uniques))
    out = {}
    for position in range(parsed.type.num_fields):
        codes, categories = pd.factorize(text_series(parsed.field(position), None))
        out[parsed.type.field(position).name] = pd.Series(
            pd.Categorical.from_codes(np.append(codes, -1)[distinct.codes], categories=categories), index=index)
    return out


def categorical(array: pa.Array | pa.ChunkedArray, index: pd.Index) -> pd.Series:
    """Text as a categorical column, its categories in the order they first appear (sorting a large vocabulary,
    as `astype("category")` does, costs time and serves no reader: row groups are unified on reading anyway)."""
    distinct = Distinct.of(text_series(array, index))
    return pd.Series(pd.Categorical.from_codes(distinct.codes, pd.Index(distinct.uniques)), index=index)


def text_series(array: pa.Array | pa.ChunkedArray, index: pd.Index) -> pd.Series:
    return pd.Series(array, index=index, dtype="str")


@dataclass(frozen=True, eq=False)
class Distinct:
    """A text column as its distinct values and, per row, the position of its value among them (-1: missing)."""

    codes: np.ndarray
    uniques: pd.Series  # the distinct texts, numbered from 0, none missing (after cleaning, some may repeat)
    index: pd.Index  # the rows'

    @classmethod
    def of(cls, values: pd.Series | Distinct) -> Distinct:
        """A column reduced to its distinct values (one hash of the column); a Distinct as it is."""
        if isinstance(values, Distinct):
            return values
        coded = encoded(arrow(values))
        return cls(pc.fill_null(coded.indices, -1).to_numpy(), text_series(coded.dictionary, None), values.index)

    def transformed(self, transform: Callable[[pa.Array], pa.Array]) -> Distinct:
        """The distinct values passed through an Arrow transform; a value it turns into null becomes missing."""
        text = transform(arrow(self.uniques))
        kept = pc.is_valid(text).to_numpy(zero_copy_only=False)
        if kept.all():
            return Distinct(self.codes, text_series(text, None), self.index)
        renumbered = np.append(np.where(kept, np.cumsum(kept) - 1, -1), -1)  # the last entry maps code -1 to -1
        return Distinct(renumbered[self.codes], text_series(pc.filter(text, kept), None), self.index)

    def spread(self, parsed: pd.Series) -> pd.Series:
        """Per row, the parsed value of its distinct value (missing rows get the dtype's missing value)."""
        return pd.Series(pd.api.extensions.take(parsed.array, self.codes, allow_fill=True), index=self.index)

    def text(self) -> pd.Series:
        """The column again, row by row."""
        return self.spread(self.uniques)


def present(values: pd.Series | Distinct) -> pd.Series:
    """Per row, whether the column has a value."""
    if isinstance(values, Distinct):
        return pd.Series(values.codes >= 0, index=values.index)
    return values.notna()


def _all_ascii(text: pa.Array) -> bool:
    return pc.all(pc.string_is_ascii(text), skip_nulls=True).as_py() is not False


def clean_text(values: pd.Series, rules: Rules) -> pd.Series:
    """NFKC-normalise, drop invisible characters, trim; empty cells and placeholders become missing.

    ASCII columns (dates, numbers, ids) only need trimming, done on the whole column; other columns are
    normalised once per distinct value.
    """
    text = arrow(values)
    if _all_ascii(text):
        return text_series(_missing_as_null(pc.utf8_trim_whitespace(text), rules), values.index)
    return clean_distinct(values, rules).text()


def clean_prose(values: pd.Series, rules: Rules) -> pd.Series:
    """Free text a report quotes (a department's progress): invisible characters dropped and trimmed, but not
    NFKC-normalised — its full-width ，：；（） are the text's own punctuation, not Excel's dirt."""
    text = pc.utf8_trim_whitespace(pc.replace_substring_regex(arrow(values), rules.invisible, ""))
    return text_series(_missing_as_null(text, rules), values.index)


def clean_distinct(values: pd.Series, rules: Rules) -> Distinct:
    """`clean_text` as a `Distinct`: the column hashed once, its distinct values cleaned, for a parser to read."""
    def clean(text: pa.Array) -> pa.Array:  # ASCII text has nothing to normalise: the same result, sooner
        return _missing_as_null(pc.utf8_trim_whitespace(text) if _all_ascii(text) else _normalise(text, rules), rules)

    return Distinct.of(values).transformed(clean)


def _normalise(text: pa.Array, rules: Rules) -> pa.Array:
    text = pc.utf8_normalize(text, "NFKC")
    return pc.utf8_trim_whitespace(pc.replace_substring_regex(text, rules.invisible, ""))


def _missing_as_null(text: pa.Array, rules: Rules) -> pa.Array:
    missing = pc.is_in(text, value_set=pa.array(rules.missing_markers, type=text.type))
    return pc.if_else(missing, pa.scalar(None, text.type), text)


def on_distinct(values: pd.Series | Distinct, parse: Callable[[pd.Series], pd.DataFrame | pd.Series]):
    """Apply `parse` to the distinct non-null values and broadcast the result back to every row. `parse` works
    value by value: after cleaning, a value may appear twice among them."""
    distinct = Distinct.of(values)
    parsed = parse(distinct.uniques)
    if isinstance(parsed, pd.DataFrame):
        return parsed.reindex(distinct.codes).set_axis(distinct.index)  # code -1 (missing) is no label: a row of NA
    return distinct.spread(parsed)


def first_listed(values: pd.Series | Distinct, rules: Rules) -> pd.Series:
    """The first of several holders listed in one cell (incoPat `;`, PatSnap `|`, …)."""
    def first(text: pa.Array) -> pa.Array:  # names repeat: cut once per distinct cell
        cut = pc.replace_substring_regex(text, f"(?s)[{rules.separators}].*$", "")
        return empty_as_null(pc.utf8_trim_whitespace(cut))

    return Distinct.of(values).transformed(first).text()


# ----------------------------------------------------------------------------- dates
_DATE = r"^(?P<y>\d{4})\D{1,2}(?P<m>\d{1,2})\D{1,2}(?P<d>\d{1,2})|^(?P<cy>\d{4})(?P<cm>\d{2})(?P<cd>\d{2})$"
_SERIAL = r"^\d{5}(\.\d+)?$"


def _parse_date_strings(uniques: pd.Series, rules: Rules) -> pd.Series:
    """Distinct date texts → dates (ISO-like with any separators, 年月日, yyyymmdd, Excel serial numbers)."""
    lo, hi = rules.excel_serial_range
    text = pc.replace_substring_regex(arrow(uniques), "[年月]", "-")
    parts = pc.extract_regex(text, _DATE)

    def number(*names: str) -> pd.Series:
        """The first of the named groups that matched, as a number (a group that did not match is empty)."""
        found = [pc.struct_field(parts, name) for name in names]
        found = [pc.cast(empty_as_null(f), pa.float64()) for f in found]
        return pd.Series(pc.coalesce(*found).to_numpy(zero_copy_only=False), index=uniques.index)

    dates = pd.to_datetime({"year": number("y", "cy"), "month": number("m", "cm"), "day": number("d", "cd")},
                           errors="coerce")
    is_serial = pc.fill_null(pc.match_substring_regex(text, _SERIAL), False).to_numpy(zero_copy_only=False)
    serial = pd.to_numeric(text_series(text, uniques.index).where(is_serial), errors="coerce")
    serial = serial.where((serial >= lo) & (serial <= hi))
    dates = dates.fillna(pd.Timestamp("1899-12-30") + pd.to_timedelta(serial.round(), unit="D"))
    window = rules.date_window
    return dates.where((dates >= window[0]) & (dates <= window[1])).astype("datetime64[s]")


def parse_dates(values: pd.Series | Distinct, rules: Rules) -> tuple[pd.Series, pd.Series]:
    """Dates in any spelling the contract lists; returns (dates, unreadable mask)."""
    dates = on_distinct(values, lambda uniques: _parse_date_strings(uniques, rules)).astype("datetime64[s]")
    return dates, present(values) & dates.isna()


# ----------------------------------------------------------------------------- numbers and amounts
_AMOUNT = re.compile(r"^([-+]?[\d,]*\.?\d+(?:[eE][-+]?\d+)?)\s*(亿元|万元|万人|元|人|亿|万)?$")


_HEADER_UNIT = re.compile(r"[(（\[【]([^)）\]】]+)[)）\]】]|[/／](.+)$|单位[:：]\s*(.+)$")


def unit_in_header(header: str, rules: Rules) -> str | None:
    """The unit a header names in brackets or after a slash (`质押金额（元）` → 元), else None."""
    match = _HEADER_UNIT.search(header)
    if not match:
        return None
    text = next(g for g in match.groups() if g)
    units = sorted(rules.units, key=len, reverse=True)
    return next((u for u in units if u in text), None)


def parse_amounts(values: pd.Series, target_unit: str, header_unit: str | None, rules: Rules
                  ) -> tuple[pd.Series, pd.Series]:
    """Amounts normalised to `target_unit`; unit from the cell, else the header, else the target.

    Returns (amounts, unreadable mask). Negative amounts are returned as read; the caller rejects them.
    """
    factors = rules.units

    def parse(uniques: pd.Series) -> pd.Series:
        parts = uniques.str.replace(" ", "").str.extract(_AMOUNT)
        number = pd.to_numeric(parts[0].str.replace(",", ""), errors="coerce")
        unit = parts[1].fillna(header_unit or target_unit)
        return number * unit.map(factors).astype(float) / factors[target_unit]

    amounts = on_distinct(values, parse).astype(float)
    return amounts, values.notna() & amounts.isna()


_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def chinese_number(text: str) -> int | None:
    """A whole number below 100 in Chinese numerals (八, 十, 十二, 二十, 九十九); None for anything else."""
    tens, ten, units = text.partition("十")
    if not ten:
        return _DIGITS.get(text) if len(text) == 1 else None
    if len(tens) > 1 or len(units) > 1 or not {*tens, *units} <= _DIGITS.keys():
        return None
    return (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[units] if units else 0)


def _labelled(words: tuple[str, ...]) -> re.Pattern[str]:
    """A number as a person writes it with its label (words `专栏`): 专栏8, 专栏 8, 专栏八, 第八专栏, 专栏（八）, 8号,
    followed by nothing or by a separator and a title (专栏8：知识产权运营), after NFKC."""
    label = f"(?:{'|'.join(map(re.escape, words))})?"
    numeral = f"(?P<n>\\d{{1,3}}|[{''.join(_DIGITS)}十]{{1,3}})"
    title = r"(?:[:：、\-—_/|\s].*)?"  # not `.`: 专栏8.5 is no 专栏
    return re.compile(rf"^第?\s*{label}\s*第?\s*\(?\s*{numeral}\s*\)?\s*号?\s*{label}\s*{title}$")


def parse_numbers(values: pd.Series | Distinct, words: tuple[str, ...] = ()) -> tuple[pd.Series, pd.Series]:
    """Numbers with optional thousands separators (counts repeat: parsed once per distinct text); with label
    `words`, also a whole number written with them, in Arabic or Chinese numerals (`_labelled`)."""
    def parse(uniques: pd.Series) -> pd.Series:
        numbers = pd.to_numeric(uniques.str.replace(",", ""), errors="coerce")
        if words:
            pattern = _labelled(words)

            def labelled(text: str) -> float:
                match = pattern.match(text)
                if match is None:
                    return float("nan")
                number = int(match["n"]) if match["n"].isdigit() else chinese_number(match["n"])
                return float("nan") if number is None else float(number)

            unread = numbers.isna()
            numbers[unread] = uniques[unread].map(labelled)
        return numbers

    numbers = on_distinct(values, parse)
    return numbers, present(values) & numbers.isna()


def parse_years(values: pd.Series | Distinct) -> tuple[pd.Series, pd.Series]:
    """Years written as 2021, 2021.0 or 2021年."""
    def parse(uniques: pd.Series) -> pd.Series:
        numbers = pd.to_numeric(uniques.str.replace("年", "").str.replace("度", ""), errors="coerce")
        return numbers.where((numbers % 1 == 0) & numbers.between(1985, 2100)).astype("Int64")

    years = on_distinct(values, parse)
    return years, present(values) & years.isna()


def parse_bools(values: pd.Series | Distinct, rules: Rules) -> tuple[pd.Series, pd.Series]:
    def parse(uniques: pd.Series) -> pd.Series:
        key = uniques.str.casefold()
        truth = pd.Series(pd.NA, index=uniques.index, dtype="boolean")
        truth[key.isin(rules.true_words)] = True
        truth[key.isin(rules.false_words)] = False
        return truth

    truth = on_distinct(values, parse)
    return truth, present(values) & truth.isna()


# ----------------------------------------------------------------------------- CN patent numbers
_WEIGHTS = np.array([2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5])
_CHECK_CHARS = np.array(list("0123456789X"))
_PATENT_NO = re.compile(r"^(?:CN|ZL)?(?P<digits>\d{12}|\d{8})\.?(?P<check>[0-9X])?$")
_SCIENTIFIC = re.compile(r"^\d\.(\d+)E\+(\d+)$")
_STATUSES = ["ok", "recomputed", "bad_check", "precision_lost", "malformed"]


def _check_indices(digits: pa.Array) -> np.ndarray:
    """Per value of `digits` (12 or 8 digits, no nulls), the position of its check character in `_CHECK_CHARS`.

    The 8-digit weights are the first eight 12-digit ones, so 8-digit values are padded with NUL bytes, weighed 0.
    """
    text = digits.to_numpy(zero_copy_only=False).astype("S12")
    codes = text.view(np.uint8).reshape(-1, 12).astype(np.int64)
    return (np.where(codes > 0, codes - 48, 0) @ _WEIGHTS) % 11


def check_chars(digits: pd.Series | list[str]) -> np.ndarray:
    """The check character of each 12- or 8-digit CN application number (mod-11 rule); "" for other values."""
    values = contiguous(arrow(pd.Series(digits, dtype="str")))
    width = pc.fill_null(pc.utf8_length(values), 0).to_numpy()
    fits = (width == 12) | (width == 8)
    out = np.full(len(values), "", dtype=object)
    out[fits] = _CHECK_CHARS[_check_indices(pc.filter(values, pa.array(fits)))]
    return out


def check_char(digits: str) -> str:
    """Check character of one application number's digits."""
    return str(check_chars([digits])[0])


def _expand_scientific(text: str) -> str | None:
    """`2.02110123456E+11` → `202110123456` when the mantissa carries every digit, else None."""
    match = _SCIENTIFIC.match(text)
    if not match:
        return None
    fraction, exponent = match.groups()
    if len(fraction) != int(exponent):
        return None
    try:
        return str(int(Decimal(text)))
    except InvalidOperation:
        return None


def parse_patent_numbers(values: pd.Series) -> pd.DataFrame:
    """Split application numbers into digits and check char and judge them (vectorised; ids are unique).

    Columns: `digits`, `check` (the valid check char), `status` one of
    ok, recomputed (missing or lost to Excel, restored and flagged), bad_check, precision_lost, malformed.
    """
    raw = contiguous(arrow(values))
    parts = pc.extract_regex(raw, _PATENT_NO.pattern)
    digits, given = pc.struct_field(parts, "digits"), pc.struct_field(parts, "check")
    irregular = pc.and_(pc.is_null(digits), pc.is_valid(raw))  # not already in canonical form: rare
    lost_precision = np.zeros(len(values), dtype=bool)
    if pc.any(irregular).as_py():
        fixed, lost = _restore_numbers(pc.filter(raw, irregular))
        lost_precision[pc.indices_nonzero(irregular).to_numpy()] = lost
        fixed_parts = pc.extract_regex(fixed, _PATENT_NO.pattern)
        digits = pc.replace_with_mask(digits, irregular, pc.struct_field(fixed_parts, "digits"))
        given = pc.replace_with_mask(given, irregular, pc.struct_field(fixed_parts, "check"))
    has = pc.is_valid(digits).to_numpy(zero_copy_only=False)
    computed = np.full(len(values), -1, dtype=np.int64)
    computed[has] = _check_indices(pc.drop_null(digits))
    given_at = pc.fill_null(pc.index_in(given, value_set=pa.array(_CHECK_CHARS, type=given.type)), -1).to_numpy()
    # Excel keeps `202110123456.7` as a float; a check char 0 then shows as `.0` or vanishes.
    ends_zero = pc.fill_null(pc.ends_with(raw, ".0"), False).to_numpy(zero_copy_only=False)
    lost = (given_at == -1) | ((given_at == 0) & (computed != 0) & ends_zero)
    status = np.full(len(values), _STATUSES.index("ok"), dtype=np.int8)
    status[has & lost] = _STATUSES.index("recomputed")
    status[has & ~lost & (given_at != computed)] = _STATUSES.index("bad_check")
    status[~has] = _STATUSES.index("malformed")
    status[lost_precision] = _STATUSES.index("precision_lost")
    check = pc.take(pa.array(_CHECK_CHARS, type=pa.large_string()), pa.array(computed, mask=~has))
    return pd.DataFrame({
        "digits": text_series(digits, values.index),
        "check": text_series(check, values.index),
        "status": pd.Series(pd.Categorical.from_codes(status, categories=_STATUSES), index=values.index),
    })


def _restore_numbers(text: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Numbers not in canonical form, upper-cased without spaces or dashes, and Excel's scientific notation
    expanded; with, per value, whether Excel lost digits (it cannot be restored)."""
    text = pc.replace_substring_regex(pc.utf8_upper(text), r"[\s\-]", "")
    plain = text.to_numpy(zero_copy_only=False).copy()
    sci = pc.fill_null(pc.match_substring_regex(text, _SCIENTIFIC.pattern), False).to_numpy(zero_copy_only=False)
    expanded = [_expand_scientific(t) for t in plain[sci]]
    plain[sci] = expanded
    lost = np.zeros(len(plain), dtype=bool)
    lost[np.flatnonzero(sci)[[e is None for e in expanded]]] = True
    return pa.array(plain, type=pa.large_string()), lost


def patent_type_from_number(digits: pd.Series) -> pd.Series:
    """发明 / 实用新型 / 外观设计 from the type digit (5th of 12, 3rd of 8)."""
    type_digit = digits.str[4].where(digits.str.len() == 12, digits.str[2])
    mapping = {"1": "发明", "8": "发明", "2": "实用新型", "9": "实用新型", "3": "外观设计"}
    return type_digit.map(mapping)

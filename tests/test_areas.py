"""Area mapping rules of the contract's "Areas" section (unit level; end to end in test_cleaning_dirt)."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import CONTEXT
from helpers.cleaning import places

OUT = places.OUT_OF_SCOPE
OTHER = places.OTHER_CITY  # another city of the province, named: out of scope with a reason of its own
AREAS = CONTEXT.areas


ADDRESSES = [
    ("517000 广东省河源市源城区越王大道1号", "441602"),  # postcode first, then province
    ("517000广东省河源市源城区越王大道1号", "441602"),
    ("广东省河源市紫金县紫城镇", "441621"),
    ("广东河源", "441600"),
    ("广东河源市连平县", "441623"),
    ("河源市高新区科技大道", "441602"),
    ("河源高新区兴业大道", "441602"),
    ("河源市高新技术产业开发区", "441602"),
    ("广东省河源市江东新区", "441625"),
    ("江东新区古竹镇", "441625"),
    ("龙川老隆镇", "441622"),
    ("河源市和平路8号", "441600"),  # 和平 + 路 is a street
    ("源城区和平路8号", "441602"),  # the county named earliest wins
    ("河源市东源街12号", "441600"),
    ("河源市紫金大道", "441600"),
    ("和平县阳明镇", "441624"),
    ("和平阳明镇", "441624"),
    ("东源县仙塘镇", "441625"),
    ("连平县元善镇", "441623"),
    ("广东省广州市天河区", OTHER),
    ("广东省惠州市惠城区", OTHER),
    ("广东梅州梅江区", OTHER),  # a short city name where nothing of the plan's is named
    ("深圳市福田区紫金大厦", OTHER),  # 深圳市 comes before 紫金: not 紫金县
    ("河源市源城区深圳路8号", "441602"),  # the plan's words first; 深圳 + 路 is a street anyway
    ("中山大学河源研究院", "441600"),  # 中山 alone does not outweigh 河源
    ("广州市中山大道", OTHER),
    ("北京市海淀区", OUT),
    ("紫金路88号源城区", "441602"),  # a street first, the county later in the address
    ("和平路东源县仙塘镇", "441625"),
    ("紫金县紫金路", "441621"),
]


@pytest.mark.parametrize("address, code", ADDRESSES)
def test_address_to_area(address, code):
    assert places.address_to_area(address, AREAS) == code


@pytest.mark.parametrize(
    "cell, code",
    [
        ("紫金", "441621"),
        ("紫金县", "441621"),
        ("东源", "441625"),
        ("东源县", "441625"),
        ("源城区", "441602"),
        ("441624", "441624"),
        ("441600", "441600"),
        ("河源市", "441600"),
        ("市本级", "441600"),
        ("惠城区", OUT),
        ("441302", OUT),
        ("江东新区", "441625"),
    ],
)
def test_county_cell_to_area(cell, code):
    assert places.county_to_area(cell, AREAS) == code


@pytest.mark.parametrize(
    "case_no, code",
    [
        ("（2021）粤16民初123号", "441600"),
        ("(2021)粤1621民初5号", "441621"),
        ("（2022）粤1602民初7号", "441602"),
        ("（2022）粤民终45号", None),  # a court above the city's places no case (its 原审案号 may)
        ("（2023）最高法知民终7号", None),
        ("（2021）粤0304民初1号", OTHER),  # 深圳's court (official_stats.yaml cities: court 03)
        ("（2021）粤14民初2号", OTHER),  # 梅州's intermediate court
        ("（2021）粤73民初2号", OUT),  # 广州知识产权法院: no city's court code
        ("不是案号", OUT),
    ],
)
def test_court_case_to_area(case_no, code):
    assert places.court_case_to_area(case_no, AREAS) == code


def test_address_column_maps_every_address_as_the_one_address_rule_does():
    """The column is matched in Arrow without the street guard and re-matched where a street name came first."""
    column = pd.Series([address for address, _ in ADDRESSES], dtype="str")
    assert places.map_series(column, "address", AREAS).tolist() == [code for _, code in ADDRESSES]


def test_map_series_keeps_missing_values_missing():
    out = places.map_series(pd.Series(["龙川老隆镇", None, "龙川老隆镇"], dtype="str"), "address", AREAS)
    assert out[0] == out[2] == "441622" and pd.isna(out[1])

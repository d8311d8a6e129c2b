"""Profile keys and the values people type for them."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subsidy_cli import i18n
from subsidy_cli.profile.creditcode import (
    ALPHABET,
    check_character,
    is_valid,
    read_code,
    validate_credit_code,
    weighted_check_character,
)
from subsidy_cli.profile.keys import KEYS, Profile, ProfileError, build_profile, profile_to_dict
from subsidy_cli.profile.values import (
    parse_bool,
    parse_count,
    parse_date,
    parse_decimal_with_units,
    parse_list,
    parse_money,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234.5", "1234.5"),
        ("200万", "2000000"),
        ("200万元", "2000000"),
        ("0.5亿", "50000000"),
        ("3亿元", "300000000"),
        ("５，０００万元", "50000000"),  # full-width digits and comma
        ("¥1,000", "1000"),
        (" 88 元 ", "88"),
        (1500000, "1500000"),
        (Decimal("0.01"), "0.01"),
    ],
)
def test_money(text: object, expected: str) -> None:
    assert parse_money(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["abc", "12万美元", "-5", "1.2.3", "", True])
def test_bad_money(text: object) -> None:
    with pytest.raises(ValueError):
        parse_money(text)


def test_counts() -> None:
    assert parse_count("3000万") == 30_000_000
    assert parse_count("1,000") == 1000
    for bad in ("1.5", "-1", "500元"):
        with pytest.raises(ValueError):
            parse_count(bad)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("是", True), ("否", False), ("Y", True), ("n", False), ("1", True), ("0", False), ("TRUE", True), ("no", False)],
)
def test_booleans(text: str, expected: bool) -> None:
    assert parse_bool(text) is expected


def test_lists_and_dates() -> None:
    assert parse_list("a；b、c|d,e，f") == ["a", "b", "c", "d", "e", "f"]
    assert parse_list("无") == []
    assert parse_list("none") == []
    assert parse_date("2022年6月30日") == dt.date(2022, 6, 30)
    assert parse_date("2022/6/3") == dt.date(2022, 6, 3)
    with pytest.raises(ValueError, match="not a real date"):
        parse_date("2022-02-30")


def test_credit_code() -> None:
    """A code informs, never blocks: a bad one is kept, with a warning (and never a "corrected" character)."""
    assert validate_credit_code("91350100m000100y43") == "91350100M000100Y43"
    assert read_code("91350100M000100Y43").notices == ()
    assert check_character("91320583MA1MXK8P0") == "F"
    for code, kind, message in [
        ("91350100M000100Y4", "length", "has 17 characters"),
        ("91350100M000100YI3", "characters", "contains 'I'"),
        ("91350100M000100Y44", "check_character", "fails the GB 32100-2015 check"),
    ]:
        (notice,) = read_code(code).notices
        assert (notice.key, notice.kind) == ("credit_code", kind) and message in notice.message
        assert "should be" not in notice.message and validate_credit_code(code) == code


@given(st.text(alphabet=ALPHABET, min_size=17, max_size=17))
def test_check_character_is_the_standards_weighted_sum(first17: str) -> None:
    assert check_character(first17) == weighted_check_character(first17)


@given(st.text(alphabet=ALPHABET + "IOSVZaz _!é", min_size=17, max_size=19), st.booleans())
def test_fast_credit_code_test_agrees_with_the_validator(text: str, fix_check: bool) -> None:
    if fix_check and len(text) == 18 and all(c in ALPHABET for c in text[:17]):
        text = text[:17] + check_character(text[:17])
    try:
        reading = read_code(text)
        printed = reading.code == text and not reading.notices
    except ValueError:  # a resident identity number
        printed = False
    assert is_valid(text) == printed


@given(st.integers(min_value=0, max_value=10**9), st.sampled_from(["", "元", "万", "万元", "亿", "亿元"]))
def test_plain_amounts_read_as_the_general_parser_reads_them(number: int, unit: str) -> None:
    """The fast path for ASCII digits with a unit gives what normalising and the full grammar give."""
    text = f"{number}{unit}"
    try:
        expected = parse_decimal_with_units(f" {text} ")  # the space takes the general path
    except ValueError:
        with pytest.raises(ValueError):
            parse_decimal_with_units(text)
        return
    got = parse_decimal_with_units(text)
    assert got == expected and str(got) == str(expected)


def test_districts_accept_chinese_names_and_slugs() -> None:
    for text, slug in [
        ("昆山市", "kunshan"),
        ("昆山", "kunshan"),
        ("苏州工业园区", "sip"),
        ("园区", "sip"),
        ("苏州高新区", "snd"),
        ("snd", "snd"),
        ("SIP", "sip"),
        ("Zhangjiagang", "zhangjiagang"),
        ("outside_suzhou", "outside_suzhou"),
    ]:
        assert build_profile({"name": "x", "district": text}).district == slug


def test_roles_recognitions_and_choices() -> None:
    profile = build_profile(
        {
            "name": "x",
            "roles": "manufacturer；equipment_maker",
            "recognitions": "无",
            "entity_type": "事业单位",
            "institution_category": "key_university",
        }
    )
    assert profile.roles == ["manufacturer", "equipment_maker"]
    assert profile.recognitions == []
    assert profile.entity_type == "public_institution"


def test_left_out_is_unknown_and_empty_list_is_none() -> None:
    profile = build_profile({"name": "x", "roles": []})
    assert profile.sme is None and profile.roles == []
    assert profile_to_dict(profile) == {"name": "x", "roles": []}


ROLES_ZH = (
    "工业(制造业)企业、智能化改造和数字化转型服务商、工业互联网平台运营方、标识解析二级节点建设或运营单位、"
    "智能装备及关键零部件制造商、工业软件或工业APP开发商、工业互联网安全服务机构、科研院所/高校/重点实验室/创新中心、"
    "高校或技工院校、行业组织或联盟(协会/学会)"
)


@pytest.mark.parametrize(
    ("data", "message", "chinese"),
    [
        (
            {"name": "x", "distrct": "昆山"},
            "distrct: unknown key; did you mean 'district'?",
            'distrct: 无法识别的字段名；您是否想写 "district"（注册地）？',
        ),
        ({"name": "x", "district": "kunshn"}, "district: 'kunshn' is not one of", 'district: 未识别 "kunshn"'),
        ({"name": "x", "district": "kunshn"}, "did you mean 'kunshan'?", '；您是否想填 "昆山市"？可填：张家港市、'),
        (
            {"name": "x", "roles": ["manufactuer"]},
            "roles: 'manufactuer' is not one of",
            f'roles: 未识别 "manufactuer"；您是否想填 "工业(制造业)企业"？可填：{ROLES_ZH}',
        ),
        (
            {"name": "x", "sme": "maybe"},
            "sme: 'maybe' is not yes or no",
            'sme: "maybe" 不是“是”或“否”；请填 是/否、true/false、yes/no 或 1/0',
        ),
        (
            {"name": "x", "retrofit_loan_cny": "lots"},
            "retrofit_loan_cny: 'lots' is not an amount",
            'retrofit_loan_cny: "lots" 不是金额；请写成如 1234.5、200万、200万元 或 0.5亿',
        ),
        (
            {"name": "x", "cloud_star_level": 7},
            "cloud_star_level: 7 is not a star level from 0 to 5",
            "cloud_star_level: 7 不是 0 到 5 之间的星级",
        ),
        (
            {"name": "x", "flexible_experts": "3星"},
            "flexible_experts: '3星': 星 does not fit this count; write a number, or one with 个、人、名、项",
            "flexible_experts: \"3星\"：“星”不是这个数量的单位；请只写数字，或在数字后写个、人、名、项",
        ),
        (
            {"name": "x", "platform_served_enterprises": "600元"},
            "platform_served_enterprises: '600元' is a count, not an amount of money",
            'platform_served_enterprises: "600元"：此项应填数量，不是金额',
        ),
        (
            {"name": "x", "application_date": "2022-13-01"},
            "application_date: '2022-13-01' is not a real date: month must be in 1..12",
            'application_date: "2022-13-01" 不是有效日期：月份应在 1 到 12 之间',
        ),
        (
            {"name": "x", "district": "吴县"},
            "district: '吴县' names no single district: 吴县 was split in 2001 into 吴中区 and 相城区; write which one",
            'district: "吴县" 无法确定是哪个县级市（区）：吴县已于2001年撤销，分设吴中区和相城区；请写明是哪一个',
        ),
        ({"name": 5}, "name: 5 is not text", "name: 5 不是文本"),
        (
            {"name": "x", "credit_code": "32058319900101123X"},
            "credit_code: 3205**********123X is a resident identity number, not a credit code",
            "credit_code: 3205**********123X 是居民身份证号码，不是统一社会信用代码",
        ),
        ({"district": "昆山"}, "name: is required", "name: 必填；请填写企业名称"),
    ],
)
def test_problems_name_the_key_and_value(data: dict[str, object], message: str, chinese: str) -> None:
    """In the active language: English, or Chinese (``i18n.use("zh")``, as ``--lang zh`` sets)."""
    for lang, expected in (("en", message), ("zh", chinese)):
        with i18n.using(lang), pytest.raises(ProfileError) as caught:
            build_profile(data, "firm.toml")
        assert any(expected in str(problem) for problem in caught.value.problems), caught.value.problems


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ProfileError) as caught:
        build_profile({"name": "x", "sme": "maybe", "district": "nowhere", "colour": "red"})
    assert {p.where for p in caught.value.problems} == {"sme", "district", "colour"}  # where: the key


def test_keys_table_matches_the_model() -> None:
    assert list(KEYS) == [f.name for f in dataclasses.fields(Profile)]
    assert all(spec.label_zh and spec.label_en for spec in KEYS.values())


@pytest.mark.parametrize(
    "data",
    [
        {"name": "甲", "district": "昆山", "roles": "manufacturer;service_provider", "retrofit_loan_cny": "5,000万"},
        {"name": "甲", "sme": "maybe", "distrct": "昆山", "cloud_star_level": 7, "application_date": "2022/6/30"},
        {"district": "昆山", "credit_code": "32058319900101123X"},
        {"name": "乙", "recognitions": [], "flexible_experts": ""},
    ],
)
def test_the_profile_validator_agrees_with_pydantic_generated_one(data: dict[str, object]) -> None:
    """build_profile's validator is written from the keys' schemas (for start-up time); pydantic's TypeAdapter,
    which generates the JSON Schema, must validate alike."""
    from pydantic import ValidationError

    from subsidy_cli.profile.keys import adapter

    try:
        expected: object = adapter().validate_python(data)
    except ValidationError as exc:
        expected = sorted((e["loc"], e["type"]) for e in exc.errors())
    try:
        got: object = build_profile(data)
    except ProfileError as exc:
        got = sorted(((p.where,), "missing" if "required" in p.message else "") for p in exc.problems)
        expected = sorted(((str(loc[0]),), "missing" if kind == "missing" else "") for loc, kind in expected)  # type: ignore[union-attr]
    assert got == expected


@pytest.mark.parametrize("name", [None, "", "   "])
def test_a_name_left_empty_is_a_missing_name(name: object) -> None:
    """Every firm needs its name: null, empty or blank is reported as a missing name, with the other problems."""
    with pytest.raises(ProfileError) as caught:
        build_profile({"name": name, "sme": "maybe"})
    assert [(p.where, p.message) for p in caught.value.problems] == [
        ("sme", "'maybe' is not yes or no; write true/false, yes/no, 是/否 or 1/0"),
        ("name", "is required; give the enterprise's name"),
    ]


@pytest.mark.parametrize(
    ("key", "typed", "read"),
    [
        ("entity_type", "有限责任公司", "enterprise"),
        ("entity_type", "股份有限公司", "enterprise"),
        ("entity_type", "民办非企业单位", "social_organization"),
        ("roles", "制造企业", ["manufacturer"]),
        ("roles", "制造业、装备制造商", ["manufacturer", "equipment_maker"]),
        ("roles", "科研院所/高校/重点实验室/创新中心", ["research_institution"]),  # a label holds no list separator
        ("roles", "行业协会", ["industry_association"]),
        ("recognitions", "首台套", ["first_set_equipment"]),
        ("recognitions", "首台（套）;首版次", ["first_set_equipment", "first_version_software"]),
    ],
)
def test_values_as_people_write_them(key: str, typed: str, read: object) -> None:
    assert getattr(build_profile({"name": "甲", key: typed}), key) == read


def test_an_unknown_value_lists_the_accepted_labels_and_a_near_one() -> None:
    with pytest.raises(ProfileError) as caught:
        build_profile({"name": "甲", "roles": "软件公司"})
    message = caught.value.lines()[0]
    assert "software_vendor (工业软件或工业APP开发商)" in message and "did you mean" in message
    with pytest.raises(ProfileError) as ambiguous:  # 高校 could research (15a) or train (19): asked, not guessed
        build_profile({"name": "甲", "roles": "高校"})
    assert "research_institution" in ambiguous.value.lines()[0]
    with i18n.using("zh"), pytest.raises(ProfileError) as caught:  # in Chinese: over the Chinese words and labels
        build_profile({"name": "甲", "roles": "软件公司", "entity_type": "enterprize"})
    assert caught.value.lines() == [
        'profile: entity_type: 未识别 "enterprize"；您是否想填 "企业"？可填：企业、社会组织、事业单位',
        f'profile: roles: 未识别 "软件公司"；您是否想填 "软件企业"？可填：{ROLES_ZH}',
    ]
    with i18n.using("zh"), pytest.raises(ProfileError) as ambiguous:
        build_profile({"name": "甲", "roles": "高校"})
    assert ambiguous.value.lines() == [f'profile: roles: 未识别 "高校"；可填：{ROLES_ZH}']


@pytest.mark.parametrize(
    ("key", "typed", "read"),
    [
        ("platform_served_enterprises", "600家", 600),
        ("platform_connected_devices", "5万台", 50_000),
        ("cloud_star_level", "三星级", 3),
        ("flexible_experts", "5人", 5),
        ("flexible_talents_approved", "3星", None),  # a star is no number of talents: refused, not read as 3
        ("platform_connected_devices", "5家", None),
        ("cloud_star_level", "4台", None),
    ],
)
def test_counts_take_the_measure_words_of_their_unit(key: str, typed: str, read: int | None) -> None:
    if read is None:
        with pytest.raises(ProfileError) as caught:
            build_profile({"name": "甲", key: typed})
        assert "does not fit this count" in caught.value.lines()[0]
    else:
        assert getattr(build_profile({"name": "甲", key: typed}), key) == read

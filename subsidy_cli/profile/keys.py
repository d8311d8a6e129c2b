"""The enterprise profile as a pydantic model: each key defined once (type, labels, help, unit, choices and
the parser of what people type), with the JSON Schema of profile files generated from it.

A key left out is unknown (``None``), never "no"; an empty list means "none". The parsers are plain
functions: ``parse_value`` (the hot path of batch scoring) calls them directly, while ``build_profile``
validates a whole profile through pydantic, which runs the same parsers as the fields' validators.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import functools
import re
import typing
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic_core import SchemaValidator, ValidationError, core_schema

from subsidy_cli.errors import Problem, SubsidyError
from subsidy_cli.i18n import NP_, _, active, trp
from subsidy_cli.profile import controls
from subsidy_cli.profile.creditcode import validate_credit_code
from subsidy_cli.profile.districts import accepted_forms, ambiguity, lookup_district
from subsidy_cli.profile.synonyms import SYNONYMS
from subsidy_cli.profile.values import (
    is_placeholder,
    normalise_text,
    parse_bool,
    parse_count,
    parse_date,
    parse_list,
    parse_money,
    quote,
)

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler, TypeAdapter


ENTITY_ZH: dict[str, str] = {"enterprise": "企业", "social_organization": "社会组织", "public_institution": "事业单位"}
DISTRICT_ZH: dict[str, str] = {
    "zhangjiagang": "张家港市",
    "changshu": "常熟市",
    "taicang": "太仓市",
    "kunshan": "昆山市",
    "wujiang": "吴江区",
    "wuzhong": "吴中区",
    "xiangcheng": "相城区",
    "gusu": "姑苏区",
    "sip": "苏州工业园区",
    "snd": "苏州高新区",
    "outside_suzhou": "苏州市外",
}
# The districts' English names, for English readers (the reader takes the slugs and the Chinese names).
DISTRICT_EN: dict[str, str] = {
    "zhangjiagang": "Zhangjiagang",
    "changshu": "Changshu",
    "taicang": "Taicang",
    "kunshan": "Kunshan",
    "wujiang": "Wujiang District",
    "wuzhong": "Wuzhong District",
    "xiangcheng": "Xiangcheng District",
    "gusu": "Gusu District",
    "sip": "Suzhou Industrial Park",
    "snd": "Suzhou New District (Huqiu)",
    "outside_suzhou": "outside Suzhou",
}
SUZHOU_DISTRICTS = [d for d in DISTRICT_ZH if d != "outside_suzhou"]
_ENTITY_ALIASES = {v: k for k, v in ENTITY_ZH.items()}

ROLES: dict[str, tuple[str, str]] = {
    "manufacturer": ("工业(制造业)企业", "manufacturer"),
    "service_provider": ("智能化改造和数字化转型服务商", "transformation service provider"),
    "platform_operator": ("工业互联网平台运营方", "industrial-internet platform operator"),
    "identifier_node": ("标识解析二级节点建设或运营单位", "identifier secondary-node builder or operator"),
    "equipment_maker": ("智能装备及关键零部件制造商", "smart equipment and key component maker"),
    "software_vendor": ("工业软件或工业APP开发商", "industrial software or APP vendor"),
    "security_provider": ("工业互联网安全服务机构", "industrial-internet security service provider"),
    "research_institution": (
        "科研院所/高校/重点实验室/创新中心",
        "research institute, university, lab or innovation centre",
    ),
    "training_institution": ("高校或技工院校", "university or technical school"),
    "industry_association": ("行业组织或联盟(协会/学会)", "industry organisation or alliance"),
}
RECOGNITIONS: dict[str, tuple[str, str]] = {
    "provincial_demo_workshop": ("省级智能制造示范车间", "provincial smart-manufacturing demonstration workshop"),
    "municipal_smart_factory": ("市级智能制造示范工厂", "municipal smart-manufacturing demonstration factory"),
    "municipal_demo_workshop": ("市级示范智能车间", "municipal demonstration smart workshop"),
    "excellent_service_provider": ("优秀服务商", "excellent service provider"),
    "service_output_benchmark": ("服务输出标杆", "service-output benchmark"),
    "excellent_platform": ("跨行业或特定行业优秀平台", "excellent cross-industry or industry platform"),
    "national_app_solution": ("国家级工业互联网APP优秀解决方案", "national industrial-APP excellent solution"),
    "municipal_app_solution": ("市级工业APP优秀解决方案", "municipal industrial-APP excellent solution"),
    "vertical_5g_pilot": ("市级5G垂直行业试点示范项目", "municipal 5G vertical-industry pilot project"),
    "scenario_5g_case": ("“5G+工业互联网”典型应用场景优秀案例", "5G + industrial-internet application-scenario case"),
    "secondary_node_docked": (
        "二级节点已完成与国家顶级节点对接",
        "secondary node docked with the national top-level node",
    ),
    "identifier_breakthrough": (
        "标识解析共性标准或关键技术突破项目",
        "identifier standards or key-technology breakthrough",
    ),
    "suzhou_institution_established": (
        "已在苏州建立工业互联网独立研发或应用推广机构",
        "independent industrial-internet R&D or promotion institution established in Suzhou",
    ),
    "major_carrier": ("特别重大的平台和载体", "especially major platform or carrier"),
    "first_set_equipment": (
        "江苏省及以上认定的首台(套)装备及关键零部件",
        "first-set equipment or key component recognised by Jiangsu or above",
    ),
    "first_version_software": (
        "江苏省及以上认定的首版次工业软件",
        "first-version industrial software recognised by Jiangsu or above",
    ),
    "talent_training_base": (
        "苏州市智能化改造和数字化转型人才实训基地",
        "named Suzhou transformation talent training base",
    ),
    "security_pilot_project": ("安全防护应用试点示范项目", "security-protection pilot demonstration project"),
}
INSTITUTION_CATEGORIES: dict[str, tuple[str, str]] = {
    "national_research_institute": ("国家级科研院所", "national research institute"),
    "key_university": ("重点高等院校", "key university"),
    "national_key_lab": ("国家重点实验室", "national key laboratory"),
    "national_manufacturing_innovation_center": ("国家制造业创新中心", "national manufacturing innovation centre"),
    "other": ("其他", "other"),
}

KeyType = Literal["text", "money", "count", "bool", "date", "choice", "multi"]

_MONEY_PATTERN = r"^\s*[¥￥]?\s*[0-9０-９][0-9０-９,，.．]*\s*(元|万|万元|亿|亿元)?\s*$"
# What people may write for a key of each type, for the JSON Schema of profile files (the parsers accept it).
_INPUT_SCHEMAS: dict[str, dict[str, Any]] = {
    "money": {"anyOf": [{"type": "number", "minimum": 0}, {"type": "string", "pattern": _MONEY_PATTERN}]},
    "count": {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "string"}]},
    "bool": {"anyOf": [{"type": "boolean"}, {"type": "string", "examples": ["true", "false", "是", "否"]}]},
    "date": {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "examples": ["2022/6/30"]}]},
    "text": {"type": "string", "minLength": 1},
}


@dataclasses.dataclass(frozen=True)
class KeySpec:
    """One profile key: its type, labels and help in both languages, choices, unit, and the parser of its values.

    Used as the metadata of a ``Profile`` field (``Annotated[Decimal | None, KeySpec(...)]``): it validates the
    field with ``parse`` (text as people type it, or an already parsed value) and gives the field's JSON Schema.
    ``parse`` raises ``ValueError`` with a message fit to show. ``name`` is filled in from the field.
    """

    type: KeyType
    label_zh: str
    label_en: str
    help_zh: str
    help_en: str
    parse: Callable[[object], Any]
    choices: tuple[str, ...] = ()
    unit_zh: str = ""
    unit_en: str = ""
    input_schema: dict[str, Any] | None = dataclasses.field(default=None, compare=False)
    name: str = ""

    def label(self, lang: str) -> str:
        """The key's label in ``lang`` (``zh`` or ``en``)."""
        return self.label_zh if lang == "zh" else self.label_en

    def validate(self, value: object) -> Any:
        """The field validator: empty text, a placeholder (``-``, ``/``, ``无``, ``N/A``...: see
        ``values.is_placeholder``; in a list ``无`` is the empty list) or None is unknown (``None``); anything
        else goes to ``parse``, control characters in text cleaned first (``profile.controls``). A name is never
        a placeholder."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, str) and controls.has_controls(value):  # the one rule: see profile.controls
            value = controls.clean(value)[0]
        if self.name != "name" and is_placeholder(value, listing=self.type == "multi"):
            return None
        return self.parse(value)

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return self.validator_schema()

    def validator_schema(self) -> core_schema.CoreSchema:
        """The key's pydantic-core schema: a plain validator, ``validate``."""
        return core_schema.no_info_plain_validator_function(self.validate)

    def __get_pydantic_json_schema__(self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler) -> Any:
        if self.input_schema is not None:
            item = dict(self.input_schema)
        elif self.type == "multi":
            item = {
                "anyOf": [
                    {"type": "array", "items": {"type": "string", "enum": list(self.choices)}, "uniqueItems": True},
                    {"type": "string"},
                ]
            }
        else:
            item = dict(_INPUT_SCHEMAS[self.type])
        return {"description": f"{self.help_zh} / {self.help_en}", **item}


_TYPE_WORDS = (  # the types of keys as messages name them, for the catalogue (translated by key_type)
    NP_("key type", "text"),
    NP_("key type", "money"),
    NP_("key type", "count"),
    NP_("key type", "bool"),
    NP_("key type", "date"),
    NP_("key type", "choice"),
    NP_("key type", "multi"),
)


def key_type(kind: str) -> str:
    """A key's type as a message names it in the active language (``multi``; in Chinese 多选)."""
    return trp(active(), "key type", kind)


def key_named(key: str) -> str:
    """A profile key as a message names it: ``'roles'``; in Chinese with its label, ``"roles"（主体角色）``."""
    if active() == "zh" and key in KEYS:
        return f"{quote(key)}（{KEYS[key].label_zh}）"
    return quote(key)


def closest(value: str, options: list[str]) -> str | None:
    """The option closest to ``value``, if any is close enough to suggest."""
    match = difflib.get_close_matches(value, options, n=1, cutoff=0.6)
    return match[0] if match else None


def near(value: str, options: list[str]) -> str:
    """``; did you mean 'x'?`` for the closest option (in the active language), or nothing."""
    found = closest(value, options)
    return _("; did you mean {option}?", option=quote(found)) if found is not None else ""


def near_key(value: str) -> str:
    """``; did you mean 'district'?`` for the profile key closest to ``value`` (in Chinese with its label:
    ``；您是否想写 "district"（注册地）？``), or nothing."""
    found = closest(value, list(KEYS)) or _key_by_label(value)
    if found is None:
        return ""
    # TRANSLATORS: the call passes {label} too: the key's Chinese label
    return _("; did you mean {key}?", key=quote(found), label=KEYS[found].label_zh)


def _key_by_label(value: str) -> str | None:
    """The key whose Chinese label (or usual heading) ``value`` is close to or part of: 独立法人 for 具有独立法人资格,
    贷款额 for 智能化改造项目贷款额(元); None for text that is not Chinese or matches nothing."""
    if not any("\u4e00" <= char <= "\u9fff" for char in value):
        return None
    names = {name: key for name, key in KEY_NAMES.items() if any("\u4e00" <= c <= "\u9fff" for c in name)}
    found = closest(value, sorted(names)) or next((n for n in sorted(names, key=len) if value in n), None)
    return names[found] if found is not None else None


def unknown_value(value: object, accepted: str, guess: str | None) -> str:
    """The message for a value that is none of a choice's: ``accepted`` lists the accepted forms, ``guess`` is
    the closest of them as the message shows it (None: nothing is close)."""
    if guess is None:
        return _("{value} is not one of: {accepted}", value=quote(value), accepted=accepted)
    return _(
        "{value} is not one of: {accepted}; did you mean {guess}?", value=quote(value), accepted=accepted, guess=guess
    )


def _choice(options: dict[str, Any], aliases: dict[str, Any] | None = None) -> Callable[[object], str]:
    """The parser of a choice key: its slugs, its Chinese labels, and ``aliases`` (the field's usual words,
    ``profile.synonyms``), after NFKC; ValueError naming the accepted forms, with a did-you-mean over them:
    in Chinese the Chinese labels (and the usual words), in English the slugs with their labels."""
    labels = {v[0] if isinstance(v, tuple) else v: k for k, v in options.items()}
    words = {**labels, **(aliases or {})}
    label_of = {slug: label for label, slug in labels.items()}

    def parse(value: object) -> str:
        if not isinstance(value, str):
            raise ValueError(unknown_value(value, accepted(), None))
        if value in options:  # the slug as written (and as stored): the common case
            return value
        text = normalise_text(value)
        key = text.lower().replace("-", "_").replace(" ", "_")
        if key in options:
            return key
        for candidate in (text, text.lower()):
            if candidate in words:
                return str(words[candidate])
        found = difflib.get_close_matches(text, [*options, *words], n=1, cutoff=0.5)
        guess = None
        if found:
            slug = found[0] if found[0] in options else str(words[found[0]])
            if active() == "zh":  # a word people write, or the label of the slug that was near
                guess = quote(found[0] if found[0] in words else label_of[slug])
            else:
                guess = quote(found[0]) + (f" ({slug})" if slug != found[0] else "")
        raise ValueError(unknown_value(value, accepted(), guess))

    def accepted() -> str:
        if active() == "zh":
            return "、".join(labels)
        return ", ".join(f"{slug} ({label})" if label != slug else slug for label, slug in labels.items())

    return parse


def _multi(options: dict[str, tuple[str, str]], aliases: dict[str, str] | None = None) -> Callable[[object], list[str]]:
    single = _choice(options, aliases)

    def parse(value: object) -> list[str]:
        items = parse_list(value)
        seen: list[str] = []
        for item in items:
            parsed = single(item)
            if parsed not in seen:
                seen.append(parsed)
        return seen

    return parse


def _district(value: object) -> str:
    """A district slug from a slug, a Chinese name as people write it (prefixes, combined, historical and zone
    names; see ``profile.districts``) or a division code."""
    if not isinstance(value, str):
        raise ValueError(unknown_value(value, accepted_forms(), None))
    found = lookup_district(value)
    if found is not None:
        return found
    why = ambiguity(value)
    if why:
        raise ValueError(_("{value} names no single district: {why}", value=quote(value), why=why))
    text = normalise_text(value)
    guess = closest(text, [*DISTRICT_ZH.values(), *_DISTRICT_NAMES_SHORT])
    if guess is None:
        slug = closest(text.lower(), list(DISTRICT_ZH))
        guess = slug if slug is None or active() != "zh" else DISTRICT_ZH[slug]  # in Chinese, the name
    raise ValueError(unknown_value(value, accepted_forms(), None if guess is None else quote(guess)))


_DISTRICT_NAMES_SHORT = ["张家港", "常熟", "太仓", "昆山", "吴江", "吴中", "相城", "姑苏", "工业园区", "高新区", "虎丘区"]  # fmt: skip


def _credit(value: object) -> str:
    """A credit code as kept for the firm (see ``creditcode.read_code``): it informs, never blocks, so a code
    that fails its check or looks damaged is kept with warnings (``identity.profile_warnings``); a number (a
    JSON or TOML number, as a spreadsheet may have turned the code into) is read as its text. Only a resident
    identity number is refused (``PersonalNumber``)."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(_("{value} is not text; a credit code has 18 characters", value=quote(value)))
    return validate_credit_code(value if value.isascii() else normalise_text(value))  # see creditcode


_NAME_LIMIT = 500  # characters: longer is no firm's name but rows run together


def _text(value: object) -> str:
    """A name: text, not empty, not longer than any name, not opening a quote it never closes."""
    if not isinstance(value, str):
        raise ValueError(_("{value} is not text", value=quote(value)))
    text = normalise_text(value) if value.isascii() else value.strip()
    if not text:
        raise ValueError(_("is empty"))
    if len(text) > _NAME_LIMIT:
        raise ValueError(
            _(
                "{start}... is {length} characters long; no name is longer than {limit}",
                start=quote(text[:20]),
                length=format(len(text), ","),
                limit=_NAME_LIMIT,
            )
        )
    if text.startswith('"') and text.count('"') % 2:
        raise ValueError(
            _(
                "{start} opens a quote that is never closed (in a CSV it would join the lines after it into "
                "this cell; they are read as rows of their own); remove the quote",
                start=repr(text[:40]),
            )
        )
    return text


# The measure words a count may be written with, by the unit it is counted in: 3星 is no number of experts.
_MEASURE_WORDS: dict[str, frozenset[str]] = {
    "家": frozenset({"家", "户"}),
    "台": frozenset({"台", "套", "个"}),
    "次": frozenset({"次"}),
    "星": frozenset({"星", "星级"}),
    "个": frozenset({"个", "人", "名", "项"}),
    "": frozenset({"个", "条", "次"}),
}
_MEASURE_AT_END = re.compile(r"(家|台|次|个|人|名|星级|星|项|件|套|户|座|条)$")


def _counted(unit: str) -> Callable[[object], int]:
    """The parser of a count in ``unit`` (家, 台, 次, 星, 个): a number, with a measure word that fits the unit."""
    allowed = _MEASURE_WORDS.get(unit, _MEASURE_WORDS[""])

    def parse(value: object) -> int:
        if isinstance(value, str):
            found = _MEASURE_AT_END.search(normalise_text(value).strip())
            if found and found.group(1) not in allowed:
                words = "、".join(sorted(allowed))
                raise ValueError(
                    _(
                        "{value}: {word} does not fit this count; write a number, or one with {words}",
                        value=quote(value),
                        word=found.group(1),
                        words=words,
                    )
                )
        return parse_count(value)

    return parse


def _star(value: object) -> int:
    level = _counted("星")(value)
    if level > 5:
        raise ValueError(_("{value} is not a star level from 0 to 5", value=quote(value)))
    return level


_ENTITY_OPTIONS = {key: label for key, label in ENTITY_ZH.items()}
_DISTRICT_OPTIONS = {key: label for key, label in DISTRICT_ZH.items()}


def _key(
    type_: KeyType,
    label_zh: str,
    label_en: str,
    help_zh: str,
    help_en: str,
    parse: Callable[[object], Any] | None = None,
    choices: dict[str, Any] | None = None,
    unit: tuple[str, str] = ("", ""),
    schema: dict[str, Any] | None = None,
) -> KeySpec:
    """A key's spec; a choice key's schema lists its slugs and Chinese names (people write either)."""
    if type_ == "choice" and choices:
        labels = [label if isinstance(label, str) else label[0] for label in choices.values()]
        schema = {"type": "string", "examples": [*choices, *labels]}
    default = {"money": parse_money, "count": _counted(unit[0]), "bool": parse_bool, "date": parse_date, "text": _text}
    parser = parse or default[type_]
    return KeySpec(
        type_, label_zh, label_en, help_zh, help_en, parser, tuple(choices or ()), *unit, input_schema=schema
    )


_CREDIT_SCHEMA = {"type": "string", "pattern": "^[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{18}$"}
_STAR_SCHEMA = {"anyOf": [{"type": "integer", "minimum": 0, "maximum": 5}, {"type": "string"}]}


# fmt: off
@dataclasses.dataclass(frozen=True, kw_only=True)
class Profile:
    """An enterprise's facts. Every key but ``name`` may be left out (``None``: unknown).

    Each field is defined once, with its ``KeySpec``: type, labels, help, unit, choices and parser. Money is
    ``Decimal`` yuan, counts ``int``, choices slugs, lists of choices lists of slugs.

    A frozen dataclass that pydantic validates (``__pydantic_config__``; the ``KeySpec`` of each field is its
    validator): ``build_profile`` validates raw values (text as people type it, or values already parsed) with
    the project's error messages, building the validator on first use; ``Profile(**values)`` of values already
    parsed is a plain dataclass construction.
    """

    __pydantic_config__: ClassVar[dict[str, object]] = {"extra": "forbid", "title": "subsidy-cli enterprise profile"}

    name: Annotated[str, _key("text", "企业名称", "Name", "营业执照上的名称", "the registered name")]
    credit_code: Annotated[str | None, _key("text", "统一社会信用代码", "Credit code", "18 位统一社会信用代码", "18-character unified social credit code", _credit, schema=_CREDIT_SCHEMA)] = None
    entity_type: Annotated[str | None, _key("choice", "主体类型", "Entity type", "企业、社会组织或事业单位", "enterprise, social organisation or public institution", _choice(_ENTITY_OPTIONS, {**_ENTITY_ALIASES, **SYNONYMS["entity_type"]}), _ENTITY_OPTIONS)] = None
    independent_legal_person: Annotated[bool | None, _key("bool", "具有独立法人资格", "Independent legal person", "分支机构不具有独立法人资格", "a branch office is not one")] = None
    district: Annotated[str | None, _key("choice", "注册地", "District", "在苏州哪个县级市(区)注册", "where in Suzhou it is registered", _district, _DISTRICT_OPTIONS)] = None
    sme: Annotated[bool | None, _key("bool", "中小企业", "SME", "是否属于中小企业", "a small or medium-sized enterprise")] = None
    roles: Annotated[list[str] | None, _key("multi", "主体角色", "Roles", "属于哪类组织(可多选)", "what kind of organisation it is (several allowed)", _multi(ROLES, SYNONYMS["roles"]), ROLES)] = None
    recognitions: Annotated[list[str] | None, _key("multi", "已获认定", "Recognitions", "已获得的称号或认定(可多选)", "titles and recognitions it holds (several allowed)", _multi(RECOGNITIONS, SYNONYMS["recognitions"]), RECOGNITIONS)] = None
    retrofit_loan_cny: Annotated[Decimal | None, _key("money", "智能化改造项目贷款额(元)", "Smart-retrofit loan (CNY)", "本年度获得的智能化改造提升项目贷款", "smart-retrofit project loan obtained this year")] = None
    retrofit_loan_via_platform: Annotated[bool | None, _key("bool", "贷款经苏州综合金融服务等平台获得", "Loan obtained via the finance platform", "是否在苏州综合金融服务等平台获得", "obtained through the Suzhou comprehensive financial service platform or a like platform")] = None
    retrofit_loan_interest_paid_cny: Annotated[Decimal | None, _key("money", "该笔贷款实际支付利息(元)", "Interest actually paid on the loan (CNY)", "企业就该笔智能化改造贷款实际支付的利息", "interest the firm actually paid on that smart-retrofit loan")] = None
    cloud_star_level: Annotated[int | None, _key("count", "省上云星级", "Cloud star level", "江苏省上云企业星级, 0-5", "provincial cloud-adoption star rating, 0-5", _star, unit=("星", "stars"), schema=_STAR_SCHEMA)] = None
    platform_served_enterprises: Annotated[int | None, _key("count", "平台服务企业数", "Platform: enterprises served", "工业互联网平台服务的企业数", "enterprises the industrial-internet platform serves", unit=("家", "enterprises"))] = None
    platform_connected_devices: Annotated[int | None, _key("count", "平台连接设备数", "Platform: connected devices", "工业互联网平台连接的设备台数", "devices connected to the platform", unit=("台", "devices"))] = None
    identifier_annual_registrations: Annotated[int | None, _key("count", "年度新增标识注册量", "Identifier: new registrations a year", "二级节点年度新增标识注册量", "new identifier registrations on the secondary node this year")] = None
    identifier_daily_resolutions: Annotated[int | None, _key("count", "日均解析量", "Identifier: daily resolutions", "二级节点日均解析次数", "average daily resolutions on the secondary node", unit=("次", "resolutions"))] = None
    identifier_rnd_investment_cny: Annotated[Decimal | None, _key("money", "标识突破项目研发投资额(元)", "Identifier project R&D investment (CNY)", "标识解析突破项目的研发投资额", "R&D investment of the identifier breakthrough project")] = None
    institution_category: Annotated[str | None, _key("choice", "载体类别", "Institution category", "第十五条所列的机构类别", "the category of institution measure 15 names", _choice(INSTITUTION_CATEGORIES), INSTITUTION_CATEGORIES)] = None
    first_set_unit_price_cny: Annotated[Decimal | None, _key("money", "首台(套)单台(套)销售价格(元)", "First-set unit price (CNY)", "首台(套)装备单台(套)销售价格", "unit sale price of the first-set equipment")] = None
    first_version_software_sales_cny: Annotated[Decimal | None, _key("money", "首版次软件销售总额(元)", "First-version software sales (CNY)", "首版次工业软件销售总额", "total sales of the first-version software")] = None
    flexible_experts: Annotated[int | None, _key("count", "柔性引进专家(项目)数", "Flexibly introduced experts", "柔性引进的海内外专家(项目)数", "experts (projects) introduced flexibly", unit=("个", "experts"))] = None
    flexible_talents_approved: Annotated[int | None, _key("count", "获批补贴的柔性引进人才(项目)数", "Flexible talents (projects) approved", "已获批补贴的柔性引进人才或项目数(同一项目的专家计为一个项目)", "talents or projects approved for the subsidy (experts on one project count as one project)", unit=("个", "talent(s) or project(s)"))] = None
    security_served_enterprises: Annotated[int | None, _key("count", "服务苏州市企业数", "Security: Suzhou firms served", "安全服务机构服务的苏州市企业数", "Suzhou enterprises the security firm serves", unit=("家", "enterprises"))] = None
    security_annual_revenue_cny: Annotated[Decimal | None, _key("money", "安全服务机构年度营收(元)", "Security firm: annual revenue (CNY)", "第三方安全服务机构的年度营业收入", "annual revenue of the security service organisation as a whole")] = None
    security_contract_cny: Annotated[Decimal | None, _key("money", "安全服务合同额(元)", "Security: contract amount (CNY)", "安全服务合同额", "security service contract amount")] = None
    application_date: Annotated[dt.date | None, _key("date", "申报日期", "Application date", "评估所用的日期, 如 2022-06-30", "the date to evaluate on, e.g. 2022-06-30")] = None
# fmt: on


def _specs() -> dict[str, KeySpec]:
    """Every key's spec, in the order of the model's fields, named after its field."""
    hints = typing.get_type_hints(Profile, include_extras=True)
    specs = {}
    for item in dataclasses.fields(Profile):
        (spec,) = (meta for meta in hints[item.name].__metadata__ if isinstance(meta, KeySpec))
        specs[item.name] = dataclasses.replace(spec, name=item.name)
    return specs


KEYS: dict[str, KeySpec] = _specs()

CHOICE_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "entity_type": {
        "enterprise": ("企业", "enterprise"),
        "social_organization": ("社会组织", "social organisation"),
        "public_institution": ("事业单位", "public institution"),
    },
    "district": {key: (label, label) for key, label in DISTRICT_ZH.items()},
    "roles": ROLES,
    "recognitions": RECOGNITIONS,
    "institution_category": INSTITUTION_CATEGORIES,
}


def choice_label(key: str, value: str, lang: str) -> str:
    """The label of a choice key's value in ``lang`` (the value itself if it has none)."""
    zh, en = CHOICE_LABELS.get(key, {}).get(value, (value, value))
    return zh if lang == "zh" else en


class ProfileError(SubsidyError):
    """A profile that cannot be read: one ``Problem`` per bad key (``where`` is the key; ``file`` the source,
    such as ``firm.toml``, ``--set``, ``line 12``; ``line`` where the file's reader knows it).

    Printed one line a problem: ``firm.toml: sme: 'maybe' is not yes or no; write ...``.
    """

    def __init__(self, source: str, problems: Iterable[Problem]) -> None:
        self.source = source
        super().__init__(problems)


def unknown_text(key: str, text: str) -> bool:
    """Whether ``text`` typed for ``key`` means unknown: blank, or a placeholder (not for the name; in a list
    ``无`` is the empty list)."""
    if not text.strip():
        return True
    return key != "name" and is_placeholder(text, listing=KEYS[key].type == "multi")


def parser_for(key: str) -> Callable[[object], Any]:
    """The function that parses one value of ``key`` (raises ValueError with a message for people)."""
    return KEYS[key].parse


def value_problem(value: object, exc: ValueError) -> str:
    """A parser's message, naming the value as typed unless the message already does."""
    message = str(exc)
    shown = quote(value)  # as the parsers name it: a JSON number as written, not Decimal('..')
    quiet = getattr(exc, "quiet", False)  # the message names the value its own way (e.g. masked)
    if quiet or shown in message or isinstance(value, dict | list):
        return message
    return _("{value}: {problem}", value=shown, problem=message)


_PARSE: dict[str, Callable[[object], Any]] = {key: spec.parse for key, spec in KEYS.items()}


def parse_value(key: str, value: object) -> Any:
    """One profile value as typed in a file, ``--set``, a CSV cell or an answer; ValueError if bad.

    Calls the key's parser directly (no model validation): this is the hot path of batch scoring.
    """
    return _PARSE[key](value)


@functools.cache
def adapter() -> TypeAdapter[Profile]:
    """pydantic's adapter of the model: the JSON Schema, and the reference the validator below is tested against."""
    from pydantic import TypeAdapter

    return TypeAdapter(Profile)


@functools.cache
def _validator() -> SchemaValidator:
    """The profile's pydantic-core validator, built on first use from the keys' own schemas.

    The model is flat (every field is one ``KeySpec``, every field but ``name`` optional), so its core schema is
    written here rather than generated through ``TypeAdapter``, whose machinery would more than double the start-up
    time of ``check``; a test checks both validate alike.
    """
    fields = [
        core_schema.dataclass_field(
            name,
            spec.validator_schema()
            if name == "name"
            else core_schema.with_default_schema(spec.validator_schema(), default=None),
            kw_only=True,
        )
        for name, spec in KEYS.items()
    ]
    arguments = core_schema.dataclass_args_schema("Profile", fields, extra_behavior="forbid")
    schema = core_schema.dataclass_schema(Profile, arguments, list(KEYS), frozen=True)
    return SchemaValidator(schema)


def build_profile(data: dict[str, Any], source: str = "profile") -> Profile:
    """Validate raw key/values (from TOML, JSON, ``--set`` or CSV) into a Profile; every problem at once.

    Raises ``ProfileError`` naming each unknown key (with a did-you-mean), each bad value and a missing name.
    """
    problems: list[Problem] = []
    try:
        profile: Profile = _validator().validate_python(data)
    except ValidationError as exc:
        problems = _problems(exc, source)
    name = data.get("name")
    blank = "name" in data and (name is None or (isinstance(name, str) and not name.strip()))
    if blank and not any(problem.where == "name" for problem in problems):  # left empty: no name at all
        problems.append(Problem(_("is required; give the enterprise's name"), file=source, where="name"))
    if problems:
        raise ProfileError(source, problems)
    return profile


def _problems(exc: ValidationError, source: str) -> list[Problem]:
    """The model's errors as the project's one-line problems."""
    problems = []
    for error in exc.errors(include_url=False):
        loc = error["loc"]
        key = str(loc[0]) if loc else ""
        kind = error["type"]
        if kind in ("extra_forbidden", "unexpected_keyword_argument"):
            message = _("unknown key") + near_key(key)
        elif kind == "missing":
            message = _("is required; give the enterprise's name") if key == "name" else _("is required")
        elif kind == "value_error" and isinstance(error.get("ctx", {}).get("error"), ValueError):
            message = value_problem(error["input"], error["ctx"]["error"])
        elif kind in ("dict_type", "dataclass_type", "dataclass_exact_type"):
            message = one_object()
        else:  # pragma: no cover - every field is validated by its parser, which raises ValueError
            message = error["msg"]
        problems.append(Problem(message, file=source, where=key or None))
    return problems


def one_object() -> str:
    """The message for a profile that is not one object of key/values."""
    return _("must hold one object of key/values, e.g. {example}", example='{"name": "..."}')


def profile_to_dict(profile: Profile) -> dict[str, Any]:
    """The normalised profile, known keys only, JSON-friendly (money as strings)."""
    out: dict[str, Any] = {}
    for key in KEYS:
        value = getattr(profile, key)
        if value is None:
            continue
        if isinstance(value, Decimal):
            out[key] = f"{value:f}"
        elif isinstance(value, dt.date):
            out[key] = value.isoformat()
        else:
            out[key] = value
    return out


def json_schema() -> dict[str, Any]:
    """The JSON Schema of profile files (what people may write), generated by pydantic from ``Profile``."""
    schema = adapter().json_schema(mode="validation")
    for name, spec in KEYS.items():
        schema["properties"][name]["title"] = f"{spec.label_zh} / {spec.label_en}"
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
        "description": "Every key but name is optional: a key left out is unknown, never 'no'.",
    }


# Other headings county lists commonly give a key (besides the key and its two labels).
KEY_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("公司名称", "单位名称", "企业名", "申报单位", "申报企业"),
    "credit_code": ("信用代码", "社会信用代码", "统一信用代码", "USCC"),
    "district": ("所在地区", "所在地", "所属地区", "地区", "区县", "县市区", "注册地区"),
    "entity_type": ("单位类型", "单位性质"),
    "sme": ("是否中小企业",),
    "application_date": ("申请日期", "申报时间"),
}


def _key_names() -> dict[str, str]:
    """Every way a key is named, to the key: the key, its Chinese and English labels and ``KEY_ALIASES`` (also
    lower-cased, and without a trailing "(元)")."""
    names: dict[str, str] = {}
    for spec in KEYS.values():
        for form in (spec.name, spec.label_zh, spec.label_en, *KEY_ALIASES.get(spec.name, ())):
            text = normalise_text(form)
            names[text] = spec.name
            names[text.lower()] = spec.name
            if text.endswith("(元)"):
                names[text.removesuffix("(元)")] = spec.name
    return names


KEY_NAMES = _key_names()


def key_for(name: str) -> str | None:
    """The profile key ``name`` names: the key itself, or its Chinese or English label, as CSV headings and
    profile files may write it (full-width forms, spaces and line breaks inside do not count); None if none."""
    text = normalise_text(name).lstrip("\ufeff").strip()
    found = KEY_NAMES.get(text) or KEY_NAMES.get(text.lower())
    if found is None and re.search(r"\s", text):
        squeezed = re.sub(r"\s+", " ", text)
        found = KEY_NAMES.get(squeezed.lower()) or KEY_NAMES.get(re.sub(r"\s+", "", text))
    return found

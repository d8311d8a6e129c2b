"""The enterprise profile: its keys, their labels in Chinese and English, and their parsing.

A key left out is unknown (``None``), never "no"; an empty list means "none".
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from .creditcode import validate_credit_code
from .values import normalise_text, parse_bool, parse_count, parse_date, parse_list, parse_money


class Problem(ValueError):
    """One bad key in a profile (which key, which value, what to do), or a file-level problem at a line."""

    def __init__(self, key: str, message: str, line: int | None = None) -> None:
        super().__init__(f"{key}: {message}" if key else message)
        self.key = key
        self.message = message
        self.line = line


class EntityType(StrEnum):
    enterprise = "enterprise"
    social_organization = "social_organization"
    public_institution = "public_institution"


class District(StrEnum):
    zhangjiagang = "zhangjiagang"
    changshu = "changshu"
    taicang = "taicang"
    kunshan = "kunshan"
    wujiang = "wujiang"
    wuzhong = "wuzhong"
    xiangcheng = "xiangcheng"
    gusu = "gusu"
    sip = "sip"
    snd = "snd"
    outside_suzhou = "outside_suzhou"


DISTRICT_ZH: dict[District, str] = {
    District.zhangjiagang: "张家港市",
    District.changshu: "常熟市",
    District.taicang: "太仓市",
    District.kunshan: "昆山市",
    District.wujiang: "吴江区",
    District.wuzhong: "吴中区",
    District.xiangcheng: "相城区",
    District.gusu: "姑苏区",
    District.sip: "苏州工业园区",
    District.snd: "苏州高新区",
    District.outside_suzhou: "苏州市外",
}
SUZHOU_DISTRICTS = [d.value for d in District if d is not District.outside_suzhou]
_DISTRICT_ALIASES = {
    "张家港": District.zhangjiagang,
    "常熟": District.changshu,
    "太仓": District.taicang,
    "昆山": District.kunshan,
    "吴江": District.wujiang,
    "吴中": District.wuzhong,
    "相城": District.xiangcheng,
    "姑苏": District.gusu,
    "园区": District.sip,
    "工业园区": District.sip,
    "苏州工业园区": District.sip,
    "高新区": District.snd,
    "苏州高新区": District.snd,
    "虎丘区": District.snd,
    "新区": District.snd,
    "市外": District.outside_suzhou,
    "苏州市外": District.outside_suzhou,
    "苏州以外": District.outside_suzhou,
    "outside": District.outside_suzhou,
    "suzhou industrial park": District.sip,
    "suzhou new district": District.snd,
}
ENTITY_ZH = {
    EntityType.enterprise: "企业",
    EntityType.social_organization: "社会组织",
    EntityType.public_institution: "事业单位",
}
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
        "科研院所、高校、重点实验室或创新中心",
        "research institute, university, lab or innovation centre",
    ),
    "training_institution": ("高校或技工院校", "university or technical school"),
    "industry_association": ("行业组织或联盟(协会、学会)", "industry organisation or alliance"),
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


@dataclass(frozen=True)
class KeySpec:
    """What a profile key is, for labels, questions, CSV headers and condition checks."""

    name: str
    type: KeyType
    label_zh: str
    label_en: str
    help_zh: str
    help_en: str
    choices: tuple[str, ...] = ()
    unit_zh: str = ""
    unit_en: str = ""

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en


def near(value: str, options: list[str]) -> str:
    match = difflib.get_close_matches(value, options, n=1, cutoff=0.6)
    return f"; did you mean {match[0]!r}?" if match else ""


def _choice(options: dict[str, Any], aliases: dict[str, Any] | None = None) -> Any:
    def parse(value: object) -> Any:
        if not isinstance(value, str):
            raise ValueError(f"{value!r} is not one of: {', '.join(options)}")
        text = normalise_text(value)
        key = text.lower().replace("-", "_").replace(" ", "_")
        if key in options:
            return key
        for table in (aliases or {}), {v[0] if isinstance(v, tuple) else v: k for k, v in options.items()}:
            if text in table:
                return str(table[text])
            if text.lower() in table:
                return str(table[text.lower()])
        raise ValueError(f"{value!r} is not one of: {', '.join(options)}{near(key, list(options))}")

    return parse


def _multi(options: dict[str, tuple[str, str]]) -> Any:
    single = _choice(options)

    def parse(value: object) -> list[str]:
        items = parse_list(value)
        seen: list[str] = []
        for item in items:
            parsed = single(item)
            if parsed not in seen:
                seen.append(parsed)
        return seen

    return parse


def _credit(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not text; a credit code has 18 characters")
    return validate_credit_code(normalise_text(value))


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not text")
    text = normalise_text(value) if value.isascii() else value.strip()
    if not text:
        raise ValueError("is empty")
    return text


def _star(value: object) -> int:
    level = parse_count(value)
    if level > 5:
        raise ValueError(f"{value!r} is not a star level from 0 to 5")
    return level


Money = Annotated[Decimal, BeforeValidator(parse_money)]
Count = Annotated[int, BeforeValidator(parse_count)]
Bool = Annotated[bool, BeforeValidator(parse_bool)]
Date = Annotated[dt.date, BeforeValidator(parse_date)]

_ENTITY_OPTIONS = {e.value: ENTITY_ZH[e] for e in EntityType}
_DISTRICT_OPTIONS = {d.value: DISTRICT_ZH[d] for d in District}


class Profile(BaseModel):
    """An enterprise's facts. Every key but ``name`` may be left out (unknown)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    name: Annotated[str, BeforeValidator(_text)] = Field(description="企业名称 / enterprise name")
    credit_code: Annotated[str, BeforeValidator(_credit)] | None = None
    entity_type: Annotated[EntityType, BeforeValidator(_choice(_ENTITY_OPTIONS, _ENTITY_ALIASES))] | None = None
    independent_legal_person: Bool | None = None
    district: Annotated[District, BeforeValidator(_choice(_DISTRICT_OPTIONS, _DISTRICT_ALIASES))] | None = None
    sme: Bool | None = None
    roles: Annotated[list[str], BeforeValidator(_multi(ROLES))] | None = None
    recognitions: Annotated[list[str], BeforeValidator(_multi(RECOGNITIONS))] | None = None
    retrofit_loan_cny: Money | None = None
    retrofit_loan_via_platform: Bool | None = None
    cloud_star_level: Annotated[int, BeforeValidator(_star)] | None = None
    platform_served_enterprises: Count | None = None
    platform_connected_devices: Count | None = None
    identifier_annual_registrations: Count | None = None
    identifier_daily_resolutions: Count | None = None
    identifier_rnd_investment_cny: Money | None = None
    institution_category: Annotated[str, BeforeValidator(_choice(INSTITUTION_CATEGORIES))] | None = None
    first_set_unit_price_cny: Money | None = None
    first_version_software_sales_cny: Money | None = None
    flexible_experts: Count | None = None
    security_served_enterprises: Count | None = None
    security_annual_revenue_cny: Money | None = None
    security_contract_cny: Money | None = None
    application_date: Date | None = None


# fmt: off
# key, type, label zh, label en, help zh, help en, choices, unit (zh, en) for counts
KEYS: dict[str, KeySpec] = {spec.name: spec for spec in (
    KeySpec("name", "text", "企业名称", "Name", "营业执照上的名称", "the registered name"),
    KeySpec("credit_code", "text", "统一社会信用代码", "Credit code", "18 位统一社会信用代码", "18-character unified social credit code"),
    KeySpec("entity_type", "choice", "主体类型", "Entity type", "企业、社会组织或事业单位", "enterprise, social organisation or public institution", tuple(_ENTITY_OPTIONS)),
    KeySpec("independent_legal_person", "bool", "具有独立法人资格", "Independent legal person", "分支机构不具有独立法人资格", "a branch office is not one"),
    KeySpec("district", "choice", "注册地", "District", "在苏州哪个县级市(区)注册", "where in Suzhou it is registered", tuple(_DISTRICT_OPTIONS)),
    KeySpec("sme", "bool", "中小企业", "SME", "是否属于中小企业", "a small or medium-sized enterprise"),
    KeySpec("roles", "multi", "主体角色", "Roles", "属于哪类组织(可多选)", "what kind of organisation it is (several allowed)", tuple(ROLES)),
    KeySpec("recognitions", "multi", "已获认定", "Recognitions", "已获得的称号或认定(可多选)", "titles and recognitions it holds (several allowed)", tuple(RECOGNITIONS)),
    KeySpec("retrofit_loan_cny", "money", "智能化改造项目贷款额(元)", "Smart-retrofit loan (CNY)", "本年度获得的智能化改造提升项目贷款", "smart-retrofit project loan obtained this year"),
    KeySpec("retrofit_loan_via_platform", "bool", "贷款经苏州综合金融服务等平台获得", "Loan obtained via the finance platform", "是否在苏州综合金融服务等平台获得", "obtained through the Suzhou comprehensive financial service platform or a like platform"),
    KeySpec("cloud_star_level", "count", "省上云星级", "Cloud star level", "江苏省上云企业星级, 0-5", "provincial cloud-adoption star rating, 0-5", (), "星", "stars"),
    KeySpec("platform_served_enterprises", "count", "平台服务企业数", "Platform: enterprises served", "工业互联网平台服务的企业数", "enterprises the industrial-internet platform serves", (), "家", "enterprises"),
    KeySpec("platform_connected_devices", "count", "平台连接设备数", "Platform: connected devices", "工业互联网平台连接的设备台数", "devices connected to the platform", (), "台", "devices"),
    KeySpec("identifier_annual_registrations", "count", "年度新增标识注册量", "Identifier: new registrations a year", "二级节点年度新增标识注册量", "new identifier registrations on the secondary node this year"),
    KeySpec("identifier_daily_resolutions", "count", "日均解析量", "Identifier: daily resolutions", "二级节点日均解析次数", "average daily resolutions on the secondary node", (), "次", "resolutions"),
    KeySpec("identifier_rnd_investment_cny", "money", "标识突破项目研发投资额(元)", "Identifier project R&D investment (CNY)", "标识解析突破项目的研发投资额", "R&D investment of the identifier breakthrough project"),
    KeySpec("institution_category", "choice", "载体类别", "Institution category", "第十五条所列的机构类别", "the category of institution measure 15 names", tuple(INSTITUTION_CATEGORIES)),
    KeySpec("first_set_unit_price_cny", "money", "首台(套)单台(套)销售价格(元)", "First-set unit price (CNY)", "首台(套)装备单台(套)销售价格", "unit sale price of the first-set equipment"),
    KeySpec("first_version_software_sales_cny", "money", "首版次软件销售总额(元)", "First-version software sales (CNY)", "首版次工业软件销售总额", "total sales of the first-version software"),
    KeySpec("flexible_experts", "count", "柔性引进专家(项目)数", "Flexibly introduced experts", "柔性引进的海内外专家(项目)数", "experts (projects) introduced flexibly", (), "个", "experts"),
    KeySpec("security_served_enterprises", "count", "服务苏州市企业数", "Security: Suzhou firms served", "安全服务机构服务的苏州市企业数", "Suzhou enterprises the security firm serves", (), "家", "enterprises"),
    KeySpec("security_annual_revenue_cny", "money", "安全服务机构年度营收(元)", "Security firm: annual revenue (CNY)", "第三方安全服务机构的年度营业收入", "annual revenue of the security service organisation as a whole"),
    KeySpec("security_contract_cny", "money", "安全服务合同额(元)", "Security: contract amount (CNY)", "安全服务合同额", "security service contract amount"),
    KeySpec("application_date", "date", "申报日期", "Application date", "评估所用的日期, 如 2022-06-30", "the date to evaluate on, e.g. 2022-06-30"),
)}
# fmt: on
assert list(KEYS) == list(Profile.model_fields), "KEYS must list every profile field in order"

CHOICE_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "entity_type": {e.value: (ENTITY_ZH[e], e.value.replace("_", " ")) for e in EntityType},
    "district": {d.value: (DISTRICT_ZH[d], d.value) for d in District},
    "roles": ROLES,
    "recognitions": RECOGNITIONS,
    "institution_category": INSTITUTION_CATEGORIES,
}


def choice_label(key: str, value: str, lang: str) -> str:
    zh, en = CHOICE_LABELS.get(key, {}).get(value, (value, value))
    return zh if lang == "zh" else en


def _problems(exc: ValidationError, data: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    for error in exc.errors():
        key = str(error["loc"][0]) if error["loc"] else "(profile)"
        if error["type"] == "extra_forbidden":
            problems.append(Problem(key, f"unknown key{near(key, list(KEYS))}"))
        elif error["type"] == "missing":
            problems.append(Problem(key, "is required; give the enterprise's name"))
        else:
            message = str(error.get("ctx", {}).get("error") or error["msg"])
            message = message.removeprefix("Value error, ")
            value = data.get(key, error.get("input"))
            if f"{value!r}" not in message and not isinstance(value, dict | list):
                message = f"{value!r}: {message}"
            problems.append(Problem(key, message))
    return problems


class ProfileError(Exception):
    """A profile that cannot be read; carries one problem per bad key."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        """One printable line a problem: ``firm.toml: sme: 'maybe' is not yes or no``."""
        return [f"{self.source}:{p.line}: {p}" if p.line else f"{self.source}: {p}" for p in self.problems]


def build_profile(data: dict[str, Any], source: str = "profile") -> Profile:
    """Validate raw key/values (from TOML, JSON, ``--set`` or CSV) into a Profile."""
    cleaned = {key: value for key, value in data.items() if not (isinstance(value, str) and value.strip() == "")}
    try:
        return Profile.model_validate(cleaned)
    except ValidationError as exc:
        raise ProfileError(source, _problems(exc, cleaned)) from None


def profile_to_dict(profile: Profile) -> dict[str, Any]:
    """The normalised profile, known keys only, JSON-friendly (money as strings)."""
    out: dict[str, Any] = {}
    for key, value in profile.model_dump(exclude_none=True).items():
        if isinstance(value, Decimal):
            out[key] = f"{value:f}"
        elif isinstance(value, dt.date):
            out[key] = value.isoformat()
        elif isinstance(value, StrEnum):
            out[key] = value.value
        else:
            out[key] = value
    return out

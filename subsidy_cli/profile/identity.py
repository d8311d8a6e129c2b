"""What a firm's credit code says about it, set against its profile: identity facts inform, never block.

The code's positions 1-2 give the kind of organisation that registered it (GB 32100-2015, 附录 A: the
registering authority, then the category) and positions 3-8 the administrative division code of the authority
that issued it (3205xx for Suzhou; the county codes are those of ``profile.districts``, plus 320594, under
which 苏州工业园区's authority registers firms, and 320500, the city's own authority, which may be any of the
ten). Where they contradict ``entity_type``, ``independent_legal_person`` or ``district``, each contradiction is
a warning naming both sides (``Notice``); the firm is judged on its stated facts all the same. A code keeps the
place where it was first issued when a firm moves, so a region warning asks to check rather than declaring
either side wrong.

``profile_warnings`` gives every warning of a profile (control characters taken out of its values, the code's
own, see ``creditcode.read_code``, then the contradictions); ``contradictions`` the latter alone, for batch,
which names the columns as headed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from subsidy_cli.errors import Notice
from subsidy_cli.i18n import N_, _, active
from subsidy_cli.profile import controls
from subsidy_cli.profile.creditcode import PersonalNumber, read_code
from subsidy_cli.profile.districts import HISTORICAL, OFFICIAL
from subsidy_cli.profile.keys import choice_label
from subsidy_cli.profile.values import normalise_text

_ENTERPRISE = frozenset({"enterprise"})
_SOCIAL = frozenset({"social_organization"})
_PUBLIC = frozenset({"public_institution"})
_NOT_ENTERPRISE = frozenset({"social_organization", "public_institution"})
_NONE: frozenset[str] = frozenset()

# Category (positions 1-2) -> (what it is, the entity types it fits, whether it is a legal person where that is
# known from the category alone: an individual business never is; an enterprise's branch office has a 91 code)
CATEGORIES: dict[str, tuple[str, frozenset[str], bool | None]] = {
    "11": (N_("government organ"), _NONE, None),
    "12": (N_("public institution"), _PUBLIC, None),
    "13": (N_("mass organisation"), _SOCIAL, None),
    "19": (N_("other body registered by the staffing office"), _NOT_ENTERPRISE, None),
    "21": (N_("foreign news agency office"), _NOT_ENTERPRISE, None),
    "29": (N_("other body registered by foreign affairs"), _NOT_ENTERPRISE, None),
    "31": (N_("law firm"), _NOT_ENTERPRISE, None),
    "32": (N_("notary office"), _NOT_ENTERPRISE, None),
    "33": (N_("grassroots legal service office"), _NOT_ENTERPRISE, None),
    "34": (N_("judicial appraisal institution"), _NOT_ENTERPRISE, None),
    "35": (N_("arbitration commission"), _NOT_ENTERPRISE, None),
    "39": (N_("other body registered by justice administration"), _NOT_ENTERPRISE, None),
    "41": (N_("foreign cultural centre"), _NOT_ENTERPRISE, None),
    "49": (N_("other body registered by culture administration"), _NOT_ENTERPRISE, None),
    "51": (N_("social group"), _SOCIAL, None),
    "52": (N_("private non-enterprise unit"), _SOCIAL, None),
    "53": (N_("foundation"), _SOCIAL, None),
    "59": (N_("other body registered by civil affairs"), _SOCIAL, None),
    "61": (N_("foreign tourism office"), _NOT_ENTERPRISE, None),
    "62": (N_("Hong Kong, Macao or Taiwan tourism office"), _NOT_ENTERPRISE, None),
    "69": (N_("other body registered by tourism administration"), _NOT_ENTERPRISE, None),
    "71": (N_("place of religious activity"), _NOT_ENTERPRISE, None),
    "72": (N_("religious school"), _NOT_ENTERPRISE, None),
    "79": (N_("other religious body"), _NOT_ENTERPRISE, None),
    "81": (N_("grassroots trade union"), _SOCIAL, None),
    "89": (N_("other trade union body"), _SOCIAL, None),
    "91": (N_("enterprise"), _ENTERPRISE, None),
    "92": (N_("individual business"), _NONE, False),
    "93": (N_("farmers' specialised cooperative"), _NONE, None),
    "A1": (N_("military public institution"), _PUBLIC, None),
    "A9": (N_("other military body"), _PUBLIC, None),
    "N1": (N_("group-level collective economic organisation"), _NONE, None),
    "N2": (N_("village-level collective economic organisation"), _NONE, None),
    "N3": (N_("township-level collective economic organisation"), _NONE, None),
    "N9": (N_("other collective economic organisation"), _NONE, None),
    "Y1": (N_("other registered body"), _NOT_ENTERPRISE, None),
}

SUZHOU = "3205"
CITY_AUTHORITY = "320500"  # the city's own registration authority: any of the ten
# Division codes of the issuing authority -> the district slug (the counties' official and former codes, and
# the code 苏州工业园区's registration authority issues under)
REGIONS: dict[str, str] = {
    **{code: slug for slug, (_name, code) in OFFICIAL.items()},
    **{code: slug for slug, code in HISTORICAL.values()},
    "320594": "sip",
}
_PROVINCES = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区", "21": "辽宁省",
    "22": "吉林省", "23": "黑龙江省", "31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省",
    "35": "福建省", "36": "江西省", "37": "山东省", "41": "河南省", "42": "湖北省", "43": "湖南省",
    "44": "广东省", "45": "广西壮族自治区", "46": "海南省", "50": "重庆市", "51": "四川省", "52": "贵州省",
    "53": "云南省", "54": "西藏自治区", "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区", "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
}  # fmt: skip
_JIANGSU = {
    "3201": "南京市", "3202": "无锡市", "3203": "徐州市", "3204": "常州市", "3205": "苏州市", "3206": "南通市",
    "3207": "连云港市", "3208": "淮安市", "3209": "盐城市", "3210": "扬州市", "3211": "镇江市", "3212": "泰州市",
    "3213": "宿迁市",
}  # fmt: skip
IDENTITY_KEYS = ("entity_type", "independent_legal_person", "district")


def place_name(region: str) -> str:
    """The place a division code names, as far as this module knows it: a county of Suzhou, a city of Jiangsu,
    a province (Chinese names, as the codes' source writes them)."""
    slug = REGIONS.get(region)
    if slug is not None:
        return OFFICIAL[slug][0] if slug in OFFICIAL else region
    former = next((name for name, (_slug, code) in HISTORICAL.items() if code == region), None)
    return former or _JIANGSU.get(region[:4]) or _PROVINCES.get(region[:2]) or region


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def contradictions(code: str, values: Mapping[str, Any], names: Mapping[str, str] | None = None) -> list[Notice]:
    """What the code's category and region contradict among ``values`` (parsed profile values of
    ``entity_type``, ``independent_legal_person`` and ``district``; a missing or None value contradicts
    nothing). ``code`` is the code as kept (``read_code``), whose positions 1-8 can be read; ``names`` says how
    to name each key in the messages (a CSV's headings; default: the key). Each warning has key
    ``credit_code`` and kind ``category``, ``legal_person`` or ``region``."""
    return [
        *category_contradictions(code[:2], values, names),
        *region_contradictions(code[2:8], values.get("district"), names),
    ]


def category_contradictions(
    category: str, values: Mapping[str, Any], names: Mapping[str, str] | None = None
) -> list[Notice]:
    """What a code's positions 1-2 (``category``) contradict: ``entity_type`` and ``independent_legal_person``
    among ``values`` (see ``contradictions``)."""
    names = names or {}
    found: list[Notice] = []
    known = CATEGORIES.get(category)
    if known is None:
        return found
    kind, fits, legal = known
    entity = values.get("entity_type")
    if entity is not None and entity not in fits:
        found.append(
            Notice(
                _(
                    "positions 1-2 of the code ({category}: {kind}) contradict {name} {value}; check which is right",
                    category=category,
                    kind=_(kind),
                    name=names.get("entity_type", "entity_type"),
                    value=choice_label("entity_type", entity, active()),
                ),
                "credit_code",
                "category",
            )
        )
    legal_person = values.get("independent_legal_person")
    if legal is not None and legal_person is not None and legal_person != legal:
        found.append(
            Notice(
                _(
                    "positions 1-2 of the code ({category}: {kind}, not a legal person) contradict {name} {value}; "
                    "check which is right",
                    category=category,
                    kind=_(kind),
                    name=names.get("independent_legal_person", "independent_legal_person"),
                    value=_yes_no(legal_person),
                ),
                "credit_code",
                "legal_person",
            )
        )
    return found


def region_contradictions(region: str, district: str | None, names: Mapping[str, str] | None = None) -> list[Notice]:
    """What a code's positions 3-8 (``region``, the division code of the authority that issued it) contradict:
    ``district`` (a slug; None contradicts nothing). A Suzhou code of a county other than the district's, a
    code from outside Suzhou for a district inside, or a Suzhou code for a firm outside; 320500 (the city's own
    authority) and Suzhou codes this module does not place contradict no district of the ten."""
    if district is None or len(region) != 6 or not region.isdigit():
        return []
    in_suzhou = region.startswith(SUZHOU)
    county = REGIONS.get(region)
    if (district == "outside_suzhou") != in_suzhou and (county is None or county == district):
        return []
    message = _(
        "positions 3-8 of the code say it was issued in {place} ({region}), but {name} is {value}; a code keeps "
        "the place where it was first issued, so check the district unless the firm has moved",
        place=place_name(region),
        region=region,
        name=(names or {}).get("district", "district"),
        value=choice_label("district", district, active()),
    )
    return [Notice(message, "credit_code", "region")]


def profile_warnings(values: Mapping[str, Any], given: Mapping[str, Any] | None = None) -> list[Notice]:
    """Every warning about a profile that decides nothing: control characters taken out of its values
    (``profile.controls``), the credit code's own warnings (``creditcode.read_code``: failing check,
    spreadsheet damage, marks taken off) and what the code contradicts (``contradictions``). ``values`` are the
    profile's parsed values (``vars(profile)``); ``given`` the key/values as written in the file, when at hand
    (only they show what was taken out), else the kept values are read."""
    found: list[Notice] = []
    given = given or {}
    for key, value in given.items():
        if isinstance(value, str) and controls.takes_out(value):
            found.append(controls.notice(controls.clean(value)[1], key))
    raw = given.get("credit_code")
    code = controls.clean(raw)[0] if isinstance(raw, str) and raw.strip() else values.get("credit_code")
    if not isinstance(code, str) or not code.strip():
        return found
    try:
        reading = read_code(code if code.isascii() else normalise_text(code))
    except PersonalNumber:  # refused where the profile was read; nothing to add
        return found
    found += reading.notices
    if reading.structured:
        found += contradictions(reading.code, values)
    return found

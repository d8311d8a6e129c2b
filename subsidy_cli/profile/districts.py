"""Districts as people write them: the policy's ten county-level areas of Suzhou, under their official, short,
combined, historical and zone names, and by their administrative division codes.

The codes and names are data from the Ministry of Civil Affairs' list of county-level divisions
(《中华人民共和国县以上行政区划代码》, 民政部) and the State Council's 2012 approval of Suzhou's
redivision (平江区, 沧浪区 and 金阊区 merged into 姑苏区; 吴江市 became 吴江区). 苏州工业园区 is not a
county-level division; 320571 is the code the National Bureau of Statistics gives it
(统计用区划代码). A historical name is mapped only where its whole area went to one of the ten; a name
whose area was split (吴县市, split in 2001 into 吴中区 and 相城区) is refused with the choice to make.
"""

from __future__ import annotations

import re

from subsidy_cli.i18n import N_, _
from subsidy_cli.profile.values import normalise_text

# slug -> (official name, administrative division code)
OFFICIAL: dict[str, tuple[str, str]] = {
    "zhangjiagang": ("张家港市", "320582"),
    "changshu": ("常熟市", "320581"),
    "taicang": ("太仓市", "320585"),
    "kunshan": ("昆山市", "320583"),
    "wujiang": ("吴江区", "320509"),
    "wuzhong": ("吴中区", "320506"),
    "xiangcheng": ("相城区", "320507"),
    "gusu": ("姑苏区", "320508"),
    "sip": ("苏州工业园区", "320571"),
    "snd": ("苏州高新区", "320505"),  # 虎丘区: one administration with the high-tech zone
}
# Former divisions whose whole area is now one of the ten (name -> slug), with their former codes
HISTORICAL: dict[str, tuple[str, str]] = {
    "吴江市": ("wujiang", "320584"),  # became 吴江区 in 2012
    "平江区": ("gusu", "320503"),  # merged into 姑苏区 in 2012
    "沧浪区": ("gusu", "320502"),
    "金阊区": ("gusu", "320504"),
}
# Former names that cannot be mapped: what to write instead (in English, translated where shown)
AMBIGUOUS: dict[str, str] = {
    "吴县": N_("吴县 was split in 2001 into 吴中区 and 相城区; write which one"),
    "吴县市": N_("吴县市 was split in 2001 into 吴中区 and 相城区; write which one"),
    "苏州": N_("苏州市 has ten county-level areas; write which one (e.g. 姑苏区)"),
    "苏州市": N_("苏州市 has ten county-level areas; write which one (e.g. 姑苏区)"),
    "市区": N_("市区 covers several districts; write which one (e.g. 姑苏区)"),
}
# Other names of one area, after the province and city prefixes are taken off
_NAMES: dict[str, str] = {
    "张家港": "zhangjiagang",
    "常熟": "changshu",
    "太仓": "taicang",
    "昆山": "kunshan",
    "吴江": "wujiang",
    "吴中": "wuzhong",
    "相城": "xiangcheng",
    "姑苏": "gusu",
    "园区": "sip",
    "工业园区": "sip",
    "苏州工业园": "sip",
    "中新苏州工业园区": "sip",
    "高新区": "snd",
    "新区": "snd",
    "苏州新区": "snd",
    "虎丘": "snd",
    "虎丘区": "snd",
    "苏州高新技术产业开发区": "snd",
    "苏州国家高新技术产业开发区": "snd",
    "高新区虎丘区": "snd",
    "市外": "outside_suzhou",
    "苏州市外": "outside_suzhou",
    "苏州以外": "outside_suzhou",
    "outside": "outside_suzhou",
    "suzhou industrial park": "sip",
    "suzhou new district": "snd",
}
# A zone inside a county belongs to that county: 昆山开发区, 张家港保税区, 常熟高新区, 吴江经济技术开发区...
_COUNTIES = ("张家港", "常熟", "太仓", "昆山", "吴江", "吴中", "相城", "姑苏")
_ZONE = re.compile(
    rf"({'|'.join(_COUNTIES)})(?:市|区)?(?:国家级|省级)?"
    r"(?:经济技术开发区|经济开发区|高新技术产业开发区|高新区|开发区|保税区|保税港区|港区|工业园区|综合保税区|"
    r"度假区|旅游度假区|太湖新城|经开区|自贸区|自贸片区)?"
)
_PREFIX = re.compile(r"^(?:中国)?(?:江苏省|江苏)?(?:苏州市|苏州)?")
_SLUGS = {**{slug: slug for slug in OFFICIAL}, "outside_suzhou": "outside_suzhou"}
_OFFICIAL_NAMES = {name: slug for slug, (name, _code) in OFFICIAL.items()}
_CODES = {code: slug for slug, (_name, code) in OFFICIAL.items()} | {code: slug for slug, code in HISTORICAL.values()}


def _clean(text: str) -> str:
    """Full-width forms folded, spaces and joining marks between names dropped, brackets removed."""
    text = normalise_text(text)
    text = re.sub(r"[\s()\[\]【】/／、,;·・\-]+", "", text)
    return text


def lookup_district(value: str) -> str | None:
    """The slug of the area ``value`` names (or None): a slug, an official, short, combined, historical or zone
    name, with or without 江苏省/苏州市 before it, or a division code."""
    if value in _SLUGS:
        return value
    plain = normalise_text(value)
    key = plain.lower().replace("-", "_").replace(" ", "_")
    if key in _SLUGS:
        return key
    if plain.lower() in _NAMES:
        return _NAMES[plain.lower()]
    text = _clean(value)
    if text in _CODES:
        return _CODES[text]
    for candidate in (text, _PREFIX.sub("", text)):
        if not candidate:
            continue
        if candidate in _OFFICIAL_NAMES:
            return _OFFICIAL_NAMES[candidate]
        if candidate in _NAMES:
            return _NAMES[candidate]
        if candidate in HISTORICAL:
            return HISTORICAL[candidate][0]
    rest = _PREFIX.sub("", text)
    # the high-tech zone and 虎丘区 written together, in either order: 苏州高新区(虎丘区), 虎丘区/高新区
    if rest and set(re.findall("高新区|虎丘区|新区|高新技术产业开发区", rest)) and not re.sub(
        "苏州|国家|高新技术产业开发区|高新区|虎丘区|新区", "", rest
    ):
        return "snd"
    if rest in ("工业园区", "园区") or rest.startswith("工业园区"):
        return "sip"
    zone = _ZONE.fullmatch(rest)
    if zone:
        return _NAMES[zone.group(1)]
    return None


def ambiguity(value: str) -> str | None:
    """Why ``value`` names no single area, for a historical or general name that does not (in the active
    language); else None."""
    rest = _PREFIX.sub("", _clean(value)) or _clean(value)
    why = AMBIGUOUS.get(rest) or AMBIGUOUS.get(_clean(value))
    return _(why) if why else None


def accepted_forms() -> str:
    """The accepted forms, for a message in the active language: the official names, then (in English) the
    slugs."""
    names = "、".join(name for name, _code in OFFICIAL.values())
    return _("{names} or 苏州市外 (or {slugs})", names=names, slugs=", ".join(_SLUGS))

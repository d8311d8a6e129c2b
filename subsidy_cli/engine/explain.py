"""A judged line in words: the basis of its amount, the reasons for its status, the keys it waits on.

Plain strings in either language; used by the JSON document and by the Rich renderer alike.
"""

from __future__ import annotations

from subsidy_cli.engine.assess import Constraint, Finding, LineResult
from subsidy_cli.profile.keys import KEYS, Profile
from subsidy_cli.rules import amounts
from subsidy_cli.rules.catalog import Benefit
from subsidy_cli.rules.conditions import describe, describe_check
from subsidy_cli.words import count, money, pick

STATUS_WORDS = {
    "eligible": ("可申请", "eligible"),
    "potential": ("可争取", "potential"),
    "needs_info": ("待补充信息", "needs info"),
    "ineligible": ("不符合", "ineligible"),
    "expired": ("已过期", "expired"),
}
KIND_WORDS = {
    "cash": ("资金奖励", "cash"),
    "in_kind": ("免费服务", "free service"),
    "support": ("非资金支持", "support"),
    "referenced": ("按其他政策", "referenced"),
    "case_by_case": ("一事一议", "case by case"),
    "risk_sharing": ("风险共担", "risk sharing"),
}


_ROMAN = {"一": "I", "二": "II", "三": "III", "四": "IV", "五": "V"}
CN_NUMERALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一",
               "十二", "十三", "十四", "十五", "十六", "十七", "十八", "十九", "二十", "二十一", "二十二")  # fmt: skip


def measure_words(benefit: Benefit, lang: str) -> str:
    """Where the line sits in the text: 第四部分 第(十六)条 / Part IV, measure 16."""
    return pick(
        lang,
        f"第{benefit.section}部分 第({CN_NUMERALS[benefit.measure - 1]})条",
        f"Part {_ROMAN[benefit.section]}, measure {benefit.measure}",
    )


def status_word(status: str, lang: str) -> str:
    return pick(lang, *STATUS_WORDS[status])


def kind_word(kind: str, lang: str) -> str:
    return pick(lang, *KIND_WORDS[kind])


def quota_words(benefit: Benefit, lang: str) -> str:
    quota = benefit.quota
    if quota is None:
        return ""
    number = count(quota.count, lang)
    bound_zh = {"exactly": "", "at_least": "不少于", "at_least_about": "至少约"}[quota.bound]
    bound_en = {"exactly": "", "at_least": "at least ", "at_least_about": "at least about "}[quota.bound]
    return pick(
        lang, f"名额:每年{bound_zh}{number}{quota.unit_zh}", f"quota: {bound_en}{number} {quota.unit_en} a year"
    )


def basis(benefit: Benefit, profile: Profile | None, lang: str) -> str:
    """The amount rule in words, with the profile's figures where known."""
    rule = amounts.describe(benefit.amount, profile, lang)
    kind = benefit.kind
    if kind == "referenced":
        text = pick(lang, f"金额按{benefit.referenced_policy}", f"amount set by {benefit.referenced_policy}")
    elif kind == "case_by_case":
        text = pick(lang, "“一事一议”确定支持方式", "support agreed case by case (一事一议)")
    elif kind == "support":
        text = pick(lang, "支持方式见条文,无直接奖励金额", "support as the clause describes; no amount of its own")
    elif kind == "risk_sharing":
        text = pick(lang, f"与银行共担风险:{rule}", f"risk shared with the bank on {rule}")
    elif kind == "in_kind":
        text = (
            pick(lang, f"免费服务,价值{rule}", f"free service worth {rule}")
            if rule
            else pick(lang, "免费服务,文件未列价值", "free service; the text states no value")
        )
    else:
        text = rule
    quota = quota_words(benefit, lang)
    return pick(lang, ";", "; ").join(part for part in (text, quota) if part)


def finding_words(finding: Finding, lang: str) -> str:
    """A condition and the profile values it was judged on."""
    leaves = finding.checks
    if len(leaves) == 1 and leaves[0].condition is finding.condition:
        text = describe_check(leaves[0], lang)
    else:
        values = "; ".join(describe_check(leaf, lang) for leaf in leaves if leaf.condition.key)
        text = describe(finding.condition, lang) + (f" [{values}]" if values else "")
    if finding.scope_reason:
        return f"{pick(lang, *finding.scope_reason)}: {text}"
    return text


def outcome_word(finding: Finding, lang: str) -> str:
    if finding.to_confirm:
        return pick(lang, "待确认", "to confirm")
    return {
        True: pick(lang, "满足", "met"),
        False: pick(lang, "不满足", "not met"),
        None: pick(lang, "未知", "unknown"),
    }[finding.outcome]


def reasons(result: LineResult, lang: str) -> list[str]:
    """Why the line has its status, one sentence a reason."""
    benefit = result.benefit
    out: list[str] = []
    if result.status == "expired":
        start, end = result.window
        in_force = status_word(result.status_if_in_force, lang)
        if result.as_of < start:
            when = pick(
                lang, f"评估日期早于本条施行日期 {start},尚未施行", f"not yet in force: it applies from {start}"
            )
        else:
            when = pick(lang, f"本条有效期已于 {end} 届满", f"no longer in force: it applied until {end}")
        out.append(pick(lang, f"{when};如在有效期内为:{in_force}", f"{when}; in force it would be {in_force}"))
    status = result.status_if_in_force
    if benefit.open_to != "applicants":
        out.append(pick(lang, benefit.note_zh or "", benefit.note_en or ""))
        return out
    for finding in result.findings:
        gate = finding.group != "qualifies"
        if finding.outcome is False and gate and status == "ineligible":
            out.append(pick(lang, "不符合:", "not met: ") + finding_words(finding, lang))
        elif finding.outcome is False and not gate and status == "potential":
            prefix = (
                pick(lang, "待确认:", "to confirm: ") if finding.to_confirm else pick(lang, "尚未满足:", "not yet: ")
            )
            out.append(prefix + finding_words(finding, lang))
        elif finding.outcome is True and not gate and status == "eligible":
            out.append(pick(lang, "满足:", "met: ") + finding_words(finding, lang))
        elif finding.outcome is None and status != "ineligible":
            out.append(pick(lang, "未知:", "unknown: ") + finding_words(finding, lang))
    out.extend(constraint_words(c, benefit.id, lang) for c in result.constraints)
    note = pick(lang, benefit.note_zh or "", benefit.note_en or "")
    if note:
        out.append(note)
    return out


def constraint_words(constraint: Constraint, line: str, lang: str) -> str:
    """A layer's rule across lines, as it concerns one line."""
    others = pick(lang, "、", ", ").join(i for i in constraint.lines if i != line)
    if constraint.kind == "cap":
        label = KEYS[constraint.key].label(lang).removesuffix("(元)").removesuffix(" (CNY)") if constraint.key else ""
        value = money(constraint.limit, lang) if constraint.limit is not None else pick(lang, "未知", "unknown")
        text = pick(
            lang,
            f"与 {others} 合计不超过{label}({value})",
            f"together with {others} at most the {label.lower()} ({value})",
        )
    elif constraint.kind == "one_of":
        text = pick(lang, f"不能与 {others} 同时享受", f"cannot be combined with {others}")
    else:
        text = pick(lang, f"与 {others} 择高享受", f"the higher of this and {others} is paid")
    return f"{text} [{constraint.source}]"


def award_words(result: LineResult, lang: str) -> str:
    """The maximum award (and the floor where the text sets one), for a table cell."""
    if result.benefit.kind == "risk_sharing":
        return "-"
    high = result.max_award
    if high is None:
        if result.amount.open_ended:
            low = money(result.min_award, lang) if result.min_award is not None else ""
            return pick(
                lang, f"不低于{low},无上限" if low else "无上限", f"at least {low}, no cap" if low else "no cap"
            )
        return "-"
    text = money(high, lang)
    low = result.min_award
    if low is not None and low != high:
        text = pick(lang, f"{money(low, lang)} 至 {text}", f"{money(low, lang)} to {text}")
    return text

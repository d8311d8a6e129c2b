"""A judged line in words: the basis of its amount, the reasons for its status, the keys it waits on.

Plain strings in either language; used by the JSON document and by the Rich renderer alike.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from subsidy_cli.engine.evaluate import Check
from subsidy_cli.engine.results import Constraint, Finding, LineResult
from subsidy_cli.profile.keys import KEYS, SUZHOU_DISTRICTS, Profile, choice_label
from subsidy_cli.rules.amounts import AmountRule, Per, Percent, PerUnit, Tiers, UpTo
from subsidy_cli.rules.catalog import Benefit
from subsidy_cli.rules.conditions import Condition
from subsidy_cli.words import count, money, percent, pick

STATUS_WORDS = {
    "eligible": ("可申请", "eligible"),
    "potential": ("可争取", "potential"),
    "needs_info": ("待补充信息", "needs info"),
    "to_confirm": ("待确认", "to confirm"),
    "open": ("面向各类企业", "open to any firm"),
    "ineligible": ("不符合", "ineligible"),
    "expired": ("已过期", "expired"),
}
NOT_YET_WORDS = ("尚未施行", "not yet in force")  # "expired" before a line's window
KIND_WORDS = {
    "cash": ("资金奖励", "cash"),
    "voucher": ("定向云券", "directed vouchers"),
    "in_kind": ("免费服务", "free service"),
    "grant": ("资助补贴", "grant"),
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


def result_status_word(result: LineResult, lang: str) -> str:
    """A judged line's status in words: "expired" reads "not yet in force" when the date is before its window."""
    if result.status == "expired" and result.as_of < result.window[0]:
        return pick(lang, *NOT_YET_WORDS)
    return status_word(result.status, lang)


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
    rule = describe_amount(benefit.amount, profile, lang)
    kind = benefit.kind
    if kind == "referenced":
        text = pick(lang, f"金额按{benefit.referenced_policy}", f"amount set by {benefit.referenced_policy}")
    elif kind == "case_by_case":
        text = pick(lang, "“一事一议”确定支持方式", "support agreed case by case (一事一议)")
    elif kind == "support":
        text = pick(lang, "支持方式见条文,无直接奖励金额", "support as the clause describes; no amount of its own")
    elif kind == "grant":
        text = pick(lang, "资助补贴,文件未规定金额", "a grant (资助补贴); the text states no amount")
    elif kind == "voucher":
        text = pick(lang, f"以定向云券发放,{rule}", f"paid as directed cloud vouchers (定向云券), {rule}")
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
        text = describe_condition(finding.condition, lang) + (f" [{values}]" if values else "")
    if finding.scope_reason:
        return f"{pick(lang, *finding.scope_reason)}: {text}"
    return text


def ground_words(cond: Condition, lang: str) -> str:
    """What a condition stands on: the policy's own words (its ``basis``, quoted), or a reading and why; for
    ``any``/``all`` without a ground of their own, those of their parts."""
    if cond.basis is not None:
        return pick(lang, f"原文:“{cond.basis}”", f"text: “{cond.basis}”")
    if cond.reading_zh is not None:
        return pick(lang, f"解读:{cond.reading_zh}", f"a reading: {cond.reading_en or cond.reading_zh}")
    parts = [ground_words(c, lang) for c in cond.any or cond.all or []]
    return pick(lang, ";", "; ").join(p for p in parts if p)


def conditions_words(benefit: Benefit, scope: list[tuple[str, Condition]], lang: str) -> list[tuple[str, str, str]]:
    """A line's conditions for ``show``: (group, the test in words, its ground), in the order they are judged:
    the policy's scope rules (``scope``: their ids and tests; a line's own override in place), ``requires``,
    ``qualifies`` and who the line is for (``relevant_to``: relevance, never a gate)."""
    groups = {
        "scope": pick(lang, "适用范围", "scope"),
        "requires": pick(lang, "主体要求", "applicant"),
        "qualifies": pick(lang, "奖励条件", "pays for"),
        "relevant_to": pick(lang, "面向(仅用于判断是否值得争取)", "for (relevance only)"),
    }
    rows = []
    for rule_id, test in scope:
        cond = benefit.scope_override.get(rule_id, test)
        rows.append((groups["scope"], describe_condition(cond, lang), ground_words(cond, lang)))
    for group in ("requires", "qualifies", "relevant_to"):
        for cond in getattr(benefit, group) or []:
            rows.append((groups[group], describe_condition(cond, lang), ground_words(cond, lang)))
    if benefit.relevant_to == []:
        rows.append((groups["relevant_to"], pick(lang, "档案中没有能关联本条的信息", "nothing in a profile"), ""))
    return rows


def outcome_word(finding: Finding, lang: str) -> str:
    if finding.outcome is False and finding.condition.soft:
        return pick(lang, "待确认", "to confirm")
    return {
        True: pick(lang, "满足", "met"),
        False: pick(lang, "不满足", "not met"),
        None: pick(lang, "未知", "unknown"),
    }[finding.outcome]


def worded(gate: bool, outcome: bool | None, status: str, soft: bool = False) -> bool:
    """Whether the reasons of a line with ``status`` (if in force) word one of its conditions (``gate``: a scope
    or ``requires`` condition; else ``qualifies``; ``soft``: it rests on a reading or an unrecorded fact) with
    ``outcome``: what does not hold of an ineligible line, what a potential (or open) line still lacks, what
    only the department can confirm of a line to confirm, what an eligible line is paid for, and what is
    unknown of any line the firm may receive. Only these findings show the profile's values."""
    if outcome is False:
        if soft:
            return status in ("to_confirm", "open", "potential")
        return status == ("ineligible" if gate else "potential") or (not gate and status == "open")
    if outcome is True:
        return not gate and status in ("eligible", "to_confirm")
    return status != "ineligible"


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
        soft = finding.condition.soft
        if not worded(finding.group != "qualifies", finding.outcome, status, soft):
            continue
        if finding.outcome is False and soft:
            prefix = pick(lang, "待确认:", "to confirm: ")
        elif finding.outcome is False and status == "ineligible":
            prefix = pick(lang, "不符合:", "not met: ")
        elif finding.outcome is False:
            prefix = pick(lang, "尚未满足:", "not yet: ")
        elif finding.outcome is True:
            prefix = pick(lang, "满足:", "met: ")
        else:
            prefix = pick(lang, "未知:", "unknown: ")
        text = prefix + finding_words(finding, lang)
        if finding.outcome is False and finding.condition.reading_zh:
            reading = pick(lang, finding.condition.reading_zh, finding.condition.reading_en or "")
            text += pick(lang, f"(解读:{reading})", f" (a reading: {reading})")
        if finding.outcome is False and finding.condition.if_false == "no_amount":
            text += pick(lang, ";现有数额不能据此计奖", "; the figures given cannot be paid on")
        out.append(text)
    if status == "open" and benefit.open_to == "applicants":
        out.append(
            pick(
                lang,
                f"任何符合条件的主体原则上都可参评,但档案中没有将本条与该企业关联的信息(本条面向:{benefit.recipients_zh})",
                "any firm could enter in principle, but nothing in the profile ties this line to the firm "
                f"(it is for: {benefit.recipients_en})",
            )
        )
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
            if low and isinstance(result.benefit.amount, Percent):  # a floor the policy sets for counties
                return pick(lang, f"不低于{low}", f"at least {low}")  # the basis says county rules set the cap
            return pick(
                lang, f"不低于{low},无上限" if low else "无上限", f"at least {low}, no cap" if low else "no cap"
            )
        return "-"
    text = money(high, lang)
    least = result.min_award
    if least is not None and least != high:
        text = pick(lang, f"{money(least, lang)} 至 {text}", f"{money(least, lang)} to {text}")
    return text


_WORDS = {  # what the policy's comparison words mean, and how we say them back
    "gt": ("超", "more than"),
    "ge": ("不低于", "at least"),
    "lt": ("低于", "less than"),
    "le": ("不超过", "at most"),
}


_PER_WORDS: dict[str, tuple[str, str]] = {
    "enterprise_year": ("单个企业每年", "per enterprise a year"),
    "project": ("单个项目", "per project"),
    "one_time": ("一次性", "one-time"),
    "enterprise": ("每家", "per enterprise"),
}


def value_words(key: str, value: Any, lang: str) -> str:
    """A profile value in words, in ``lang``: money as 万元/元, counts with their unit, yes/no, labels."""
    spec = KEYS[key]
    if value is None:
        return pick(lang, "未知", "unknown")
    if spec.type == "money":
        return money(Decimal(value), lang)
    if spec.type == "count":
        return count(value, lang) + pick(lang, spec.unit_zh, f" {spec.unit_en}" if spec.unit_en else "")
    if spec.type == "bool":
        return pick(lang, "是" if value else "否", "yes" if value else "no")
    if spec.type == "multi":
        return pick(lang, "、", ", ").join(choice_label(key, v, lang) for v in value) or pick(lang, "无", "none")
    if spec.type == "choice":
        return choice_label(key, str(value), lang)
    return str(value)


def describe_condition(cond: Condition, lang: str) -> str:
    """The test in words, e.g. "平台服务企业数 超 500" / "Platform: enterprises served more than 500"."""
    if cond.unrecorded is not None:
        return pick(lang, cond.unrecorded, cond.unrecorded_en or cond.unrecorded)
    if cond.any or cond.all:
        joiner = pick(lang, " 或 ", " or ") if cond.any else pick(lang, " 且 ", " and ")
        return "(" + joiner.join(describe_condition(c, lang) for c in (cond.any or cond.all or [])) + ")"
    assert cond.key is not None
    spec = KEYS[cond.key]
    label = spec.label(lang)
    op = cond.op
    if op == "is":
        if isinstance(cond.is_, bool):
            return label if cond.is_ else pick(lang, f"非{label}", f"not {label}")
        return f"{label} = {choice_label(cond.key, str(cond.is_), lang)}"
    if op == "in":
        if cond.key == "district" and set(cond.in_ or []) == set(SUZHOU_DISTRICTS):
            return pick(lang, "在苏州市十个县级市(区)之一注册", "registered in one of Suzhou's ten county-level areas")
        others = [c for c in spec.choices if c not in (cond.in_ or [])]
        if len(others) == 1 and len(spec.choices) > 3:
            other = choice_label(cond.key, others[0], lang)
            return pick(lang, f"{label}不是{other}", f"{label} is not {other}")
        options = pick(lang, "、", ", ").join(choice_label(cond.key, v, lang) for v in cond.in_ or [])
        return pick(lang, f"{label}属于 {options}", f"{label} is one of {options}")
    if op == "contains":
        item = choice_label(cond.key, cond.contains or "", lang)
        return pick(lang, f"{label}包含 {item}", f"{label} include {item}")
    if op == "contains_any":
        options = pick(lang, "或", " or ").join(choice_label(cond.key, v, lang) for v in cond.contains_any or [])
        return pick(lang, f"{label}包含 {options}", f"{label} include {options}")
    if op == "gt" and getattr(cond, op) == 0:
        return pick(lang, f"{label}大于零", f"{label} above zero")
    zh, en = _WORDS[op]
    threshold = value_words(cond.key, getattr(cond, op), lang)
    return pick(lang, f"{label}{zh}{threshold}", f"{label} {en} {threshold}")


def describe_check(check: Check, lang: str) -> str:
    """The test and the profile value it met, e.g. "... more than 500: 480 (short by 21)"."""
    text = describe_condition(check.condition, lang)
    if check.unrecorded:
        return text + pick(lang, " (档案未记录此项)", " (not recorded in the profile)")
    key = check.condition.key
    if key is None:
        return text
    shown = f"{text}: {value_words(key, check.value, lang)}"
    if check.gap is not None and check.gap > 0:
        gap = value_words(key, check.gap, lang)
        shown += pick(lang, f" (差 {gap})", f" (short by {gap})")
    elif check.gap is not None:
        shown += pick(lang, " (须超过而非等于)", " (must be more than, not equal to, it)")
    return shown


def _cap_words(cap: Decimal, per: Per | None, lang: str) -> str:
    """最高 X with its scope: "单个企业每年最高200万元" / "at most ¥2,000,000 per enterprise a year"."""
    if per in (None, "one_time"):
        return pick(lang, f"最高{money(cap, lang)}", f"at most {money(cap, lang)}")
    zh, en = _PER_WORDS[per]
    return pick(lang, f"{zh}最高{money(cap, lang)}", f"at most {money(cap, lang)} {en}")


def describe_amount(rule: AmountRule, profile: Profile | None, lang: str) -> str:
    """The rule in words, with the profile's figures where known."""
    once = pick(lang, *_PER_WORDS["one_time"]) if rule.per == "one_time" else ""
    if isinstance(rule, UpTo):
        return _join_parts(lang, [_cap_words(rule.cap, rule.per, lang), once])
    if isinstance(rule, Percent):
        base = getattr(profile, rule.base) if profile is not None else None
        base_label = pick(lang, rule.base_zh, rule.base_en)
        of = f"{base_label} {money(base, lang)}" if base is not None else base_label
        if rule.rate is not None:
            share = pick(lang, f"{of}的{percent(rule.rate)}", f"{percent(rule.rate)} of {of}")
        elif rule.rate_min is not None and rule.rate_max is not None:
            span = f"{percent(rule.rate_min)}-{percent(rule.rate_max)}"
            share = pick(lang, f"{of}的{span}", f"{span} of {of}")
        elif rule.rate_min is not None:
            share = pick(lang, f"不低于{of}的{percent(rule.rate_min)}", f"at least {percent(rule.rate_min)} of {of}")
        else:
            assert rule.rate_max is not None
            share = pick(lang, f"不超过{of}的{percent(rule.rate_max)}", f"at most {percent(rule.rate_max)} of {of}")
        parts = [share]
        if rule.floor is not None:
            parts.append(pick(lang, f"不低于{money(rule.floor, lang)}", f"at least {money(rule.floor, lang)}"))
        if rule.cap is not None:
            parts.append(_cap_words(rule.cap, rule.per, lang))
        elif rule.high is None:  # the policy sets the counties' floor only (1b)
            parts.append(pick(lang, "上限由县级规则确定", "county rules set the cap"))
        parts.append(once)
        return _join_parts(lang, parts)
    if isinstance(rule, Tiers):
        label = KEYS[rule.key].label(lang)
        steps = "; ".join(
            pick(lang, f"{t.at_least}级不高于{money(t.cap, lang)}", f"level {t.at_least}: at most {money(t.cap, lang)}")
            for t in rule.tiers
        )
        level = getattr(profile, rule.key) if profile is not None else None
        now = pick(lang, f"(现为{level}级)", f" (now level {level})") if level is not None else ""
        return _join_parts(lang, [f"{label}: {steps}{now}", once])
    if isinstance(rule, PerUnit):
        units = getattr(profile, rule.unit_key) if profile is not None else None
        each = pick(
            lang,
            f"每{rule.unit_zh}最高{money(rule.cap_per_unit, lang)}",
            f"at most {money(rule.cap_per_unit, lang)} per {rule.unit_en}",
        )
        times = f" x {count(units, lang)}" if units else ""
        return _join_parts(lang, [each + times, once])
    return ""


def _join_parts(lang: str, parts: list[str]) -> str:
    return pick(lang, ",", ", ").join(p for p in parts if p)

"""A judged line in words: the basis of its amount, the reasons for its status, the keys it waits on.

Plain strings in either language; used by the JSON document and by the Rich renderer alike.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Protocol

from subsidy_cli.engine.evaluate import Check
from subsidy_cli.engine.results import Constraint, Finding, LineResult
from subsidy_cli.i18n import N_, tr, trp
from subsidy_cli.profile.keys import KEYS, SUZHOU_DISTRICTS, Profile, choice_label
from subsidy_cli.rules.amounts import AmountRule, Per, Percent, PerUnit, Tiers, UpTo
from subsidy_cli.rules.catalog import Benefit
from subsidy_cli.rules.conditions import Condition
from subsidy_cli.words import count, money, percent, pick

STATUS_WORDS = {
    "eligible": N_("eligible"),
    "potential": N_("potential"),
    "needs_info": N_("needs info"),
    "to_confirm": N_("to confirm"),
    "open": N_("open to any firm"),
    "ineligible": N_("ineligible"),
    "expired": N_("expired"),
}
NOT_YET_WORDS = N_("not yet in force")  # "expired" before a line's window
KIND_WORDS = {
    "cash": N_("cash"),
    "voucher": N_("directed vouchers"),
    "in_kind": N_("free service"),
    "grant": N_("grant"),
    "support": N_("support"),
    "referenced": N_("referenced"),
    "case_by_case": N_("case by case"),
    "risk_sharing": N_("risk sharing"),
}


_ROMAN = {"一": "I", "二": "II", "三": "III", "四": "IV", "五": "V"}
CN_NUMERALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一",
               "十二", "十三", "十四", "十五", "十六", "十七", "十八", "十九", "二十", "二十一", "二十二")  # fmt: skip


def measure_words(benefit: Benefit, lang: str) -> str:
    """Where the line sits in the text: 第四部分 第(十六)条 / Part IV, measure 16."""
    # TRANSLATORS: fields also {section} (the part in Chinese numerals) and {numeral} (the measure in them)
    return tr(
        lang,
        "Part {item}, measure {measure}",
        item=_ROMAN[benefit.section],
        measure=benefit.measure,
        section=benefit.section,
        numeral=CN_NUMERALS[benefit.measure - 1],
    )


def status_word(status: str, lang: str) -> str:
    return tr(lang, STATUS_WORDS[status])


def result_status_word(result: LineResult, lang: str) -> str:
    """A judged line's status in words: "expired" reads "not yet in force" when the date is before its window."""
    if result.status == "expired" and result.as_of < result.window[0]:
        return tr(lang, NOT_YET_WORDS)
    return status_word(result.status, lang)


def kind_word(kind: str, lang: str) -> str:
    return tr(lang, KIND_WORDS[kind])


def quota_words(benefit: Benefit, lang: str) -> str:
    quota = benefit.quota
    if quota is None:
        return ""
    number = count(quota.count, lang)
    bound = {"exactly": "", "at_least": trp(lang, "quota", "at least "), "at_least_about": tr(lang, "at least about ")}
    unit = pick(lang, quota.unit_zh, quota.unit_en)
    return tr(lang, "quota: {bound}{number} {unit} a year", bound=bound[quota.bound], number=number, unit=unit)


def basis(benefit: Benefit, profile: Profile | None, lang: str) -> str:
    """The amount rule in words, with the profile's figures where known."""
    rule = describe_amount(benefit.amount, profile, lang)
    kind = benefit.kind
    if kind == "referenced":
        text = tr(lang, "amount set by {referenced_policy}", referenced_policy=benefit.referenced_policy)
    elif kind == "case_by_case":
        text = tr(lang, "support agreed case by case (一事一议)")
    elif kind == "support":
        text = tr(lang, "support as the clause describes; no amount of its own")
    elif kind == "grant":
        text = tr(lang, "a grant (资助补贴); the text states no amount")
    elif kind == "voucher":
        text = tr(lang, "paid as directed cloud vouchers (定向云券), {rule}", rule=rule)
    elif kind == "risk_sharing":
        text = tr(lang, "risk shared with the bank on {rule}", rule=rule)
    elif kind == "in_kind":
        text = (
            tr(lang, "free service worth {rule}", rule=rule)
            if rule
            else tr(lang, "free service; the text states no value")
        )
    else:
        text = rule
    quota = quota_words(benefit, lang)
    return tr(lang, "; ").join(part for part in (text, quota) if part)


class Words(Protocol):
    """How leaf tests and conditions are put in words: ``describe_check`` and ``describe_condition``, or functions
    that give the same words (such as ones that remember them)."""

    def check(self, check: Check, lang: str) -> str: ...

    def condition(self, cond: Condition, lang: str) -> str: ...


def finding_words(finding: Finding, lang: str, words: Words | None = None) -> str:
    """A condition and the profile values it was judged on (``words``: how tests are worded, by default
    ``describe_check`` and ``describe_condition``)."""
    check, condition = (words.check, words.condition) if words is not None else (describe_check, describe_condition)
    leaves = finding.checks
    if len(leaves) == 1 and leaves[0].condition is finding.condition:
        text = check(leaves[0], lang)
    else:
        values = "; ".join(check(leaf, lang) for leaf in leaves if leaf.condition.key)
        text = condition(finding.condition, lang) + (f" [{values}]" if values else "")
    if finding.scope_reason:
        return f"{pick(lang, *finding.scope_reason)}: {text}"
    return text


def ground_words(cond: Condition, lang: str) -> str:
    """What a condition stands on: the policy's own words (its ``basis``, quoted), or a reading and why; for
    ``any``/``all`` without a ground of their own, those of their parts."""
    if cond.basis is not None:
        return tr(lang, "text: “{basis}”", basis=cond.basis)
    if cond.reading_zh is not None:
        return tr(lang, "a reading: {reading}", reading=pick(lang, cond.reading_zh, cond.reading_en or cond.reading_zh))
    parts = [ground_words(c, lang) for c in cond.any or cond.all or []]
    return tr(lang, "; ").join(p for p in parts if p)


def conditions_words(benefit: Benefit, scope: list[tuple[str, Condition]], lang: str) -> list[tuple[str, str, str]]:
    """A line's conditions for ``show``: (group, the test in words, its ground), in the order they are judged:
    the policy's scope rules (``scope``: their ids and tests; a line's own override in place), ``requires``,
    ``qualifies`` and who the line is for (``relevant_to``: relevance, never a gate)."""
    groups = {
        "scope": tr(lang, "scope"),
        "requires": tr(lang, "applicant"),
        "qualifies": tr(lang, "pays for"),
        "relevant_to": tr(lang, "for (relevance only)"),
    }
    rows = []
    for rule_id, test in scope:
        cond = benefit.scope_override.get(rule_id, test)
        rows.append((groups["scope"], describe_condition(cond, lang), ground_words(cond, lang)))
    for group in ("requires", "qualifies", "relevant_to"):
        for cond in getattr(benefit, group) or []:
            rows.append((groups[group], describe_condition(cond, lang), ground_words(cond, lang)))
    if benefit.relevant_to == []:
        rows.append((groups["relevant_to"], tr(lang, "nothing in a profile"), ""))
    return rows


def outcome_word(finding: Finding, lang: str) -> str:
    if finding.outcome is False and finding.condition.soft:
        return tr(lang, "to confirm")
    return {
        True: tr(lang, "met"),
        False: tr(lang, "not met"),
        None: tr(lang, "unknown"),
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
    return [text for _, text in reason_parts(result, lang)]


def reason_parts(result: LineResult, lang: str) -> list[tuple[tuple[str, int] | None, str]]:
    """The sentences of ``reasons``, each with where it comes from: ``("finding", i)`` for the line's finding
    ``i`` (its words depend on the values of that condition's keys), ``("constraint", j)`` for its rule across
    lines ``j`` (a cap's words name the figure it is capped at), None for words that depend on neither (the
    status, the window, the line's notes)."""
    benefit = result.benefit
    out: list[tuple[tuple[str, int] | None, str]] = []
    if result.status == "expired":
        start, end = result.window
        in_force = status_word(result.status_if_in_force, lang)
        if result.as_of < start:
            when = tr(lang, "not yet in force: it applies from {start}", start=start)
        else:
            when = tr(lang, "no longer in force: it applied until {end}", end=end)
        out.append((None, tr(lang, "{when}; in force it would be {in_force}", when=when, in_force=in_force)))
    status = result.status_if_in_force
    if benefit.open_to != "applicants":
        out.append((None, pick(lang, benefit.note_zh or "", benefit.note_en or "")))
        return out
    for number, finding in enumerate(result.findings):
        text = finding_reason(finding, status, lang)
        if text is not None:
            out.append((("finding", number), text))
    if status == "open" and benefit.open_to == "applicants":
        text = tr(
            lang,
            "any firm could enter in principle, but nothing in the profile ties this line to the firm"
            " (it is for: {recipients})",
            recipients=pick(lang, benefit.recipients_zh, benefit.recipients_en),
        )
        out.append((None, text))
    out.extend((("constraint", j), constraint_words(c, benefit.id, lang)) for j, c in enumerate(result.constraints))
    note = pick(lang, benefit.note_zh or "", benefit.note_en or "")
    if note:
        out.append((None, note))
    return out


def finding_reason(finding: Finding, status: str, lang: str, words: Words | None = None) -> str | None:
    """The sentence ``reasons`` gives a finding of a line whose status (if in force) is ``status``, or None where
    the reasons do not word it (``worded``); ``words`` as for ``finding_words``."""
    soft = finding.condition.soft
    if not worded(finding.group != "qualifies", finding.outcome, status, soft):
        return None
    if finding.outcome is False and soft:
        prefix = tr(lang, "to confirm: ")
    elif finding.outcome is False and status == "ineligible":
        prefix = tr(lang, "not met: ")
    elif finding.outcome is False:
        prefix = tr(lang, "not yet: ")
    elif finding.outcome is True:
        prefix = tr(lang, "met: ")
    else:
        prefix = tr(lang, "unknown: ")
    text = prefix + finding_words(finding, lang, words)
    if finding.outcome is False and finding.condition.reading_zh:
        reading = pick(lang, finding.condition.reading_zh, finding.condition.reading_en or "")
        text += tr(lang, " (a reading: {reading})", reading=reading)
    if finding.outcome is False and finding.condition.if_false == "no_amount":
        text += tr(lang, "; the figures given cannot be paid on")
    return text


def constraint_words(constraint: Constraint, line: str, lang: str, source: bool = True) -> str:
    """A layer's rule across lines, as it concerns one line; with the layer's source in brackets unless
    ``source`` is False."""
    others = tr(lang, ", ").join(i for i in constraint.lines if i != line)
    if constraint.kind == "cap":
        label = KEYS[constraint.key].label(lang).removesuffix("(元)").removesuffix(" (CNY)") if constraint.key else ""
        value = money(constraint.limit, lang) if constraint.limit is not None else tr(lang, "unknown")
        text = tr(
            lang,
            "together with {others} at most the {label} ({value})",
            others=others,
            label=label.lower(),
            value=value,
        )
    elif constraint.kind == "one_of":
        text = tr(lang, "cannot be combined with {others}", others=others)
    else:
        text = tr(lang, "the higher of this and {others} is paid", others=others)
    return f"{text} [{constraint.source}]" if source else text


def award_words(result: LineResult, lang: str) -> str:
    """The maximum award (and the floor where the text sets one), for a table cell."""
    if result.benefit.kind == "risk_sharing":
        return "-"
    high = result.max_award
    if high is None:
        if result.amount.open_ended:
            low = money(result.min_award, lang) if result.min_award is not None else ""
            if low and isinstance(result.benefit.amount, Percent):  # a floor the policy sets for counties
                return tr(lang, "at least {low}", low=low)  # the basis says county rules set the cap
            return tr(lang, "at least {low}, no cap", low=low) if low else tr(lang, "no cap")
        return "-"
    text = money(high, lang)
    least = result.min_award
    if least is not None and least != high:
        text = tr(lang, "{least} to {text}", least=money(least, lang), text=text)
    return text


_WORDS = {  # what the policy's comparison words mean, and how we say them back
    "gt": N_("more than"),
    "ge": N_("at least"),
    "lt": N_("less than"),
    "le": N_("at most"),
}


_PER_WORDS: dict[str, str] = {
    "enterprise_year": N_("per enterprise a year"),
    "project": N_("per project"),
    "one_time": N_("one-time"),
    "enterprise": N_("per enterprise"),
}


def value_words(key: str, value: Any, lang: str) -> str:
    """A profile value in words, in ``lang``: money as 万元/元, counts with their unit, yes/no, labels."""
    spec = KEYS[key]
    if value is None:
        return tr(lang, "unknown")
    if spec.type == "money":
        return money(Decimal(value), lang)
    if spec.type == "count":
        return count(value, lang) + pick(lang, spec.unit_zh, f" {spec.unit_en}" if spec.unit_en else "")
    if spec.type == "bool":
        return tr(lang, "yes") if value else tr(lang, "no")
    if spec.type == "multi":
        return tr(lang, ", ").join(choice_label(key, v, lang) for v in value) or tr(lang, "none")
    if spec.type == "choice":
        return choice_label(key, str(value), lang)
    return str(value)


def describe_condition(cond: Condition, lang: str) -> str:
    """The test in words, e.g. "平台服务企业数 超 500" / "Platform: enterprises served more than 500"."""
    if cond.unrecorded is not None:
        return pick(lang, cond.unrecorded, cond.unrecorded_en or cond.unrecorded)
    if cond.any or cond.all:
        joiner = tr(lang, " or ") if cond.any else tr(lang, " and ")
        return "(" + joiner.join(describe_condition(c, lang) for c in (cond.any or cond.all or [])) + ")"
    assert cond.key is not None
    spec = KEYS[cond.key]
    label = spec.label(lang)
    op = cond.op
    if op == "is":
        if isinstance(cond.is_, bool):
            return label if cond.is_ else tr(lang, "not {label}", label=label)
        return f"{label} = {choice_label(cond.key, str(cond.is_), lang)}"
    if op == "in":
        if cond.key == "district" and set(cond.in_ or []) == set(SUZHOU_DISTRICTS):
            return tr(lang, "registered in one of Suzhou's ten county-level areas")
        others = [c for c in spec.choices if c not in (cond.in_ or [])]
        if len(others) == 1 and len(spec.choices) > 3:
            other = choice_label(cond.key, others[0], lang)
            return tr(lang, "{label} is not {other}", label=label, other=other)
        options = tr(lang, ", ").join(choice_label(cond.key, v, lang) for v in cond.in_ or [])
        return tr(lang, "{label} is one of {options}", label=label, options=options)
    if op == "contains":
        item = choice_label(cond.key, cond.contains or "", lang)
        return tr(lang, "{label} include {item}", label=label, item=item)
    if op == "contains_any":
        options = trp(lang, "options", " or ").join(choice_label(cond.key, v, lang) for v in cond.contains_any or [])
        return tr(lang, "{label} include {options}", label=label, options=options)
    if op == "gt" and getattr(cond, op) == 0:
        return tr(lang, "{label} above zero", label=label)
    threshold = value_words(cond.key, getattr(cond, op), lang)
    return tr(
        lang, "{label} {comparison} {threshold}", label=label, comparison=tr(lang, _WORDS[op]), threshold=threshold
    )


def describe_check(check: Check, lang: str) -> str:
    """The test and the profile value it met, e.g. "... more than 500: 480 (short by 21)"."""
    text = describe_condition(check.condition, lang)
    if check.unrecorded:
        return text + tr(lang, " (not recorded in the profile)")
    key = check.condition.key
    if key is None:
        return text
    shown = f"{text}: {value_words(key, check.value, lang)}"
    if check.gap is not None and check.gap > 0:
        gap = value_words(key, check.gap, lang)
        shown += tr(lang, " (short by {gap})", gap=gap)
    elif check.gap is not None:
        shown += tr(lang, " (must be more than, not equal to, it)")
    return shown


def _cap_words(cap: Decimal, per: Per | None, lang: str) -> str:
    """最高 X with its scope: "单个企业每年最高200万元" / "at most ¥2,000,000 per enterprise a year"."""
    if per in (None, "one_time"):
        return tr(lang, "at most {cap}", cap=money(cap, lang))
    return tr(lang, "at most {cap} {per}", cap=money(cap, lang), per=tr(lang, _PER_WORDS[per]))


def describe_amount(rule: AmountRule, profile: Profile | None, lang: str) -> str:
    """The rule in words, with the profile's figures where known."""
    once = tr(lang, _PER_WORDS["one_time"]) if rule.per == "one_time" else ""
    if isinstance(rule, UpTo):
        return _join_parts(lang, [_cap_words(rule.cap, rule.per, lang), once])
    if isinstance(rule, Percent):
        base = getattr(profile, rule.base) if profile is not None else None
        base_label = pick(lang, rule.base_zh, rule.base_en)
        of = f"{base_label} {money(base, lang)}" if base is not None else base_label
        if rule.rate is not None:
            share = tr(lang, "{rate} of {of}", rate=percent(rule.rate), of=of)
        elif rule.rate_min is not None and rule.rate_max is not None:
            span = f"{percent(rule.rate_min)}-{percent(rule.rate_max)}"
            share = tr(lang, "{span} of {of}", span=span, of=of)
        elif rule.rate_min is not None:
            share = tr(lang, "at least {rate_min} of {of}", rate_min=percent(rule.rate_min), of=of)
        else:
            assert rule.rate_max is not None
            share = tr(lang, "at most {rate_max} of {of}", rate_max=percent(rule.rate_max), of=of)
        parts = [share]
        if rule.floor is not None:
            parts.append(tr(lang, "at least {floor}", floor=money(rule.floor, lang)))
        if rule.cap is not None:
            parts.append(_cap_words(rule.cap, rule.per, lang))
        elif rule.high is None:  # the policy sets the counties' floor only (1b)
            parts.append(tr(lang, "county rules set the cap"))
        parts.append(once)
        return _join_parts(lang, parts)
    if isinstance(rule, Tiers):
        label = KEYS[rule.key].label(lang)
        steps = "; ".join(
            tr(lang, "level {at_least}: at most {cap}", at_least=t.at_least, cap=money(t.cap, lang)) for t in rule.tiers
        )
        level = getattr(profile, rule.key) if profile is not None else None
        now = tr(lang, " (now level {level})", level=level) if level is not None else ""
        return _join_parts(lang, [f"{label}: {steps}{now}", once])
    if isinstance(rule, PerUnit):
        units = getattr(profile, rule.unit_key) if profile is not None else None
        each = tr(
            lang,
            "at most {cap_per_unit} per {unit}",
            cap_per_unit=money(rule.cap_per_unit, lang),
            unit=pick(lang, rule.unit_zh, rule.unit_en),
        )
        times = f" x {count(units, lang)}" if units else ""
        return _join_parts(lang, [each + times, once])
    return ""


def _join_parts(lang: str, parts: list[str]) -> str:
    return trp(lang, "clauses", ", ").join(p for p in parts if p)

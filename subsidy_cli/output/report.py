"""The client report (``subsidy report``): one firm's assessment as a self-contained HTML or Markdown document
a consultant hands to the client.

The report is built from the document ``check --format json`` writes (``formats.assessment_dict``) and the
words of ``engine.explain``; it computes nothing itself. Statuses come from ``STATUSES``, so a status the
engine adds gets its section (under its own words) without a change here. Templates are Jinja2 files shipped
in ``output/templates/``: HTML with autoescaping, Markdown with every value escaped by ``finalize``, so no value
from a profile can add markup to either. Jinja2 is imported here only, when a report is asked for.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

from subsidy_cli.engine import explain
from subsidy_cli.engine.assess import Assessment
from subsidy_cli.engine.explain import CN_NUMERALS, kind_word, quota_words, status_word
from subsidy_cli.engine.status import STATUSES
from subsidy_cli.errors import EXIT_USAGE, Problem, SubsidyError
from subsidy_cli.i18n import NP_, _, os_reason, tr, trp
from subsidy_cli.output.formats import assessment_dict
from subsidy_cli.output.summary import BatchRun, Stats, district_label, district_totals
from subsidy_cli.profile.keys import KEYS
from subsidy_cli.rules.catalog import Catalog
from subsidy_cli.version import __version__
from subsidy_cli.words import money, pick

FORMATS = ("html", "md")
SUFFIXES = {".html": "html", ".htm": "html", ".md": "md", ".markdown": "md"}

# Statuses listed in a compact table at the end rather than in sections of their own.
APART = ("ineligible", "expired")
# Headings and introductions of the sections per status; a status not named here gets its status word.
SECTIONS: dict[str, tuple[str, str]] = {  # per status: heading and introduction
    "eligible": (
        NP_("report", "What it can claim now"),
        NP_(
            "report",
            "On the facts given, the firm meets every condition of these lines. Amounts are the maxima the "
            "policy text sets.",
        ),
    ),
    "potential": (
        NP_("report", "What it could pursue"),
        NP_(
            "report",
            "The firm could receive these lines but does not yet hold the title or reach the threshold they "
            "pay for; the lines marked “not yet” say what stands between.",
        ),
    ),
    "to_confirm": (
        NP_("report", "What only the issuing department can confirm"),
        NP_(
            "report",
            "These lines turn on facts a profile cannot record, or on a reading of ambiguous text, which only "
            "the issuing department can settle; each names the reading it rests on.",
        ),
    ),
    "open": (
        NP_("report", "Open to any firm, with nothing tying them to this firm"),
        NP_(
            "report",
            "Any firm could enter these in principle, but nothing in the profile ties them to this firm; they "
            "are left out of every total.",
        ),
    ),
    "needs_info": (
        NP_("report", "Lines that wait on information"),
        NP_(
            "report",
            "These lines depend on facts the profile leaves out; “Open questions” lists the answers worth most.",
        ),
    ),
}


@dataclass
class Provenance:
    """What the command was given besides the profile: the rules files (measures first, then the layers in
    order), the ``--set`` pairs as typed, ``--district`` and the layers' names, for the report's "rules used"
    and the head of the ``check`` table."""

    sources: list[str] = field(default_factory=list)
    overrides: list[str] = field(default_factory=list)
    district: str | None = None
    layers: list[str] = field(default_factory=list)


def report_format(path: str | None, given: str | None, source: str | None = None) -> str:
    """The report's format: ``given`` (``html`` or ``md``), else from the suffix of ``path`` (``.html``, ``.htm``,
    ``.md``, ``.markdown``), else ``html`` (stdout). Raises ``SubsidyError`` (exit 2) for a path whose suffix
    says neither when no format is given, and for a path that is the input ``source`` itself."""
    if path is not None and path != "-" and source is not None and source != "-" and _same(path, source):
        problem = Problem(_("is the input file"), file=path, hint=_("write the report to another file"))
        raise SubsidyError(problem, EXIT_USAGE)
    if given:
        return given
    if path is None or path == "-":
        return "html"
    found = SUFFIXES.get(Path(path).suffix.lower())
    if found is None:
        raise SubsidyError(
            Problem(
                _("is not a .html or .md file"), file=path, hint=_("name it report.html or report.md, or pass --format")
            ),
            EXIT_USAGE,
        )
    return found


def check_summary_path(path: str, *inputs: str | None) -> None:
    """The summary page's path before a batch runs: an ``.html`` file that is none of ``inputs`` (the firms, the
    results). Raises ``SubsidyError`` (exit 2)."""
    if Path(path).suffix.lower() not in (".html", ".htm"):
        raise SubsidyError(
            Problem(_("is not a .html file"), file=path, hint=_("the summary is a web page: name it summary.html")),
            EXIT_USAGE,
        )
    for other in inputs:
        if other is not None and other != "-" and _same(path, other):
            raise SubsidyError(
                Problem(_("is also the firms or results file"), file=path, hint=_("choose another name")), EXIT_USAGE
            )


def write_document(path: str, text: str) -> None:
    """Write ``text`` as UTF-8 to ``path``, under a temporary name renamed at the end (an interrupted run leaves
    no half-written page; a report written before is replaced). Raises ``SubsidyError`` (exit 2) if it cannot."""
    target = Path(path)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise SubsidyError(Problem(_("cannot write: {reason}", reason=os_reason(exc)), file=path), EXIT_USAGE) from None


def _same(one: str, other: str) -> bool:
    try:
        return Path(one).resolve() == Path(other).resolve()
    except OSError:
        return False


def render_report(assessment: Assessment, lang: str, fmt: str = "html", provenance: Provenance | None = None) -> str:
    """The report of one assessment as HTML (``fmt="html"``, a self-contained page for A4) or Markdown."""
    context = report_context(assessment_dict(assessment, lang), lang, provenance or Provenance())
    return _template(fmt).render(**context)


def report_context(document: dict[str, Any], lang: str, provenance: Provenance) -> dict[str, Any]:
    """The values the templates show, taken from an assessment document (``assessment_dict``) as they are, in
    words of ``lang``. Nothing is computed but the grouping of lines by status."""
    results = document["results"]
    sections = []
    for status in STATUSES:
        if status in APART:
            continue
        lines = [_line(result, lang) for result in results if result["status"] == status]
        if status in SECTIONS:  # a status without words of its own is headed by its name
            title, intro = (trp(lang, "report", words) for words in SECTIONS[status])
        else:
            title, intro = status_word(status, lang), ""
        sections.append({"status": status, "title": title, "intro": intro, "lines": lines})
    others = [_line(result, lang) for status in APART for result in results if result["status"] == status]
    totals = document["totals"]
    policy = document["policy"]
    profile = document["profile"]
    return {
        "lang": lang,
        "t": _Words(lang),
        "name": profile.get("name", ""),
        "as_of": document["as_of"],
        "policy": policy,
        "facts": [
            {"key": key, "label": KEYS[key].label(lang), "value": _fact(key, value, lang)}
            for key, value in profile.items()
        ],
        "rules": {
            "sources": provenance.sources,
            "overrides": provenance.overrides,
            "district": provenance.district,
            "sha256": document["rules_sha256"],
            "tool_version": document["tool_version"],
        },
        "totals": {
            "eligible": _money(totals["eligible_cash_max_cny"], lang),
            "potential": _money(totals["potential_cash_max_cny"], lang),
            "open_ended": totals["open_ended"],
            "counts": [
                {"status": status, "word": status_word(status, lang), "count": totals["counts"].get(status, 0)}
                for status in STATUSES
            ],
        },
        "sections": sections,
        "others": others,
        "questions": [_question(hint, lang) for hint in document["refine"]],
    }


def _line(result: dict[str, Any], lang: str) -> dict[str, Any]:
    measure = result["measure"]
    return {
        "id": result["benefit"],
        "title": result["title"],
        "status": result["status"],
        "status_word": status_word(result["status"], lang),
        "kind": kind_word(result["kind"], lang),
        # TRANSLATORS: fields also {item} (the measure in Chinese numerals)
        "where": tr(lang, "measure {measure}", measure=measure, item=CN_NUMERALS[measure - 1]),
        "award": _award(result, lang),
        "basis": result["basis"],
        "reasons": result["reasons"],
        "clause": result["clause"],
        "missing": [KEYS[key].label(lang) for key in result["missing"]],
    }


def _award(result: dict[str, Any], lang: str) -> str:
    """The award as the document states it: at most, from .. to .., at least .. with no cap, or none."""
    high, low = result["max_award_cny"], result["min_award_cny"]
    if result["open_ended"]:
        return tr(lang, "at least {low}, no cap", low=_money(low, lang)) if low else (tr(lang, "no cap"))
    if high is None:
        return "-"
    if low is not None and low != high:
        return tr(lang, "{low} to {high}", low=_money(low, lang), high=_money(high, lang))
    return tr(lang, "up to {high}", high=_money(high, lang))


def _question(hint: dict[str, Any], lang: str) -> dict[str, Any]:
    if hint["open_ended"]:
        worth = tr(lang, "an award with no upper bound")
    elif hint["largest_award_cny"] and Decimal(hint["largest_award_cny"]):
        worth = tr(lang, "up to {money}", money=_money(hint["largest_award_cny"], lang))
    else:
        worth = tr(lang, "lines without a stated amount")
    spec = KEYS[hint["key"]]
    return {
        "key": hint["key"],
        "label": spec.label(lang),
        "help": _help(spec, lang),
        "worth": worth,
        "lines": hint["benefits"],
    }


def _help(spec: Any, lang: str) -> str:
    return str(getattr(spec, f"help_{lang}", "") or "")


def _money(text: str | None, lang: str) -> str:
    return money(Decimal(text), lang) if text is not None else "-"


def _fact(key: str, value: Any, lang: str) -> str:
    """A profile value (as the document carries it) in words."""
    return explain.value_words(key, value, lang)


class _Words:
    """The report's fixed words in one language: ``t.title`` etc. in the templates."""

    _CONTEXT = "report"  # the catalogue's message context: a word may read differently on the summary page

    _WORDS: ClassVar[dict[str, str]] = {
        "title": NP_("report", "Subsidy assessment"),
        "prepared": NP_("report", "Evaluation date"),
        "policy": NP_("report", "Policy"),
        "issuer": NP_("report", "Issued by"),
        "in_force": NP_("report", "In force"),
        "not_in_force": NP_(
            "report",
            "The evaluation date is outside the policy's period of validity; results show what applies while "
            "it is in force.",
        ),
        "summary": NP_("report", "Summary"),
        "eligible_total": NP_("report", "Eligible cash, at most in all"),
        "potential_total": NP_("report", "Potential cash, at most in all"),
        "open_ended": NP_("report", "Plus lines with no upper bound"),
        "lines_by_status": NP_("report", "Lines by status"),
        "firm": NP_("report", "The firm, as described"),
        "fact": NP_("report", "Fact"),
        "value": NP_("report", "Value"),
        "rules": NP_("report", "Rules used"),
        "sources": NP_("report", "Rules files (measures, then county layers, in order)"),
        "overrides": NP_("report", "What-if values (--set)"),
        "district": NP_("report", "District (--district)"),
        "none": NP_("report", "none"),
        "sha256": NP_("report", "Rules hash (SHA-256)"),
        "tool": NP_("report", "Tool version"),
        "no_lines": NP_("report", "None."),
        "award": NP_("report", "Award"),
        "basis": NP_("report", "Basis"),
        "why": NP_("report", "Why"),
        "clause": NP_("report", "The clause"),
        "waits_on": NP_("report", "Waits on"),
        "questions": NP_("report", "Open questions"),
        "questions_intro": NP_(
            "report", "Answering these would settle more of the result; the answer worth most first."
        ),
        "question": NP_("report", "Question"),
        "worth": NP_("report", "Could be worth"),
        "lines": NP_("report", "Lines"),
        "others": NP_("report", "Other lines"),
        "others_intro": NP_(
            "report", "The firm cannot receive these lines, or the evaluation date is outside their window."
        ),
        "status": NP_("report", "Status"),
        "reason": NP_("report", "Reason"),
        "id": NP_("report", "ID"),
        "line": NP_("report", "Line"),
        "disclaimer_title": NP_("report", "Disclaimer"),
        "disclaimer": NP_(
            "report",
            "Every amount in this report is an estimate of the maximum from the published text of the policy, "
            "not a promise: the issuing department decides whether support is given and how much. The "
            "assessment rests on the facts the firm gave; if they are wrong or change, so does the result.",
        ),
        "generated": NP_("report", "Made with subsidy-cli"),
    }

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __getattr__(self, name: str) -> str:
        try:
            return trp(self.lang, self._CONTEXT, self._WORDS[name])
        except KeyError:
            raise AttributeError(name) from None


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def markdown_escape(value: Any) -> str:
    """A value as literal Markdown text: HTML's own characters as entities (Markdown passes HTML through) and
    Markdown's punctuation backslashed, line breaks as spaces (a table cell is one line)."""
    if value is None:
        return ""
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    text = re.sub(r"\s*[\r\n]+\s*", " ", text)
    return _MD_SPECIAL.sub(r"\\\1", text)


def _template(fmt: str) -> Any:
    import jinja2

    if fmt not in (*FORMATS, "summary"):
        raise ValueError(f"unknown report format {fmt!r}")
    loader = jinja2.PackageLoader("subsidy_cli.output", "templates")
    if fmt != "md":
        env = jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined)
    else:
        env = jinja2.Environment(
            loader=loader, autoescape=False, finalize=markdown_escape, undefined=jinja2.StrictUndefined
        )
    env.trim_blocks = env.lstrip_blocks = True
    return env.get_template("summary.html.j2" if fmt == "summary" else f"report.{fmt}.j2")


# -- the county summary page (batch --report) ---------------------------------------------------------------------


def render_summary(catalog: Catalog, stats: Stats, lang: str, run: BatchRun) -> str:
    """The county summary page of a batch run (a self-contained HTML page with inline SVG charts): eligible and
    potential firms per line against the annual quota the policy sets (``quota`` in measures.toml), money at
    stake per line and per district, firms by their first status, and the facts most often left unknown."""
    from subsidy_cli.output import charts

    t = _Words(lang)
    unit = tr(lang, "CNY 10,000")
    benefits = catalog.benefits
    firms_at = {status: stats.status_firms.get(status, [0] * len(benefits)) for status in STATUSES}
    lines: list[dict[str, Any]] = []
    for index, benefit in enumerate(benefits):
        eligible, potential = firms_at["eligible"][index], firms_at["potential"][index]
        quota = benefit.quota
        if not (eligible or potential or quota):
            continue
        lines.append(
            {
                "id": benefit.id,
                "title": benefit.title(lang),
                "eligible": eligible,
                "potential": potential,
                "quota": quota_words(benefit, lang),
                "quota_count": quota.count if quota else None,
                "quota_unit": pick(lang, quota.unit_zh, quota.unit_en) if quota else "",
                "over": bool(quota and quota.bound == "exactly" and eligible > quota.count),
                "clause": benefit.clause_text if quota else "",
                "eligible_sum": stats.eligible_sums[index] if stats.eligible_sums else Decimal(0),
                "potential_sum": stats.potential_sums[index] if stats.potential_sums else Decimal(0),
            }
        )
    quoted = [line for line in lines if line["quota_count"]]
    quota_chart = (
        charts.quota_panels(
            [
                (
                    f"{line['id']} {_short(line['title'], 10)}",
                    line["eligible"],
                    line["potential"],
                    line["quota_count"],
                    line["quota_unit"],
                )
                for line in quoted
            ],
            legend=(
                status_word("eligible", lang),
                status_word("potential", lang),
                tr(lang, "annual quota"),
            ),
        )
        if quoted
        else ""
    )
    paid = [line for line in lines if line["eligible_sum"] or line["potential_sum"]]
    # Bar lengths in 万元 for the plotting library (floats, drawing only); the figures in the tables stay Decimal.
    money_chart = (
        charts.barh(
            [f"{line['id']} {_short(line['title'])}" for line in paid],
            [
                (status_word("eligible", lang), "eligible", [float(line["eligible_sum"]) / 10_000 for line in paid]),
                (status_word("potential", lang), "potential", [float(line["potential_sum"]) / 10_000 for line in paid]),
            ],
            xlabel=tr(lang, "sum of maximum awards ({unit})", unit=unit),
        )
        if paid
        else ""
    )
    districts = _districts(stats, lang)
    district_chart = (
        charts.barh(
            [d["label"] for d in districts],
            [
                (status_word("eligible", lang), "eligible", [float(d["eligible"]) / 10_000 for d in districts]),
                (status_word("potential", lang), "potential", [float(d["potential"]) / 10_000 for d in districts]),
            ],
            xlabel=tr(lang, "sum of maximum awards ({unit})", unit=unit),
        )
        if districts
        else ""
    )
    scored = stats.rows - stats.invalid
    by_status = [
        {"status": status, "word": status_word(status, lang), "firms": stats.best.get(status, 0)} for status in STATUSES
    ]
    shares: list[dict[str, Any]] = [
        *by_status,
        {"status": "invalid", "word": tr(lang, "invalid rows"), "firms": stats.invalid},
    ]
    status_chart = charts.barh(
        [s["word"] for s in shares],
        [(tr(lang, "firms"), "other", [s["firms"] for s in shares])],
        xlabel=tr(lang, "firms"),
    )
    read = _keys_read(catalog)
    missing = [(key, n) for key, n in stats.blank.most_common() if n and key in read][:10]
    missing_rows: list[dict[str, Any]] = [
        {"key": key, "label": KEYS[key].label(lang), "firms": n} for key, n in missing
    ]
    missing_chart = (
        charts.barh(
            [m["label"] for m in missing_rows],
            [(tr(lang, "firms"), "other", [m["firms"] for m in missing_rows])],
            xlabel=tr(lang, "firms leaving it blank"),
        )
        if missing_rows
        else ""
    )
    context = {
        "lang": lang,
        "t": t,
        "s": _SummaryWords(lang),
        "run": run,
        "catalog": catalog,
        "policy_title": pick(lang, catalog.policy.title_zh, catalog.policy.title_en),
        "rules_sha256": catalog.rules_sha256,
        "tool_version": __version__,
        "rows": stats.rows,
        "scored": scored,
        "invalid": stats.invalid,
        "with_eligible": stats.best.get("eligible", 0),
        "eligible_total": money(sum((Decimal(d["eligible"]) for d in districts), Decimal(0)), lang),
        "potential_total": money(sum((Decimal(d["potential"]) for d in districts), Decimal(0)), lang),
        "lines": [
            {
                **line,
                "eligible_sum": money(line["eligible_sum"], lang),
                "potential_sum": money(line["potential_sum"], lang),
            }
            for line in lines
        ],
        "districts": [
            {**d, "eligible": money(d["eligible"], lang), "potential": money(d["potential"], lang)} for d in districts
        ],
        "shares": [{**s, "percent": f"{100 * s['firms'] / stats.rows:.1f}%" if stats.rows else "-"} for s in shares],
        "missing": missing_rows,
        "charts": {
            "quota": quota_chart,
            "money": money_chart,
            "districts": district_chart,
            "status": status_chart,
            "missing": missing_chart,
        },
    }
    return _template("summary").render(**context)


def _short(title: str, limit: int = 14) -> str:
    return title if len(title) <= limit else title[: limit - 1] + "…"


def _districts(stats: Stats, lang: str) -> list[dict[str, Any]]:
    """Per district (as the profile names them; blank cells apart), firms and the sums of their total maxima, in
    the order of the district list."""
    return [
        {
            "slug": slug,
            "label": district_label(slug, lang),
            "firms": firms,
            "eligible": eligible,
            "potential": potential,
        }
        for slug, firms, _, eligible, potential in district_totals(stats)
    ]


def _keys_read(catalog: Catalog) -> set[str]:
    """The profile keys some line's conditions or amount read (the facts worth asking for)."""
    from subsidy_cli.engine.compiled import Compiled

    keys: set[str] = set()
    for condition in Compiled(catalog, None).conditions:
        keys.update(condition.keys())
    for benefit in catalog.benefits:
        keys.update(benefit.amount.keys())
    return keys - {"name", "credit_code"}


class _SummaryWords(_Words):
    _CONTEXT = "summary"
    _WORDS: ClassVar[dict[str, str]] = {
        "title": NP_("summary", "County summary"),
        "source": NP_("summary", "Input"),
        "as_of": NP_("summary", "Evaluation date"),
        "as_of_rows": NP_("summary", "each row's application date (else the day of the run)"),
        "rows": NP_("summary", "Rows read"),
        "scored": NP_("summary", "Firms scored"),
        "invalid": NP_("summary", "Invalid rows"),
        "with_eligible": NP_("summary", "Firms with an eligible line"),
        "eligible_total": NP_("summary", "Eligible cash, at most in all"),
        "potential_total": NP_("summary", "Potential cash, at most in all"),
        "quota": NP_("summary", "Firms per line against the annual quota"),
        "quota_intro": NP_(
            "summary",
            "Eligible and potential firms per line; where the policy sets an annual quota, a tick marks it "
            "(the quota and its clause are in the table).",
        ),
        "line": NP_("summary", "Line"),
        "eligible": NP_("summary", "Eligible"),
        "potential": NP_("summary", "Potential"),
        "quota_col": NP_("summary", "Annual quota"),
        "clause": NP_("summary", "Clause"),
        "over": NP_("summary", "over the quota"),
        "money": NP_("summary", "Money at stake per line"),
        "money_intro": NP_(
            "summary",
            "The sum of the maximum amounts of eligible and potential firms: cash awards at their maxima, "
            "cloud vouchers at face value, free services at the fee ceiling the text states; lines without a "
            "stated amount do not count.",
        ),
        "sum_eligible": NP_("summary", "Eligible, sum"),
        "sum_potential": NP_("summary", "Potential, sum"),
        "districts": NP_("summary", "Money at stake per district"),
        "districts_intro": NP_(
            "summary",
            "Per district, the firms' eligible and potential cash totals (with the layers' caps and exclusions).",
        ),
        "district": NP_("summary", "District"),
        "firms": NP_("summary", "Firms"),
        "status": NP_("summary", "Firms by status"),
        "status_intro": NP_(
            "summary", "Each firm counted once, by the first status any of its lines has (in the order: "
        ),
        "share": NP_("summary", "Share"),
        "missing": NP_("summary", "Facts most often missing"),
        "missing_intro": NP_(
            "summary", "The facts the lines read that most firms left blank; filling them in would settle more results."
        ),
        "key": NP_("summary", "Fact"),
        "no_data": NP_("summary", "None."),
        "disclaimer": NP_(
            "summary",
            "Amounts are sums of maxima estimated from the published text of the policy, not promises: the "
            "issuing department decides whether support is given and how much.",
        ),
    }

"""The client report (``subsidy report``) and the county summary page (``batch --report``): parsed as HTML,
every section present, values escaped, nothing outside the page; then rendered by a real headless browser."""

from __future__ import annotations

import html.parser
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from subsidy_cli.cli import app
from subsidy_cli.engine import explain, status
from subsidy_cli.output import report
from subsidy_cli.output.formats import assessment_dict

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "kunshan-parts-sme.toml"
FIRMS = ROOT / "samples" / "firms.csv"
HOSTILE = ["<script>alert(1)</script>", "{{x}}", "a & b", "*bold* [link](http://evil.example)"]


class _Page(html.parser.HTMLParser):
    """Ids, tags, attribute values and text of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str]] = []
        self.text: list[str] = []
        self.svg_text: list[str] = []
        self._in_svg_text = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            self.attrs.append((name, value or ""))
            if name == "id" and value:
                self.ids.add(value)
        if tag == "text":
            self._in_svg_text += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "text":
            self._in_svg_text -= 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_svg_text:
            self.svg_text.append(data)


def parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    return parser


def run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), env={"SUBSIDY_LANG": "", "LANG": "C"})
    assert result.exit_code == 0, result.output
    return result.stdout


def no_external(page: str) -> None:
    found = _Page()
    found.feed(page)
    for name, value in found.attrs:
        if name in ("src", "href", "xlink:href"):
            assert not re.match(r"\s*(https?:)?//", value), (name, value)
    assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//", page)
    assert "@import" not in page
    assert "<script" not in page.lower()
    assert "<link" not in page.lower()


def test_report_html_has_every_section_and_the_figures_of_the_json_document(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    run("report", str(SAMPLE), "-o", str(out), "--lang", "zh", "--set", "flexible_talents_approved=3")
    page = out.read_text(encoding="utf-8")
    found = parse(page)
    wanted = {"firm", "summary", "firm-facts", "rules", "questions", "others", "disclaimer", "eligible-total"}
    wanted |= {f"status-{s}" for s in status.STATUSES if s not in report.APART}
    assert wanted <= found.ids
    document = assessment_dict(_assess(SAMPLE, {"flexible_talents_approved": 3}), "zh")
    text = "".join(found.text)
    assert "昆山精密零部件有限公司" in text
    assert document["totals"]["eligible_cash_max_cny"] == "3700000.00"
    assert found.ids and "370万元" in text  # the eligible total of the document
    for result in document["results"]:  # every line, with its status word; clauses of the lines in sections
        assert f"line-{result['benefit']}" in found.ids or result["status"] in report.APART
        if result["status"] not in report.APART:
            assert result["clause"] in text
    assert "flexible_talents_approved=3" in text and document["rules_sha256"] in text
    assert "以政策主管部门的审核认定为准" in text
    no_external(page)


def test_report_markdown(tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    run("report", str(SAMPLE), "-o", str(out), "--lang", "en")
    text = out.read_text(encoding="utf-8")
    headings = ["## Summary", "## The firm, as described", "## Rules used", "## What it can claim now (9)"]
    headings += ["## What it could pursue (5)", "## What only the issuing department can confirm (0)"]
    headings += ["## Open to any firm, with nothing tying them to this firm (16)", "## Open questions"]
    headings += ["## Other lines (11)", "## Disclaimer"]
    for heading in headings:
        assert heading in text, heading
    assert "Eligible cash, at most in all: **¥700,000**" in text


@pytest.mark.parametrize("name", HOSTILE)
def test_no_profile_value_becomes_markup(tmp_path: Path, name: str) -> None:
    profile = tmp_path / "firm.toml"
    original = SAMPLE.read_text(encoding="utf-8")
    profile.write_text(original.replace('name = "昆山精密零部件有限公司"', f"name = {name!r}"), encoding="utf-8")
    assert name in profile.read_text()
    page = run("report", str(profile), "--lang", "zh")
    assert "<script>" not in page and "</script>" not in page
    found = parse(page)
    assert name in "".join(found.text)  # shown as text, as typed
    assert found.tags.count("script") == 0
    markdown = run("report", str(profile), "--format", "md")
    assert "<script>" not in markdown and "](http" not in markdown.replace("\\](http", "")
    assert "{{x}}" in markdown or name != "{{x}}"


def test_markdown_escape() -> None:
    assert report.markdown_escape("<b>*x*</b> [a](b) | c\nd") == "&lt;b&gt;\\*x\\*&lt;/b&gt; \\[a\\](b) \\| c d"


def test_a_new_status_gets_its_section(monkeypatch: pytest.MonkeyPatch) -> None:
    """Statuses come from STATUSES and their words from engine/explain.py: one added there shows here."""
    monkeypatch.setattr(report, "STATUSES", (*status.STATUSES[:3], "to_confirm", *status.STATUSES[3:]))
    monkeypatch.setitem(explain.STATUS_WORDS, "to_confirm", "to confirm")
    document = assessment_dict(_assess(SAMPLE, {}), "en")
    document["results"][0]["status"] = "to_confirm"
    document["totals"]["counts"]["to_confirm"] = 1
    context = report.report_context(document, "en", report.Provenance())
    sections = {section["status"]: section for section in context["sections"]}
    assert sections["to_confirm"]["title"] == "What only the issuing department can confirm"
    assert [line["id"] for line in sections["to_confirm"]["lines"]] == ["1a"]
    assert sections["to_confirm"]["lines"][0]["status_word"] == "to confirm"


def test_report_rejects_what_it_cannot_write(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["report", str(SAMPLE), "-o", str(tmp_path / "r.pdf")])
    assert result.exit_code == 2
    assert "is not a .html or .md file" in result.stderr
    result = CliRunner().invoke(app, ["report", str(SAMPLE), "-o", str(SAMPLE)])
    assert result.exit_code == 2 and "is the input file" in result.stderr


def test_summary_page(tmp_path: Path) -> None:
    out, page_path = tmp_path / "results.csv", tmp_path / "summary.html"
    result = CliRunner().invoke(
        app, ["batch", str(FIRMS), "-o", str(out), "--report", str(page_path), "--lang", "zh", "--as-of", "2022-06-30"]
    )
    assert result.exit_code == 0, result.output
    page = page_path.read_text(encoding="utf-8")
    found = parse(page)
    assert {"quota", "money", "districts", "status", "missing", "kpis", "disclaimer"} <= found.ids
    assert found.tags.count("svg") == 5
    labels = "".join(found.svg_text)
    assert "5a 智能制造免费诊断" in labels and "年度名额" in labels and "昆山市" in labels  # Chinese kept as text
    assert "<path" in page and "font-family" not in labels
    text = "".join(found.text)
    assert "每年40家工厂" in text and "市级每年为全市40家工厂" in text  # the quota with its clause
    assert "line-5a" in found.ids
    no_external(page)


def test_summary_page_needs_html(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["batch", str(FIRMS), "-o", str(tmp_path / "r.csv"), "--report", "x.pdf"])
    assert result.exit_code == 2 and "is not a .html file" in result.stderr
    assert not (tmp_path / "r.csv").exists()


def _assess(path: Path, overrides: dict[str, object]):  # type: ignore[no-untyped-def]
    from subsidy_cli.batch import sources
    from subsidy_cli.engine.assess import assess_rules, evaluation_date
    from subsidy_cli.profile.files import load_profile

    parsed = load_profile(str(path), overrides)
    return assess_rules(parsed, sources.rules(None), evaluation_date(parsed, None))


# -- a real browser --------------------------------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
browser = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed here (.ci/run installs it: apt-get install chromium)"
)


def _chromium(tmp_path: Path, *args: str) -> None:
    assert CHROMIUM is not None
    subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", *args],
        check=True,
        capture_output=True,
        timeout=120,
    )


def _pdf_text(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed here (.ci/run installs it)")
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


@browser
def test_report_prints_to_pdf_and_png(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    run("report", str(SAMPLE), "-o", str(page), "--lang", "zh")
    pdf, png = tmp_path / "report.pdf", tmp_path / "report.png"
    _chromium(tmp_path, f"--print-to-pdf={pdf}", page.as_uri())
    _chromium(tmp_path, "--window-size=1000,1400", f"--screenshot={png}", page.as_uri())
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    text = re.sub(r"\s+", "", _pdf_text(pdf))
    assert "昆山精密零部件有限公司" in text
    assert "可申请资金合计最高" in text and "70万元" in text
    assert "对企业通过苏州综合金融服务平台" in text or "苏州综合金融服务" in text  # a clause (1a)


@browser
def test_summary_prints_to_pdf(tmp_path: Path) -> None:
    page = tmp_path / "summary.html"
    CliRunner().invoke(app, ["batch", str(FIRMS), "-o", str(tmp_path / "r.csv"), "--report", str(page), "--lang", "zh"])
    pdf = tmp_path / "summary.pdf"
    _chromium(tmp_path, f"--print-to-pdf={pdf}", page.as_uri())
    text = re.sub(r"\s+", "", _pdf_text(pdf))
    assert "各项目企业数与年度名额" in text and "年度名额" in text

"""A commented TOML profile to fill in (``subsidy template``)."""

from __future__ import annotations

from subsidy_cli.profile.keys import KEYS, choice_label
from subsidy_cli.words import pick

_EXAMPLES = {
    "text": '"..."',
    "money": '"500万"',
    "count": "0",
    "bool": "true",
    "date": "2022-06-30",
}


def profile_template(lang: str) -> str:
    lines = [
        pick(
            lang,
            "# subsidy-cli 企业档案。不知道的项留空(保持注释):未填写表示“未知”,不是“否”。",
            "# subsidy-cli enterprise profile. Leave a key commented out when you do not know it:",
        ),
        pick(
            lang,
            "# 金额可写 1234.5、200万、200万元、0.5亿;是否题写 true / false。",
            "# a missing key means 'unknown', never 'no'. Money may be written 1234.5, 200万, 200万元 or 0.5亿.",
        ),
        pick(lang, "# 检查:subsidy check 本文件.toml", "# Check it with: subsidy check THIS_FILE.toml"),
        "",
    ]
    for spec in KEYS.values():
        lines.append(f"# {spec.label(lang)}: {pick(lang, spec.help_zh, spec.help_en)}")
        if spec.choices:
            options = ", ".join(f"{c} ({choice_label(spec.name, c, lang)})" for c in spec.choices)
            lines.append(pick(lang, f"#   可选: {options}", f"#   one of: {options}"))
        if spec.type == "multi":
            example = f'["{spec.choices[0]}"]'
        elif spec.type == "choice":
            example = f'"{spec.choices[0]}"'
        else:
            example = _EXAMPLES[spec.type]
        if spec.name == "name":
            lines.append(f'name = "{pick(lang, "示例企业有限公司", "Example Co., Ltd.")}"')
        else:
            lines.append(f"# {spec.name} = {example}")
        lines.append("")
    return "\n".join(lines)


def csv_template(lang: str) -> str:
    """The header row of a CSV of firms: every profile key, or its Chinese label, in the same order."""
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(
        [spec.label_zh if lang == "zh" else spec.name for spec in KEYS.values()]
    )
    return buffer.getvalue()

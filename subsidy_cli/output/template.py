"""A commented TOML profile to fill in (``subsidy template``)."""

from __future__ import annotations

from subsidy_cli.i18n import N_, tr, trp
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
        tr(lang, "# subsidy-cli enterprise profile. Leave a key commented out when you do not know it:"),
        tr(lang, "# a missing key means 'unknown', never 'no'. Money may be written 1234.5, 200万, 200万元 or 0.5亿."),
        tr(lang, "# Check it with: subsidy check THIS_FILE.toml"),
        "",
    ]
    for spec in KEYS.values():
        lines.append(f"# {spec.label(lang)}: {pick(lang, spec.help_zh, spec.help_en)}")
        if spec.choices:
            options = ", ".join(f"{c} ({choice_label(spec.name, c, lang)})" for c in spec.choices)
            lines.append(tr(lang, "#   one of: {options}", options=options))
        if spec.type == "multi":
            example = f'["{spec.choices[0]}"]'
        elif spec.type == "choice":
            example = f'"{spec.choices[0]}"'
        else:
            example = _EXAMPLES[spec.type]
        if spec.name == "name":
            lines.append(f'name = "{tr(lang, "Example Co., Ltd.")}"')
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


_XLSX_ROWS = 1_048_575  # the rows a sheet has below its header
_TYPE_WORDS = {
    "text": N_("text"),
    "money": N_("money (CNY)"),
    "count": N_("whole number"),
    "bool": N_("yes/no"),
    "date": N_("date"),
    "choice": N_("one of a list"),
    "multi": N_("several of a list"),
}


def dropdown_values(key: str, lang: str) -> list[str]:
    """What a template's dropdown offers for an enumerated key: each choice's label in ``lang`` where that label
    reads back as the choice (else its id, e.g. a label holding 、, which separates list items); yes/no words
    for a yes/no key."""
    from subsidy_cli.profile.keys import parse_value

    spec = KEYS[key]
    if spec.type == "bool":
        return ["是", "否"] if lang == "zh" else ["yes", "no"]
    values = []
    for choice in spec.choices:
        label = choice_label(key, choice, lang)
        try:
            read = parse_value(key, label)
        except ValueError:
            read = None
        values.append(label if read in (choice, [choice]) else choice)
    return values


def _hint(key: str, lang: str) -> tuple[str, str]:
    """The input hint of a column: its title and the forms it accepts (Excel shows both when a cell is selected)."""
    spec = KEYS[key]
    title = spec.label(lang)[:32]
    forms = {
        "money": tr(lang, "A number is yuan, e.g. 5000000; or type text such as 500万 or 0.5亿."),
        "date": tr(lang, "A date cell, or type 2022-06-30 or 2022/6/30."),
        "count": tr(lang, "A whole number, e.g. 620."),
        "bool": tr(lang, "Pick yes or no from the list."),
        "choice": tr(lang, "Pick one from the list."),
        "multi": tr(
            lang, "Pick one from the list; type several separated by ; (e.g. manufacturer;service_provider), or none."
        ),
        "text": "",
    }[spec.type]
    if key == "credit_code":
        forms = tr(lang, "18 characters. The column is formatted as text: keep it so (a number keeps only 15 digits).")
    return title, forms


def workbook_template(path: str, lang: str) -> None:
    """Write a data-collection workbook at ``path`` (a new file name; see ``output.files``): a sheet whose header row
    is every profile key's label in ``lang``, with dropdowns for the enumerated keys, input hints for money, dates
    and counts, the credit-code column formatted as text and the date column as dates; a sheet explaining each
    column; and a hidden sheet holding the dropdowns' lists. A filled copy reads back through ``subsidy batch``."""
    import xlsxwriter
    from xlsxwriter.utility import xl_col_to_name

    book = xlsxwriter.Workbook(path, {"strings_to_formulas": False, "strings_to_urls": False})
    firms = book.add_worksheet(trp(lang, "sheet", "Firms"))
    explain = book.add_worksheet(tr(lang, "Columns"))
    lists = book.add_worksheet("Lists")
    head = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7"})
    text = book.add_format({"num_format": "@"})
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    list_column = 0
    for column, spec in enumerate(KEYS.values()):
        key = spec.name
        firms.write_string(0, column, spec.label(lang), head)
        width = max(12, min(40, len(spec.label(lang)) * (2 if lang == "zh" else 1) + 2))
        formats = {"credit_code": text, "application_date": date}
        firms.set_column(column, column, 22 if key == "credit_code" else width, formats.get(key))
        title, forms = _hint(key, lang)
        message = f"{pick(lang, spec.help_zh, spec.help_en)}{tr(lang, '. ')}{forms}".strip()
        rule: dict[str, object] = {"input_title": title, "input_message": message[:255]}
        if spec.type in ("choice", "multi", "bool"):
            values = dropdown_values(key, lang)
            lists.write_string(0, list_column, key)
            for row, value in enumerate(values, 1):
                lists.write_string(row, list_column, value)
            letter = xl_col_to_name(list_column)
            rule.update(
                validate="list",
                source=f"=Lists!${letter}$2:${letter}${len(values) + 1}",
                error_type="warning" if spec.type == "choice" else "information",
                error_title=title,
                error_message=tr(lang, "Not in the list; see the Columns sheet for what is accepted."),
            )
            if spec.type == "multi":
                rule["show_error"] = False  # several items separated by ; are not in the list, and are right
            list_column += 1
        else:
            rule["validate"] = "any"
        firms.data_validation(1, column, _XLSX_ROWS, column, rule)
    firms.freeze_panes(1, 1)
    firms.set_row(0, 36)
    lists.hide()
    headers = [
        tr(lang, "Column"),
        tr(lang, "Key"),
        tr(lang, "Type"),
        tr(lang, "Meaning"),
        tr(lang, "Accepted"),
    ]
    for column, (name, width) in enumerate(zip(headers, (28, 30, 14, 40, 80), strict=True)):
        explain.write_string(0, column, name, head)
        explain.set_column(column, column, width)
    for row, spec in enumerate(KEYS.values(), 1):
        accepted = _hint(spec.name, lang)[1]
        if spec.choices:
            choices = "; ".join(f"{c} ({choice_label(spec.name, c, lang)})" for c in spec.choices)
            accepted = f"{accepted} {choices}".strip()
        cells = [
            spec.label(lang),
            spec.name,
            tr(lang, _TYPE_WORDS[spec.type]),
            pick(lang, spec.help_zh, spec.help_en),
        ]
        for column, value in enumerate([*cells, accepted]):
            explain.write_string(row, column, value, wrap)
    note = len(KEYS) + 2
    explain.write_string(
        note,
        0,
        tr(
            lang,
            "Leave a cell empty when you do not know: empty means unknown, never 'no'. Then run: subsidy batch "
            "THIS_FILE.xlsx -o results.xlsx",
        ),
    )
    book.close()

"""Language choice, the way each audience reads numbers (¥500,000 / 50万元), and text wrapped to a terminal's
cells (CJK characters take two; a number and its unit are never broken).

Plain strings only: no Rich here, so JSON output and the interview can use it too.
"""

from __future__ import annotations

import locale
import os
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal

LANGS = ("zh", "en")
_CENT = Decimal("0.01")


def fen(value: Decimal) -> Decimal:
    """An amount in yuan rounded to the fen as Chinese finance rounds it: half up (四舍五入); never -0."""
    return value.quantize(_CENT, ROUND_HALF_UP) + 0


def cny(value: Decimal | None) -> str | None:
    """An amount in yuan as the decimal text JSON and CSV carry (``"500000.00"``, rounded half up to the fen);
    None stays None."""
    return None if value is None else str(fen(value))


def choose_lang(option: str | None) -> str:
    """``--lang``, else ``SUBSIDY_LANG``, else Chinese for a Chinese locale, else English."""
    for candidate in (option, os.environ.get("SUBSIDY_LANG")):
        if candidate:
            value = candidate.strip().lower()[:2]
            if value in LANGS:
                return value
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        setting = os.environ.get(var)
        if setting:
            return "zh" if setting.lower().startswith("zh") else "en"
    try:
        current = locale.getlocale()[0] or ""
    except ValueError:
        current = ""
    return "zh" if current.lower().startswith(("zh", "chinese")) else "en"


def _trim(value: Decimal) -> str:
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def money(value: Decimal | None, lang: str) -> str:
    """¥1,234,567.5 in English; 123.45675万元 style in Chinese (元 below 10,000)."""
    if value is None:
        return "-"
    if lang == "zh":
        if value >= 100_000_000 and value % 10_000_000 == 0:
            return f"{_trim(value / 100_000_000)}亿元"
        if value >= 10_000:
            return f"{_trim(value / 10_000)}万元"
        return f"{_trim(value)}元"
    quantised = value.quantize(Decimal("0.01"))
    if quantised == quantised.to_integral_value():
        return f"¥{int(quantised):,}"
    return f"¥{quantised:,.2f}"


def money_sum(value: Decimal, lang: str) -> str:
    """A large sum as people read it at a glance: in Chinese in 亿元 from 100 million and in 万元 from 10,000, to two
    decimals (rounded half up: 35.59亿元, 123.46万元); in English as ``money``. For summaries: exact figures go to
    files."""
    if lang == "zh" and value >= 10_000:
        wan = (value / 10_000).quantize(_CENT, ROUND_HALF_UP)
        if wan < 10_000:
            return f"{_trim(wan)}万元"
        return f"{_trim((value / 100_000_000).quantize(_CENT, ROUND_HALF_UP))}亿元"
    return money(value, lang)


def count(value: int | Decimal, lang: str) -> str:
    if lang == "zh":
        if value >= 10_000 and value % 10_000 == 0:
            return f"{_trim(Decimal(value) / 10_000)}万"
        return _trim(Decimal(value))
    return f"{int(value):,}" if value == int(value) else f"{value:,}"


def percent(rate: Decimal) -> str:
    return f"{_trim(rate * 100)}%"


def pick(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


# -- text in terminal cells --------------------------------------------------------------------------------------

# Never at the start of a line (closing punctuation) / never at its end (opening punctuation): the usual rules
# of Chinese typesetting (避头尾), and their ASCII forms.
_NO_LINE_START = frozenset("，。、；：？！）」』”’》〉】…—,.;:?!)]}%％·～/")
_NO_LINE_END = frozenset("（「『“‘《〈【([{¥￥/")  # and a slash joins what it separates: 是/否
# A number with what belongs to it: 500万元, 1%, 2021年1月1日, ¥500,000, 3星级, 第15条, 5,000.5: one piece.
_NUMBER = re.compile(
    r"(?:第|[¥￥])?[0-9０-９](?:[0-9０-９,.，．:：/-]*[0-9０-９])?"
    r"(?:[%％]|[十百千万亿]*元|[十百千万亿]+|(?:[年月][0-9０-９]+)*[年月日])?"
    r"(?:[家台套次个人项名星级户条倍]+)?"
)


def cell_width(text: str) -> int:
    """How many terminal cells ``text`` takes: CJK and full-width characters two, combining marks none, the
    rest one (East Asian "ambiguous" characters count one, as in most terminals)."""
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _pieces(text: str, spaces_only: bool = False) -> list[tuple[str, bool]]:
    """``text`` cut where a line may break: (piece, whether spaces came before it). A line breaks at spaces, and
    (unless ``spaces_only``) between two characters of which one is wide (CJK), but never inside a number with
    its unit (``_NUMBER``), before closing punctuation or after opening punctuation."""
    glued = [False] * (len(text) + 1)  # glued[i]: no break between text[i-1] and text[i]
    for match in _NUMBER.finditer(text):
        for i in range(match.start() + 1, match.end()):
            glued[i] = True
    pieces: list[tuple[str, bool]] = []
    current = ""
    spaced = False
    for i, char in enumerate(text):
        if char == " ":
            if current:
                pieces.append((current, spaced))
                current = ""
            spaced = True
            continue
        if current:
            before = current[-1]
            breakable = (
                not spaces_only
                and not glued[i]
                and (_wide(before) or _wide(char) or before in ",;")  # after a comma that is no number's
                and char not in _NO_LINE_START
                and before not in _NO_LINE_END
            )
            if breakable:
                pieces.append((current, spaced))
                current, spaced = "", False
        current += char
    if current:
        pieces.append((current, spaced))
    return pieces


def longest_piece(text: str, spaces_only: bool = False) -> int:
    """The cells of the widest piece of ``text`` that ``wrap`` never breaks: the narrowest width that holds
    ``text`` without folding."""
    return max((cell_width(piece) for piece, _ in _pieces(text, spaces_only)), default=0)


def wrap(
    text: str,
    width: int,
    indent: str = "",
    hanging: str | None = None,
    spaces_only: bool = False,
    fold: bool = False,
) -> list[str]:
    """``text`` as lines of at most ``width`` terminal cells (``cell_width``): the first line starts with
    ``indent``, the others with ``hanging`` (default: ``indent``). Lines break at spaces and between CJK
    characters, never inside a word, a number or an amount (``500万元``, ``2,001``, ``2021年1月1日``), never
    before closing or after opening punctuation; a piece wider than a line stands alone on its line, whole.
    Line breaks in ``text`` are kept, spaces at the start of a line are not (give ``indent``); an empty ``text``
    gives one empty line. No line ends with a space. With ``spaces_only`` lines break at spaces only (a status
    is one word in Chinese too); with ``fold`` a piece wider than a line is cut across lines, as a last resort
    for a table cell that must not be wider than its column."""
    follow = indent if hanging is None else hanging
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, used = indent, cell_width(indent)
        empty = True
        for piece, spaced in _pieces(paragraph, spaces_only):
            size = cell_width(piece)
            gap = 1 if spaced and not empty else 0
            if not empty and used + gap + size > width:
                lines.append(line.rstrip(" "))
                line, used, empty, gap = follow, cell_width(follow), True, 0
            while fold and used + size > width and len(piece) > 1:  # wider than any line: cut it
                cut = max(1, next((i for i in range(len(piece), 0, -1) if used + cell_width(piece[:i]) <= width), 1))
                lines.append((line + piece[:cut]).rstrip(" "))
                piece = piece[cut:]
                line, used, size = follow, cell_width(follow), cell_width(piece)
            line += " " * gap + piece
            used += gap + size
            empty = False
        lines.append(line.rstrip(" "))
    return lines

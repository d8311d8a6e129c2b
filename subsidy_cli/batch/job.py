"""What a batch run is asked to do: everything a worker process needs to score rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from subsidy_cli.batch.csvio import Header
from subsidy_cli.rules.layers import Rules

OutputFormat = Literal["csv", "jsonl"]


@dataclass
class Job:
    """Everything a worker needs to score rows."""

    rules: Rules
    header: Header
    overrides: dict[str, Any]
    as_of: dt.date | None
    today: dt.date
    output_format: OutputFormat
    long: bool
    lang: str
    encoding: str = "utf-8"  # of the input blocks
    source: str = "<input>"  # the input's name, for messages
    excel: bool = False  # for people: headers, statuses and facts in words of ``lang`` (``batch --excel``)
    more: bool = False  # the columns after the audit trail and the input carried (``--all-columns``, ``--excel``)

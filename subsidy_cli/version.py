"""The version of subsidy-cli, as every output's audit trail names it (``tool_version``)."""

__version__ = "0.1.0"

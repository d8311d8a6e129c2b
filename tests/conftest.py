"""Test settings shared by every test module."""

import pytest
from hypothesis import settings

from subsidy_cli import i18n

# Property tests are checked for what they find, not for how fast each example runs: a loaded CI machine
# must not turn a slow example into a failure.
settings.register_profile("subsidy", deadline=None)
settings.load_profile("subsidy")


@pytest.fixture(autouse=True)
def _english_messages() -> None:
    """Every test starts with messages in English, the library's default: a command run with --lang zh earlier in
    the same process (CliRunner) makes Chinese the active language until something sets it again."""
    i18n.use("en")

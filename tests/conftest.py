"""Test settings shared by every test module."""

from collections.abc import Iterator

import pytest
from hypothesis import settings

from subsidy_cli import i18n

# Property tests are checked for what they find, not for how fast each example runs: a loaded CI machine
# must not turn a slow example into a failure.
settings.register_profile("subsidy", deadline=None)
settings.load_profile("subsidy")


@pytest.fixture(autouse=True)
def _messages_in_english() -> Iterator[None]:
    """Each test starts with messages in English, whatever language a command run before it chose."""
    i18n.use("en")
    yield
    i18n.use("en")

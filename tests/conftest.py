"""Test settings shared by every test module."""

from hypothesis import settings

# Property tests are checked for what they find, not for how fast each example runs: a loaded CI machine
# must not turn a slow example into a failure.
settings.register_profile("subsidy", deadline=None)
settings.load_profile("subsidy")

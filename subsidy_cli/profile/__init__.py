"""The profile: its keys (each defined once), the parsing of what people type, reading profile files."""

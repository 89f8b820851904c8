"""Utilities: coordinate conversions (``utils``)."""

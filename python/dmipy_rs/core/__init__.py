"""Acquisition schemes (``acquisition_scheme``); the modeling framework will join here."""

"""Notarization: the data file's schema and the guidance built from it."""

"""Checks ``make lint`` runs on the code (not deployed)."""

"""Shared mail plumbing, as ``aws`` is shared AWS plumbing: connecting to SMTP and IMAP
servers (``connection``), and the mail formats that one feature writes and another reads:
the VERP return path and our Message-ID (``addresses``) and HTML to text (``text``)."""

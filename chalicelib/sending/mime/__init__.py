"""Building the outgoing email: the MIME message written directly (``build`` with ``fields``),
tracked links and the open pixel (``links``), DKIM signing with ``cryptography`` (``dkim``),
and a stored message turned into signed bytes (``compose``)."""

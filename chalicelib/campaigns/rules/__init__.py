"""The campaigns feature's pure scheduling decisions, no I/O: the sending window in the
contact's or the campaign's zone (``window``), waits in hours or business days (``waits``),
which mailbox sends (``rotation``), which A/B variant and when one wins (``variants``), and
what stops, skips or delays a sequence (``progress``). ``local_time`` holds the wall-clock
arithmetic they share (DST gaps and folds)."""

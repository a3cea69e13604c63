"""Keep a bench's output to its figures: moto's notes on template resources it does not
model, and Powertools' warning about an invocation with no metrics, are not results.

Metrics stay on where a bench measures a handler (their EMF serialisation is part of the
cost); ``discard_stdout`` swallows the EMF lines Powertools prints while one runs.
"""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from collections.abc import Iterator


def quiet() -> None:
    logging.getLogger("moto").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=UserWarning, module=r"moto(\.|$)")
    warnings.filterwarnings("ignore", category=UserWarning, module=r"aws_lambda_powertools(\.|$)")


class _Sink(io.TextIOBase):
    def write(self, text: str) -> int:
        return len(text)


@contextlib.contextmanager
def discard_stdout() -> Iterator[None]:
    """Stdout written inside the block goes nowhere (the bench prints its figures after)."""
    with contextlib.redirect_stdout(_Sink()):
        yield

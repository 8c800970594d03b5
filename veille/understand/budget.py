"""A time budget per article, checked cooperatively between the analysis passes and inside their long loops.

``with time_budget(seconds, article_id):`` sets the deadline of the work done in that block; ``check_budget()``
(cheap: a context variable and a clock read) raises BudgetExceededError once it has passed. A context
variable rather than a signal: it works in threads, in helper processes and in the main thread alike, and
each thread or task has its own deadline. The clock is the CPU time of the thread doing the work
(time.thread_time), so an article's budget does not run out because other processes share the machine.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from veille.errors import BudgetExceededError

DEFAULT_BUDGET_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Deadline:
    """When the work on ``item`` must stop (time.thread_time of the thread doing it), and the budget it was given."""

    at: float
    seconds: float
    item: str

    def check(self, where: str = "") -> None:
        """Raise BudgetExceededError when the deadline has passed."""
        if time.thread_time() > self.at:
            step = f" (in {where})" if where else ""
            raise BudgetExceededError(
                f"the analysis of {self.item} took more than its {self.seconds:g} s budget of CPU time{step}; raise"
                " understand_budget_seconds to give such texts more time"
            )


_DEADLINE: ContextVar[Deadline | None] = ContextVar("veille_understand_deadline", default=None)


@contextmanager
def time_budget(seconds: float | None, item: str) -> Iterator[Deadline | None]:
    """Give the work done inside the block ``seconds`` (None or <= 0: no budget) for ``item``."""
    deadline = Deadline(time.thread_time() + seconds, seconds, item) if seconds and seconds > 0 else None
    token = _DEADLINE.set(deadline)
    try:
        yield deadline
    finally:
        _DEADLINE.reset(token)


def check_budget(where: str = "") -> None:
    """Raise BudgetExceededError when the current block's budget is spent; nothing outside a budget."""
    deadline = _DEADLINE.get()
    if deadline is not None:
        deadline.check(where)

"""When a run gives its slot back: the turn-taking accounts of one run, kept where it computes (the run's thread
in the server, ``worker.py``, or its child process, ``child.py``), so both decide the same way."""

import time

# A run that has computed this long gives its slot to a waiting run (bench/bench_slices.py measures the choice).
SLICE_SECONDS = 0.1
# A paced run computes ahead until it is this many seconds early, then waits them out in one turn.
PACE_WAIT = 0.1
now = time.perf_counter  # the scheduler's clock (the fairness tests count steps with their own)


class Clock:
    """A run's turn-taking accounts, kept where it computes (its thread, or its child process)."""

    def __init__(self, now: float, total_steps: int):
        self.total_steps = total_steps
        self.computed = 0.0  # seconds computed holding a slot: its place among the waiters
        self.slice_from = self.step_from = now  # when the slot was taken; when the step under way began
        self.released: float | None = None  # when the last step was let go (its pace clock)
        self.owed = 0.0  # pace seconds not waited yet

    def after_step(self, now: float, pace: float | None, paused: bool) -> float | None:
        """None: go on computing. Else a turn is due: the slice is over, or it is paused, or it is ahead of
        its pace by at least ``PACE_WAIT`` seconds, which it waits out (steps of a millisecond do not each
        wait their share of the pace: a few steps, then one wait)."""
        self.computed += now - self.step_from
        if pace is not None and self.released is not None:
            self.owed = max(0.0, self.owed + pace / max(self.total_steps, 1) - (now - self.released))
        if self.owed >= PACE_WAIT or paused or now - self.slice_from >= SLICE_SECONDS:
            wait, self.owed = self.owed, 0.0
            return wait
        self.released = self.step_from = now
        return None

    def kept(self, now: float) -> None:
        """The turn was not needed (nobody waits): a new slice begins."""
        self.released = self.step_from = self.slice_from = now

    def resumed(self, yielded: float, wait: float, paused_for: float, now: float) -> None:
        self.slice_from = self.step_from = now
        # the pace clock runs from the planned end of the wait: time spent queueing for the slot counts
        # towards the next step's share instead of stretching the run
        self.released = yielded + wait + paused_for

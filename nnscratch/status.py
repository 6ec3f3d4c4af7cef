"""The one table of a training run's states, read by the engine's history, the app's worker, the class store
and every page that shows a run."""

QUEUED = "queued"  # waits for its first turn on the cores
RUNNING = "running"
PAUSED = "paused"
COMPLETED = "completed"
STOPPED = "stopped"
DIVERGED = "diverged"
ERROR = "error"

FINAL_STATES = (COMPLETED, STOPPED, DIVERGED, ERROR)  # a run in one of these has ended

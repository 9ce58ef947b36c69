"""Charts of a run (and of runs side by side): pure functions from `Run` to a matplotlib
`Figure`, plus writers that save them as PNG and SVG.

They read only what a run wrote (its summary, its scenario, its trials), never the engine.
Importing this package imports matplotlib: import it only when charts are wanted.
"""

from sim.charts.how_long import plot_how_long, plot_routes
from sim.charts.states import plot_states
from sim.charts.stopped import plot_stopped
from sim.charts.when import plot_when
from sim.charts.write import RUN_CHARTS, write_run_charts

__all__ = [
    "RUN_CHARTS",
    "plot_how_long",
    "plot_routes",
    "plot_states",
    "plot_stopped",
    "plot_when",
    "write_run_charts",
]

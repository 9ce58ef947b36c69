"""withdrawal-sim: how, whether and when the United States could leave NATO."""

__version__ = "0.1.0"

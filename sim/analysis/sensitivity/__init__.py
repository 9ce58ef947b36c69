"""`sim sensitivity`: which uncertain input of a scenario drives P(exit), P(notice) and the
time to exit.

Split the way SALib splits its own work (sample/ and analyze/), so that each step can be
read and tested alone, and data flows one way:

- `inputs`: the uncertain inputs of a scenario (every value written as a distribution or
  an `a to b` interval), the assumptions being ranked;
- `design`: what to evaluate: the pins of the tornado, the Saltelli design of Sobol;
- `evaluate`: draws (with inputs pinned or set) -> engine -> the outcome of every trial;
- `execute`: evaluation tasks over worker processes, in order, with progress;
- `given`, `tornado`, `sobol`: the three analyses, each from evaluated outcomes;
- `result`: the analyses assembled (`sensitivity.json`) and their one-row-an-input table;
- `charts`, `folder`, `text`: the PNG/SVG charts, the atomic output folder, the terminal;
- `run`: the whole of it, for the command line and the Python API.
"""

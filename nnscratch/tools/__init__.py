"""Tools around the engine: the command line, the benchmark and the notebooks' original code (the baseline)."""

"""Are the weight pictures' colours apart for everyone? The weight map and candidates, under simulated
colour vision deficiencies (Machado et al. 2009, nnscratch/colour_vision.py), in CIELAB ΔE.

    python bench/bench_colours.py [--maps RdBu_r coolwarm ...]

Each map is painted the way the app paints weights (``plots.colorize`` over [-1, 1]) and seen with normal
vision, deuteranopia, protanopia and tritanopia; the columns are ``colour_vision.map_figures`` (its
docstring says what each one is), the figures tests/test_colour_vision.py holds the chosen map to. The
row "worst" is the smallest of the four visions.

cividis is one-sided (no neutral middle): listed for reference, not a candidate for signed weights.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nnscratch import plots  # noqa: E402
from nnscratch.colour_vision import VISIONS, map_figures  # noqa: E402

CANDIDATES = ("RdBu_r", "coolwarm", "bwr", "seismic", "PuOr_r", "BrBG_r", "PiYG_r", "RdYlBu_r", "cividis")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--maps", nargs="+", default=list(CANDIDATES), help="matplotlib colour map names")
    args = ap.parse_args(argv)
    keys = ("ends", "±0.5", "±0.25", "0→end", "min step")
    print(f"weight map now: {plots.WEIGHT_CMAP}   (CIELAB ΔE; about 2.3 is just noticeable)\n")
    print(f"{'map':<10} {'vision':<13}" + "".join(f"{k:>9}" for k in keys) + f"{'C*(0)':>8}")
    for cmap in args.maps:
        rows = [map_figures(cmap, v) for v in VISIONS]
        for vision, row in zip(VISIONS, rows):
            print(f"{cmap if vision == 'normal' else '':<10} {vision:<13}" + "".join(f"{row[k]:9.1f}" for k in keys)
                  + (f"{row['C*(0)']:8.1f}" if vision == "normal" else ""))
        worst = {k: min(r[k] for r in rows) for k in keys}
        print(f"{'':<10} {'worst':<13}" + "".join(f"{worst[k]:9.1f}" for k in keys) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The weight pictures' colour map keeps negative and positive apart for colour-blind people too.

The margins (CIELAB ΔE, under Machado 2009 simulations of deuteranopia, protanopia and tritanopia) are
the reason for the map in docs/accessibility.md; `python bench/bench_colours.py` prints the figures.
"""

import numpy as np
import pytest

from nnscratch import colour_vision as cv
from nnscratch import plots

# Measured for coolwarm (bench/bench_colours.py): ends 81 or more, ±0.25 at least 38.6 under every
# simulation. The margins leave room for rounding, not for a map where sign gets hard to read: the old
# RdBu_r had 35 (ends, protanopia) and 24.6 (±0.25).
MIN_ENDS = 60.0
MIN_QUARTER = 30.0
MAX_ZERO_CHROMA = 2.0  # zero is a neutral grey


def _apart(cmap):
    """({vision: ΔE(-1, +1)}, {vision: ΔE(-0.25, +0.25)}, chroma of zero): the figures the bench prints."""
    figures = {v: cv.map_figures(cmap, v) for v in cv.VISIONS}
    return ({v: f["ends"] for v, f in figures.items()}, {v: f["±0.25"] for v, f in figures.items()},
            figures["normal"]["C*(0)"])


@pytest.mark.parametrize("vision", cv.VISIONS)
def test_weight_map_ends_and_quarters_stay_apart(vision):
    ends, quarter, zero_chroma = _apart(plots.WEIGHT_CMAP)
    assert ends[vision] >= MIN_ENDS, f"{plots.WEIGHT_CMAP} with {vision}: -1 and +1 only ΔE {ends[vision]:.1f} apart"
    assert quarter[vision] >= MIN_QUARTER, f"{plots.WEIGHT_CMAP} with {vision}: ±0.25 only ΔE {quarter[vision]:.1f}"
    assert zero_chroma <= MAX_ZERO_CHROMA, f"zero is not neutral: C* {zero_chroma:.1f}"


def test_the_margins_reject_the_old_map():
    """The rule has teeth: RdBu_r, the map before, fails it for protanopes."""
    ends, quarter, _ = _apart("RdBu_r")
    assert ends["protanopia"] < MIN_ENDS and quarter["protanopia"] < MIN_QUARTER


def test_weight_map_is_blue_below_zero_and_red_above():
    """What the pages and README say about it ("red pixels raise the unit, blue ones lower it")."""
    neg, pos = plots.colorize(np.array([-1.0, 1.0]), 1.0).astype(int)
    assert neg[2] > neg[0] + 100 and pos[0] > pos[2] + 100


def test_lab_and_delta_e_match_reference_values():
    # sRGB primaries in CIELAB (D65), as published by Lindbloom's calculator
    assert cv.lab([1.0, 0.0, 0.0]) == pytest.approx([53.24, 80.09, 67.20], abs=0.05)
    assert cv.lab([0.0, 0.0, 1.0]) == pytest.approx([32.30, 79.19, -107.86], abs=0.05)
    assert cv.lab([1.0, 1.0, 1.0]) == pytest.approx([100.0, 0.0, 0.0], abs=1e-6)
    assert cv.delta_e([0.0, 0.0, 0.0], [1.0, 1.0, 1.0]) == pytest.approx(100.0, abs=1e-6)
    assert cv.chroma([0.5, 0.5, 0.5]) == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("vision", list(cv.MACHADO_2009))
def test_simulations_keep_greys_and_lose_what_they_should(vision):
    greys = np.linspace(0, 1, 5)[:, None].repeat(3, 1)
    assert cv.simulate(greys, vision) == pytest.approx(greys, abs=2e-3)  # each matrix's rows sum to 1
    red, green = [0.8, 0.2, 0.2], [0.2, 0.6, 0.2]
    blue, yellow = [0.2, 0.3, 0.8], [0.8, 0.8, 0.2]
    if vision == "tritanopia":  # blue-yellow confusion; red-green survives
        assert cv.delta_e(red, green, vision) > 0.5 * cv.delta_e(red, green)
    else:  # red-green confusion: the pair's ΔE collapses; blue-yellow survives
        assert cv.delta_e(red, green, vision) < 0.5 * cv.delta_e(red, green)
        assert cv.delta_e(blue, yellow, vision) > 0.7 * cv.delta_e(blue, yellow)

"""What both estimators return: :class:`Estimate`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Estimate:
    """One estimated metric: its plug-in value and the spread of the realised metric when the
    labels are drawn from the calibrated probabilities (see the module docstring)."""

    value: float  # expected value of the metric given calibrated probabilities
    std: float  # its standard deviation (sampling of labels given the scores)
    lower: float  # 2.5 % quantile
    upper: float  # 97.5 % quantile

    def to_json(self) -> dict[str, float]:
        """``{"value", "std", "lower", "upper"}`` as floats (NaN only for an undefined AUC)."""
        return {"value": self.value, "std": self.std, "lower": self.lower, "upper": self.upper}

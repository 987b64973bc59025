"""The run lifecycle every monitor shares.

A monitor (data quality, model quality, and the ones to come) is a :class:`Run` subclass that
holds its results, and a body that reads its window and computes them. :func:`execute` runs the
body and turns its end into a status: ``Completed`` or ``CompletedWithViolations``, or ``Failed``
with the reason (bad records counted, a bug named as an internal error, never raised), then
writes the run's files and its ``monitoring_run.json`` through one staged, atomic
:class:`~driftline._outputs.OutputFolder`.
"""

from driftline.runs._run import KeepPartialResults, Run, Status, execute

__all__ = ["KeepPartialResults", "Run", "Status", "execute"]

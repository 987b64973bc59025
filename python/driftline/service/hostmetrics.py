"""The host's CPU, memory and (when an NVIDIA GPU is present) GPU use, sampled by the scheduler
after each execution and stored beside the model's metrics (``host_cpu_percent``,
``host_memory_percent``, ``host_gpu_percent``, ``host_gpu_memory_percent``).

Linux's ``/proc/stat`` and ``/proc/meminfo`` are read directly (no dependency); the CPU share is
the busy share of all cores since the previous sample (the first sample covers the time since
boot). GPUs are read with ``nvidia-smi`` when it is on the PATH. On other systems the metrics that
cannot be read are left out.
"""

from __future__ import annotations

import shutil
import subprocess
import threading

__all__ = ["sample"]

_lock = threading.Lock()
_last: tuple[int, int] | None = None


def _cpu() -> float | None:
    global _last
    try:
        with open("/proc/stat", encoding="ascii") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    total = sum(fields[:8])
    with _lock:
        prev, _last = _last, (total, idle)
    if prev is not None and total > prev[0]:
        total, idle = total - prev[0], idle - prev[1]
    return 100.0 * (total - idle) / total if total else None


def _memory() -> float | None:
    info: dict[str, int] = {}
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                k, v = line.split(":", 1)
                info[k] = int(v.split()[0])
    except (OSError, ValueError):
        return None
    total, available = info.get("MemTotal"), info.get("MemAvailable")
    return 100.0 * (total - available) / total if total and available is not None else None


def _gpu() -> dict[str, float]:
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return {}
    try:
        out = subprocess.run([exe, "--query-gpu=utilization.gpu,memory.used,memory.total", "--format=csv,noheader,nounits"],
                             capture_output=True, text=True, timeout=5, check=True).stdout
        rows = [[float(x) for x in line.split(",")] for line in out.strip().splitlines() if line.strip()]
    except (OSError, subprocess.SubprocessError, ValueError):
        return {}
    if not rows:
        return {}
    return {"host_gpu_percent": sum(r[0] for r in rows) / len(rows),
            "host_gpu_memory_percent": 100.0 * sum(r[1] for r in rows) / max(sum(r[2] for r in rows), 1.0)}


def sample() -> dict[str, float]:
    """The host's current use, as metric name -> percent."""
    out: dict[str, float] = {}
    cpu, mem = _cpu(), _memory()
    if cpu is not None:
        out["host_cpu_percent"] = cpu
    if mem is not None:
        out["host_memory_percent"] = mem
    out.update(_gpu())
    return out

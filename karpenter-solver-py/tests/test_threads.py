"""Solving from many threads at once is safe, and the solve lets other threads run."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List

import pytest

import karpenter_solver as ks

from conftest import EXAMPLE, NODE_POOL, pod


def test_threaded_calls_agree(small_snapshot: Dict[str, Any]) -> None:
    inputs: List[Any] = [EXAMPLE, small_snapshot, ks.load_snapshot(EXAMPLE)] * 4
    serial = [ks.provision(i).to_json() for i in inputs]
    catalog = ks.Catalog.aws_default()
    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(lambda i: ks.provision(i, catalog).to_json(), inputs))
        errors = list(
            pool.map(
                lambda _: pytest.raises(ks.SnapshotError, ks.provision, [pod("x", cpu="?")]),
                range(8),
            )
        )
    assert threaded == serial
    assert all(e.value.name == "x" for e in errors)


def _many_pods(n: int) -> ks.Snapshot:
    items = [NODE_POOL] + [
        pod(f"p-{i}", cpu=f"{100 + (i * 37) % 1900}m", memory=f"{128 + (i * 53) % 4000}Mi")
        for i in range(n)
    ]
    return ks.load_snapshot(items)


def test_solve_releases_the_gil() -> None:
    # Find a snapshot whose solve is long enough to watch.
    n, seconds = 100, 0.0
    while True:
        snapshot = _many_pods(n)
        started = time.perf_counter()
        ks._karpenter_solver.provision(snapshot)
        seconds = time.perf_counter() - started
        if seconds >= 0.25 or n >= 12800:
            break
        n *= 2
    if seconds < 0.1:
        pytest.skip(f"solving {n} pods took only {seconds:.3f}s, too short to observe")

    window: List[float] = []
    done = threading.Event()

    def solve() -> None:
        window.append(time.perf_counter())
        ks._karpenter_solver.provision(snapshot)
        window.append(time.perf_counter())
        done.set()

    stamps: List[float] = []
    worker = threading.Thread(target=solve)
    worker.start()
    while not done.is_set():
        stamps.append(time.perf_counter())
        time.sleep(0.001)
    worker.join()
    start, end = window
    inside = [start] + [s for s in stamps if start <= s <= end] + [end]
    longest = max(b - a for a, b in zip(inside, inside[1:]))
    # Holding the GIL would stall this thread for the whole solve.
    assert longest < (end - start) / 2, (longest, end - start, len(inside))
    assert len(inside) > 10

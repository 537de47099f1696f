"""examples/python/quickstart.ipynb runs end to end; its chart is kept as target/artifacts/plan.png."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from conftest import REPO

NOTEBOOK = REPO / "examples" / "python" / "quickstart.ipynb"


def test_quickstart_notebook(tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    pytest.importorskip("pandas")
    pytest.importorskip("matplotlib")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    # Outputs are not committed: a notebook in the repository stays a clean source.
    assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code")
    nbclient.NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    ).execute()

    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    html = [o.data["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert any('class="karpenter-solver-plan"' in h for h in html)
    assert any("default/huge-0" in h for h in html)
    consolidation = [h for h in html if 'class="karpenter-solver-consolidation"' in h]
    assert len(consolidation) == 1
    assert "idle-1" in consolidation[0] and "Empty" in consolidation[0]
    pngs = [o.data["image/png"] for o in outputs if "image/png" in o.get("data", {})]
    assert len(pngs) == 1
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "Pod default bad-0 spec.containers[0].resources.requests.cpu" in printed
    assert "blocked pinned-1 - pod default/batch-0 has karpenter.sh/do-not-disrupt" in printed

    artifacts = Path(os.environ.get("KS_ARTIFACTS", REPO / "target" / "artifacts"))
    artifacts.mkdir(parents=True, exist_ok=True)
    (artifacts / "plan.png").write_bytes(base64.b64decode(pngs[0]))

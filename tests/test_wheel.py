"""A wheel built from the repository works on its own: queries/ and templates ship inside it."""

from __future__ import annotations

import site
import subprocess
import sys
import venv
from pathlib import Path

from conftest import REPO, write_input


def test_a_wheel_installed_in_a_fresh_venv_loads_logs(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(dist), str(REPO)],
        check=True,
    )
    wheel = next(dist.glob("auditor-*.whl"))
    env = tmp_path / "venv"
    venv.create(env, with_pip=False)
    python = env / "bin" / "python"
    target = Path(subprocess.check_output([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], text=True).strip())
    # The dependencies come from the test environment (no download); the package from the wheel.
    (target / "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)], check=True)

    logs = REPO / "sample_data" if (REPO / "sample_data" / "access_events.csv").exists() else write_input(tmp_path / "in")
    out = subprocess.run(
        [python, "-c", "import sys, auditor.cli; print(auditor.__file__, file=sys.stderr); auditor.cli.main()",
         "load", str(logs), "--db", str(tmp_path / "a.duckdb")],
        cwd=tmp_path, capture_output=True, text=True,
    )
    assert out.returncode == 0, out.stderr
    assert str(target) in out.stderr  # the installed copy ran, not the source tree
    assert (target / "auditor" / "queries" / "schema.sql").is_file()
    assert (target / "auditor" / "report_templates").is_dir()
    assert "access_events" in out.stdout

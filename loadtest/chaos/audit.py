"""``python -m loadtest.chaos.audit [--strict]`` (``make audit``): known vulnerabilities of
the pinned packages in ``constraints.txt``, via ``pip-audit`` and PyPI's JSON API.

Exit codes: 0 no known vulnerability; 1 a pinned package has one (the table says which
and the fixed versions); 2 the audit could not look the packages up (network, or versions
the vulnerability service does not know), with the reason. Without ``--strict`` (as
``make test`` runs it), 2 becomes a printed skip with the reason and exit 0.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def run_pip_audit(requirements: Path) -> dict[str, Any]:
    """pip-audit's JSON report of ``requirements`` (pinned, not installed: ``--no-deps``)."""
    exe = Path(sys.executable).parent / "pip-audit"
    cmd = [str(exe), "-r", str(requirements), "--no-deps", "--disable-pip"]
    cmd += ["--progress-spinner", "off", "-f", "json"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    try:
        report: dict[str, Any] = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise RuntimeError(
            f"pip-audit gave no report (exit {proc.returncode}): {proc.stderr.strip()[-800:]}"
        ) from None
    return report


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m loadtest.chaos.audit", description=__doc__)
    p.add_argument("--strict", action="store_true", help="fail when nothing could be audited")
    p.add_argument("--requirements", type=Path, default=REPO / "constraints.txt")
    args = p.parse_args(argv)
    try:
        report = run_pip_audit(args.requirements)
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        print(f"AUDIT NOT RUN: {exc}")
        return 2 if args.strict else 0
    deps = report.get("dependencies", [])
    skipped = [d for d in deps if "skip_reason" in d]
    audited = len(deps) - len(skipped)
    vulnerable = [d for d in deps if d.get("vulns")]
    for dep in vulnerable:
        for v in dep["vulns"]:
            fixed = ", ".join(v.get("fix_versions", [])) or "no fix yet"
            print(f"VULNERABLE {dep['name']}=={dep['version']}: {v['id']} (fixed in {fixed})")
    print(f"audited {audited} of {len(deps)} pinned packages; {len(vulnerable)} vulnerable")
    if vulnerable:
        return 1
    if skipped:
        reason = skipped[0]["skip_reason"]
        print(f"{len(skipped)} not audited, e.g. {skipped[0]['name']}: {reason}")
    if audited == 0:
        print(
            "AUDIT SKIPPED: the vulnerability service knows none of the pinned versions "
            "(PyPI's JSON API answers 404 for them, or is unreachable), so nothing was checked"
        )
        return 2 if args.strict else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())

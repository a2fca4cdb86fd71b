"""uvicorn entry for the benchmark: the same FastAPI app the domain's Lambda handler serves.

    cd <project>/backend/<domain> && LAMINA_BENCH_PROJECT=<project> python -m uvicorn \
        --app-dir /work/main/bench/dev asgi_entry:app

Puts the domain dir and the code layer (`backend/shared`) on sys.path, as the Lambda does, and
imports `app.main:app` (not `handler.py`: uvicorn speaks ASGI directly, no Mangum, no Powertools).
"""

import os
import sys

_project = os.environ.get("LAMINA_BENCH_PROJECT", os.path.dirname(os.path.dirname(os.getcwd())))
_domain_dir = os.getcwd()
sys.path[:0] = [_domain_dir, os.path.join(_project, "backend", "shared")]

from app.main import app  # noqa: E402

__all__ = ["app"]

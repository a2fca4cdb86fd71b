"""Writes one domain's OpenAPI document to a file: `python dump_openapi.py <out.json> <handler>`.

Run by `lamina openapi` in the dev venv with the domain's Lambda environment. It imports the
handler's module the way the Lambda runtime does (the function dir first on sys.path, then the
requirements, then the code layers), finds the FastAPI app in it and asks for `app.openapi()`.

The document goes to a file, not stdout: importing an app may print (Powertools logs to stdout).
On failure the traceback goes to stderr, whose last line lamina shows; exit status 3 means the
module imported but holds no FastAPI app.
"""

import importlib
import json
import os
import sys


def _find_app(module):
    """The FastAPI app of `module`: `app`, any FastAPI instance, or the app a Mangum handler wraps."""

    def is_app(value):
        return callable(getattr(value, "openapi", None)) and hasattr(value, "routes")

    candidate = getattr(module, "app", None)
    if is_app(candidate):
        return candidate
    values = list(vars(module).values())
    for value in values:
        if is_app(value):
            return value
    for value in values:
        inner = getattr(value, "app", None)
        if is_app(inner):
            return inner
    return None


def main():
    out_path, handler = sys.argv[1], sys.argv[2]
    paths = json.loads(os.environ.pop("LAMINA_OPENAPI_SYS_PATH"))
    first, layers = paths[0], paths[1:]
    sys.path.insert(0, first)
    sys.path.extend(layers)
    module_name = handler.rpartition(".")[0] or handler
    module = importlib.import_module(module_name)
    app = _find_app(module)
    if app is None:
        sys.stderr.write(
            f"LookupError: {module_name}.py has no FastAPI app (a global `app`, or a Mangum "
            "handler wrapping one)\n"
        )
        sys.exit(3)
    document = app.openapi()
    with open(out_path, "w", encoding="utf-8") as out:
        json.dump(document, out)


if __name__ == "__main__":
    main()

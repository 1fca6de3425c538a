#!/usr/bin/env python3
"""Checks the server's OpenAPI document (Sources/SentimentServer/Page/openapi.json).

(a) Validates it with openapi_spec_validator when that is importable; otherwise parses the JSON and checks
    that `openapi` is "3.1.0".
(b) Unless standard input is a terminal, reads "METHOD PATH" lines from it (the server's registered routes,
    path parameters as `{name}`, e.g. `GET /v1/predictions/{id}`; blank lines and `#` comments are skipped)
    and checks that the document's operations are exactly those: prints the differences and exits 1 when
    they differ. An empty input is a list of no routes.

Usage: python3 Tests/Packaging/check-openapi.py [DOCUMENT] < routes.txt
Exit status: 0 when valid (and the operations match), 1 when not, 2 on a usage error.
"""
import json
import os
import re
import sys

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
DEFAULT_DOCUMENT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "Sources", "SentimentServer", "Page", "openapi.json"))


def validate(document):
    """Returns a list of problems (empty when the document is valid)."""
    try:
        from openapi_spec_validator import validate as validate_spec
    except ImportError:
        validate_spec = None
    if validate_spec is not None:
        try:
            validate_spec(document)
        except Exception as error:  # the validator's error types differ between versions
            message = str(getattr(error, "message", None) or error).splitlines()[0]
            if len(message) > 300:
                message = message[:300] + "…"
            where = getattr(error, "json_path", None)
            return [f"not a valid OpenAPI document: {message}" + (f" (at {where})" if where else "")]
        return []
    print("check-openapi: openapi_spec_validator is not installed; checking the JSON and the version only",
          file=sys.stderr)
    if not isinstance(document, dict):
        return ["the document is not a JSON object"]
    if document.get("openapi") != "3.1.0":
        return [f'"openapi" is {document.get("openapi")!r}, not "3.1.0"']
    if not isinstance(document.get("paths"), dict):
        return ['no "paths" object']
    return []


def operations(document):
    """The document's operations as a set of "METHOD PATH" strings."""
    result = set()
    for path, item in (document.get("paths") or {}).items():
        for key in item or {}:
            if key.lower() in HTTP_METHODS:
                result.add(f"{key.upper()} {path}")
    return result


def parse_routes(lines):
    """"METHOD PATH" lines as a set of normalized strings; `:name` parameters become `{name}`."""
    routes, problems = set(), []
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 2 or not parts[1].startswith("/"):
            problems.append(f"line {number}: expected \"METHOD PATH\", got {line!r}")
            continue
        method, path = parts
        path = re.sub(r":([A-Za-z_][A-Za-z0-9_]*)", r"{\1}", path)
        routes.add(f"{method.upper()} {path}")
    return routes, problems


def main(argv):
    if len(argv) > 2 or (len(argv) == 2 and argv[1] in ("-h", "--help")):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    path = argv[1] if len(argv) == 2 else DEFAULT_DOCUMENT
    try:
        with open(path, encoding="utf-8") as f:
            document = json.load(f)
    except OSError as error:
        print(f"check-openapi: cannot read {path}: {error}", file=sys.stderr)
        return 2
    except ValueError as error:
        print(f"check-openapi: {path} is not JSON: {error}", file=sys.stderr)
        return 1

    problems = validate(document)
    for problem in problems:
        print(f"check-openapi: {problem}", file=sys.stderr)
    if problems:
        return 1

    if sys.stdin is None or sys.stdin.isatty():
        print(f"check-openapi: {path} is valid ({len(operations(document))} operations; no routes on standard input)")
        return 0

    routes, problems = parse_routes(sys.stdin)
    for problem in problems:
        print(f"check-openapi: {problem}", file=sys.stderr)
    documented = operations(document)
    missing = sorted(routes - documented, key=lambda r: (r.split()[1], r.split()[0]))
    extra = sorted(documented - routes, key=lambda r: (r.split()[1], r.split()[0]))
    for route in missing:
        print(f"served but not in the document: {route}")
    for route in extra:
        print(f"in the document but not served: {route}")
    if missing or extra or problems:
        return 1
    print(f"check-openapi: {path} is valid and documents exactly the {len(routes)} served routes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""GitHub's own OpenAPI schemas for the emulated operations, with the documented gap fixes.

The document is the project's copy, ``openapi/github-rest-subset.json`` beside this module (cut
from github/rest-api-description; ``openapi/README.md`` says where it comes from and how to
refresh it). Every request body the client sends and every response body the emulator answers
is validated with ``openapi-schema-validator``'s ``OAS30Validator`` against the operation's
schema, so the emulator cannot drift into a toy. ``$ref``s resolve against the document's
``components``.

The schemas reject some real GitHub traffic; :func:`load_document` repairs exactly the gaps
``openapi/README.md`` lists, each at one place with a comment.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from openapi_schema_validator import OAS30Validator, oas30_format_checker

# The project's own copy; openapi/README.md says where it comes from and how to refresh it.
DEFAULT_DOCUMENT = Path(__file__).resolve().parent / "openapi" / "github-rest-subset.json"

class Operation(NamedTuple):
    """One REST operation: method, path template and its compiled matcher."""

    op_id: str
    method: str
    template: str
    pattern: re.Pattern[str]


def _fix_nullable(node: Any) -> None:
    """Walk the document and repair the nullable shapes a validator cannot accept."""
    if isinstance(node, dict):
        # Gap 1: `state_reason` (and the same shape in issue-type `color`) is `nullable` but
        # its `enum` has no null, so a real `"state_reason": null` would be rejected.
        if node.get("nullable") and "enum" in node and None not in node["enum"]:
            node["enum"] = [*node["enum"], None]
        # Gap 2: `commit.author` / `committer` (and a few request fields such as `milestone`)
        # are a nullable `oneOf` without a `type`; OAS30 `nullable` only acts with `type`, so
        # null would match no branch. Add an explicit null branch.
        if node.get("nullable") and "oneOf" in node and "type" not in node:
            node["oneOf"] = [*node["oneOf"], {"enum": [None]}]
            del node["nullable"]
        for value in node.values():
            _fix_nullable(value)
    elif isinstance(node, list):
        for value in node:
            _fix_nullable(value)


def load_document(path: Path = DEFAULT_DOCUMENT) -> dict[str, Any]:
    """The subset document with the documented gap fixes applied."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc = copy.deepcopy(doc)
    _fix_nullable(doc)
    contents = doc["paths"]["/repos/{owner}/{repo}/contents/{path}"]
    # Gap 3: the 409 of PUT contents is a `oneOf` whose two branches both accept any object,
    # so no body matches exactly one of them; `anyOf` is what GitHub means.
    conflict = contents["put"]["responses"]["409"]["content"]["application/json"]["schema"]
    conflict["anyOf"] = conflict.pop("oneOf")
    # Gap 4: the contents `discriminator` maps "array", which a validator cannot apply to a
    # list (a directory listing is a JSON array); the `oneOf` alone decides.
    get_schema = contents["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    get_schema.pop("discriminator", None)
    schemas = doc["components"]["schemas"]
    # Gap 5: a label in `pull-request-simple` declares `description` a plain string, but
    # GitHub sends null for a label created without one (the `label` schema allows it).
    schemas["pull-request-simple"]["properties"]["labels"]["items"]["properties"][
        "description"]["nullable"] = True
    # Gap 6: PUT issue labels (set labels) only allows an object with a non-empty `labels`
    # array, while the operation's own description, GitHub and PyGithub's `set_labels` (which
    # sends a bare array) also use an array of names, a single name, and an empty array that
    # removes every label. `anyOf`, because `{}` matches both object branches.
    labels = doc["paths"]["/repos/{owner}/{repo}/issues/{issue_number}/labels"]
    body = labels["put"]["requestBody"]["content"]["application/json"]["schema"]
    objects = body.pop("oneOf")
    for branch in objects:
        branch["properties"]["labels"].pop("minItems", None)
    names = objects[0]["properties"]["labels"]
    named = objects[1]["properties"]["labels"]
    body["anyOf"] = [*objects, names, named, {"type": "string"}]
    # Not a schema fix but an emulator rule: `issue-search-result-item.body` is not nullable
    # because GitHub leaves `body` out of a search result when it is null (see documents.py).
    return doc


def _compile(template: str) -> re.Pattern[str]:
    """Regex of a path template; `{ref}`, `{path}`, `{name}` may hold encoded characters."""
    parts = []
    for piece in re.split(r"(\{[^}]+\})", template):
        if piece.startswith("{"):
            name = piece[1:-1]
            greedy = name in ("ref", "path")
            parts.append(f"(?P<{name}>.+)" if greedy else f"(?P<{name}>[^/]+)")
        else:
            parts.append(re.escape(piece))
    return re.compile("^" + "".join(parts) + "$")


class ValidationProblem(NamedTuple):
    """A body that does not match GitHub's schema."""

    op_id: str
    where: str  # "request" or "response 201"
    message: str


class SchemaBook:
    """Validators for every emulated operation, built lazily and cached."""

    def __init__(self, path: Path = DEFAULT_DOCUMENT) -> None:
        self.doc = load_document(path)
        self.components = self.doc["components"]
        self.operations: list[Operation] = []
        self._requests: dict[str, Any] = {}
        self._responses: dict[tuple[str, str], Any] = {}
        for template, ops in self.doc["paths"].items():
            for method, op in ops.items():
                if method not in ("get", "post", "put", "patch", "delete"):
                    continue
                op_id = op["operationId"]
                self.operations.append(Operation(op_id, method.upper(), template,
                                                 _compile(template)))
                body = op.get("requestBody", {}).get("content", {}).get("application/json")
                if body:
                    self._requests[op_id] = body["schema"]
                for status, response in op.get("responses", {}).items():
                    if "$ref" in response:
                        response = self.components["responses"][response["$ref"].split("/")[-1]]
                    schema = response.get("content", {}).get("application/json", {})
                    if "schema" in schema:
                        self._responses[(op_id, status)] = schema["schema"]
        # Longer, more specific templates first (`/issues/{n}/comments` before `/issues/{n}`).
        self.operations.sort(key=lambda o: -len(o.template))
        self._validators: dict[int, OAS30Validator] = {}

    def match(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        """The operation serving ``method path`` (path still percent-encoded) and its params."""
        for op in self.operations:
            if op.method == method:
                m = op.pattern.match(path)
                if m:
                    return op, m.groupdict()
        return None

    def has_response_schema(self, op_id: str, status: int) -> bool:
        """Whether GitHub documents a JSON body for this status of the operation."""
        return (op_id, str(status)) in self._responses

    def _validator(self, schema: Any) -> OAS30Validator:
        key = id(schema)
        if key not in self._validators:
            root = {**schema, "components": self.components}
            self._validators[key] = OAS30Validator(root, format_checker=oas30_format_checker)
        return self._validators[key]

    def _problems(self, op_id: str, where: str, schema: Any,
                  body: Any) -> Iterator[ValidationProblem]:
        for error in self._validator(schema).iter_errors(body):
            location = "/".join(str(p) for p in error.absolute_path) or "<root>"
            yield ValidationProblem(op_id, where, f"{location}: {error.message[:300]}")

    def check_request(self, op_id: str, body: Any) -> list[ValidationProblem]:
        """Problems of a request body (none when the operation takes no body)."""
        schema = self._requests.get(op_id)
        if schema is None:
            return []
        return list(self._problems(op_id, "request", schema, body))

    def check_response(self, op_id: str, status: int, body: Any) -> list[ValidationProblem]:
        """Problems of a response body; a status GitHub documents without a body has none."""
        schema = self._responses.get((op_id, str(status)))
        if schema is None:
            return []
        return list(self._problems(op_id, f"response {status}", schema, body))

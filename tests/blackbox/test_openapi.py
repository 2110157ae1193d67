"""The OpenAPI document of the REST API (src/web/openapi.json): it parses, every $ref in it
resolves, it has every endpoint of docs/api.md's tables, and `weir webserver` serves the
same document at /api/v1/openapi.json without a login."""

import json
import os
import re
import urllib.request
import unittest

from harness import WeirTestCase

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OPENAPI = os.path.join(ROOT, "src", "web", "openapi.json")
API_DOC = os.path.join(ROOT, "docs", "api.md")
METHODS = ("get", "post", "put", "patch", "delete")


def load(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def route_is_served():
    """Whether api.cc serves the document yet (another change adds the route)."""
    try:
        return "OpenApiDocument" in load(os.path.join(ROOT, "src", "web", "api.cc"))
    except OSError:
        return False


def normalized(path):
    """/dags/{dag_id}/source[?version=N] -> /dags/{}/source: no query, parameters unnamed."""
    path = re.sub(r"\[.*?\]", "", path).split("?", 1)[0]
    return re.sub(r"\{[^}]*\}", "{}", path.rstrip("/") or "/")


def documented_endpoints():
    """(METHOD, path) of every `| `GET /x` |` row of docs/api.md's tables."""
    rows = re.findall(r"^\|\s*`(GET|POST|PUT|PATCH|DELETE) (/[^`]*)`\s*\|", load(API_DOC),
                      re.MULTILINE)
    return {(method, normalized(path)) for method, path in rows}


def refs(node):
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def resolve(doc, ref):
    if not ref.startswith("#/"):
        raise KeyError(ref)
    node = doc
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


class OpenApiDocumentTest(unittest.TestCase):

    def setUp(self):
        self.doc = json.loads(load(OPENAPI))

    def test_it_is_openapi_3(self):
        self.assertEqual(self.doc["openapi"], "3.0.3")
        self.assertEqual(self.doc["info"]["title"], "weir REST API")
        self.assertEqual(self.doc["servers"], [{"url": "/api/v1"}])
        schemes = self.doc["components"]["securitySchemes"]
        cookie = schemes["cookieAuth"]
        self.assertEqual((cookie["type"], cookie["in"], cookie["name"]),
                         ("apiKey", "cookie", "weir_session"))
        self.assertEqual(schemes["bearerAuth"]["type"], "http")
        self.assertEqual(schemes["bearerAuth"]["scheme"], "bearer")
        self.assertEqual(self.doc["security"], [{"cookieAuth": []}, {"bearerAuth": []}])
        for path, method in (("/health", "get"), ("/auth/login", "post"),
                             ("/openapi.json", "get")):
            self.assertEqual(self.doc["paths"][path][method].get("security"), [],
                             f"{method.upper()} {path} needs no login")

    def test_every_ref_resolves(self):
        found = list(refs(self.doc))
        self.assertGreater(len(found), 50)
        unresolved = []
        for ref in found:
            try:
                resolve(self.doc, ref)
            except (KeyError, TypeError):
                unresolved.append(ref)
        self.assertEqual(unresolved, [])

    def test_every_documented_endpoint_is_in_it(self):
        documented = documented_endpoints()
        self.assertGreater(len(documented), 20, "docs/api.md's endpoint tables were not found")
        described = {(method.upper(), normalized(path))
                     for path, item in self.doc["paths"].items()
                     for method in item if method in METHODS}
        self.assertEqual(sorted(documented - described), [],
                         "endpoints of docs/api.md missing from src/web/openapi.json")

    def test_every_error_response_is_an_error(self):
        for path, item in self.doc["paths"].items():
            for method, op in item.items():
                if method not in METHODS:
                    continue
                self.assertIn("200", op["responses"], f"{method} {path}")
                for status, response in op["responses"].items():
                    if status.startswith(("4", "5")):
                        response = resolve(self.doc, response["$ref"]) \
                            if "$ref" in response else response
                        self.assertEqual(
                            response["content"]["application/json"]["schema"],
                            {"$ref": "#/components/schemas/Error"}, f"{status} of {method} {path}")

    def test_it_is_a_valid_openapi_document(self):
        try:
            from openapi_spec_validator import validate
        except ImportError:
            self.skipTest("openapi-spec-validator is not installed")
        validate(self.doc)


class OpenApiServedTest(WeirTestCase):

    @unittest.skipUnless(route_is_served(), "src/web/api.cc does not serve OpenApiDocument() yet")
    def test_the_webserver_serves_it_without_login(self):
        proc = self.start("webserver", "--port", "0")
        port = re.search(r"http://127\.0\.0\.1:(\d+)/api/v1", proc.startup_output)
        self.assertIsNotNone(port, proc.startup_output)
        url = f"http://127.0.0.1:{port.group(1)}/api/v1/openapi.json"
        with urllib.request.urlopen(url, timeout=10) as r:
            self.assertEqual(r.status, 200)
            served = json.load(r)
        self.assertEqual(served, json.loads(load(OPENAPI)))


if __name__ == "__main__":
    unittest.main()

"""The stand-in's WSGI application: Centra's conventions around `POST /graphql`.

Bearer token (or the `graphql-access` cookie, [AUTH]), the three token buckets with `429` and
`Retry-After` ([RL]), injected faults, userErrors inside HTTP 200 answers, `extensions.complexity`
and `extensions.permissionsUsed`, a request log. The control API under `/_centra/` bypasses all
of it.
"""

import contextlib
import json
import socket
import time
from email.utils import formatdate

from graphql import GraphQLError, execute_sync, parse, validate
from werkzeug.wrappers import Request, Response

from connectors.centra.sandbox import control, graph, presets
from connectors.centra.sandbox.faults import COMMIT_THEN_DROP, DROP, INJECTED, Faults
from connectors.centra.sandbox.ratelimit import RateLimits
from connectors.centra.sandbox.requestlog import RequestLog
from connectors.centra.sandbox.state import CentraState
from connectors.centra.sandbox.webhooks import Webhooks, event

APP_VERSION = "stand-in"


def json_response(body, status: int = 200, headers: dict | None = None) -> Response:
    return Response(
        json.dumps(body), status=status, headers=headers or {}, mimetype="application/json"
    )


def graphql_errors(message: str, status: int, headers=None, **extensions) -> Response:
    error = {"message": message}
    if extensions:
        error["extensions"] = extensions
    return json_response({"errors": [error]}, status, headers)


class CentraApp:
    def __init__(self, *, token: str = "centra-token", base_url: str = ""):
        self.token = token
        self.base_url = base_url
        self.state = CentraState()
        presets.seed(self.state)
        self.schema = graph.build_executable_schema()
        self.webhooks = Webhooks()
        self.log = RequestLog()
        self.limits = RateLimits()
        self.faults = Faults()

    def reset(self) -> None:
        with self.state.lock:
            presets.seed(self.state)
        self.webhooks.reset()
        self.faults = Faults()
        self.limits.configure(None)
        self.log.clear()

    def set_faults(self, faults: Faults) -> None:
        self.limits.configure(faults.quotas())  # raises on a bad figure before anything changes
        self.faults = faults

    def notify(self, notices: dict[int, str]) -> None:
        self.webhooks.send([event(action, number) for number, action in notices.items()])

    # --- WSGI ----------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        request = Request(environ)
        if request.path.startswith("/_centra/"):
            return control.dispatch(self, request)(environ, start_response)
        started = time.perf_counter()
        entry = {"method": request.method, "path": request.path, "operations": []}
        response, fault = self.handle(request, entry)
        entry.update(
            status=response.status_code if fault not in (DROP, COMMIT_THEN_DROP) else 0,
            fault=fault,
            durationMs=round((time.perf_counter() - started) * 1000, 3),
        )
        if request.path == "/graphql":
            self.log.record(entry)
        if fault in (DROP, COMMIT_THEN_DROP):
            _drop_connection(environ)
            start_response("200 OK", [])
            return []
        return response(environ, start_response)

    def handle(self, request: Request, entry: dict) -> tuple[Response, str | None]:
        if request.path != "/graphql":
            return graphql_errors(f"No route for {request.path}", 404), None
        if request.method != "POST":
            return graphql_errors("Use POST", 405), None
        if not self._authorised(request):
            # UNCERTAIN: Centra's exact answer to a missing or wrong token (401 with a GraphQL
            # error body here; a missing permission answers `category: authorization`, [AUTH]).
            return graphql_errors("Unauthorized", 401, category="authentication"), None
        faults = self.faults
        if faults.latency_ms and faults.applies(request.method, request.path):
            time.sleep(faults.latency_ms / 1000)
        try:
            body = json.loads(request.get_data() or b"null")
        except ValueError:
            return graphql_errors("The request body is not valid JSON", 400), None
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return graphql_errors("The request must carry a `query` string", 400), None
        variables = body.get("variables") or {}
        if not isinstance(variables, dict):
            return graphql_errors("`variables` must be an object", 400), None
        entry.update(query=body["query"], variables=variables)
        try:
            document = parse(body["query"])
        except GraphQLError as exc:
            return self._invalid([exc])
        errors = validate(self.schema, document)
        if errors:
            return self._invalid(errors)
        operation = graph.operation_of(document, body.get("operationName"))
        if operation is None:
            return self._invalid([GraphQLError("Must provide a known operation name.")])
        fields = graph.root_fields(document, operation)
        entry["operations"] = fields
        planned = faults.planned(request.method, request.path, fields)
        forced = {}
        if planned is not None:
            if planned.get("drop"):
                return Response(b""), DROP
            if planned.get("userErrors"):
                names = [planned["operation"]] if planned.get("operation") else fields
                forced = dict.fromkeys(names, planned["userErrors"])
            else:
                status = int(planned.get("status", 503))
                if status == 429:
                    return self._too_many(float(planned.get("retryAfterSeconds", 2))), INJECTED
                return graphql_errors("Injected failure", status), INJECTED
        status = faults.random_error(request.method, request.path)
        if status:
            if status == 429:
                return self._too_many(2.0), INJECTED
            return graphql_errors("Injected failure", status), INJECTED
        mutation = graph.is_mutation(operation)
        cost = graph.complexity(document, operation, variables)
        wait = self.limits.take(
            {
                "REQUEST_COUNT": 1,
                "QUERY_COMPLEXITY": cost,
                "MUTATION_COUNT": len(fields) if mutation else 0,
            }
        )
        if wait:
            return self._too_many(wait), None
        context = graph.Context(self, forced)
        with self.state.lock:
            result = execute_sync(
                self.schema,
                document,
                context_value=context,
                variable_values=variables,
                operation_name=body.get("operationName"),
                field_resolver=graph.default_field_resolver,
            )
        self.notify(context.notices)
        answer = {"data": result.data}
        if result.errors:
            answer["errors"] = [error.formatted for error in result.errors]
        answer["extensions"] = {
            "complexity": cost,
            "permissionsUsed": graph.permissions(fields),
            "appVersion": APP_VERSION,
        }
        response = json_response(answer)
        if mutation and faults.drops_after_commit(request.method, request.path):
            return response, COMMIT_THEN_DROP
        return response, INJECTED if forced else None

    def _authorised(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "bearer" and token == self.token:
            return True
        return request.cookies.get("graphql-access") == self.token

    def _invalid(self, errors) -> tuple[Response, None]:
        """A document that does not parse or validate still costs a request."""
        wait = self.limits.take({"REQUEST_COUNT": 1})
        if wait:
            return self._too_many(wait), None
        return json_response({"errors": [error.formatted for error in errors]}), None

    def _too_many(self, wait: float) -> Response:
        """[RL]: `429 Too Many Requests` with `Retry-After` "that points at a timestamp at which
        it is possible to try again". UNCERTAIN: its format; the control API picks one."""
        at = time.time() + wait
        style = self.faults.retry_after
        if style == "seconds":
            value = str(max(1, int(wait + 0.999)))
        elif style == "http-date":
            value = formatdate(at + 0.999, usegmt=True)
        else:
            value = str(int(at + 0.999))
        return graphql_errors("Too Many Requests", 429, {"Retry-After": value})


def _drop_connection(environ) -> None:
    sock = environ.get("werkzeug.socket")
    if sock is None:
        return
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)

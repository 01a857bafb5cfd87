"""API Gateway REST → Lambda proxy on 127.0.0.1: the API's routes as deployed in the emulator
(resources, methods, AWS_PROXY integrations), v1 proxy events (path and query parameters,
headers, body, requestContext with the route template), SigV4 checked for AWS_IAM methods,
bodies validated against the method's model where its request validator says so (after
authorization, before the function, as API Gateway does), and API Gateway's answers when the
integration fails."""

from __future__ import annotations

import base64
import hmac
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from jsonschema import Draft4Validator

from pulumi_wasp.localcloud.deploy.registry import Api
from pulumi_wasp.localcloud.emulator import CREDENTIALS
from pulumi_wasp.localcloud.runtime.threads import call_within, join_until

if TYPE_CHECKING:
    from pulumi_wasp.localcloud.runtime.ports import RuntimePort

_FUNCTION_IN_URI = re.compile(r"functions/(arn:aws:lambda:[^/]+)/invocations")
#: The content type API Gateway selects a request model by when a request names none.
_DEFAULT_CONTENT_TYPE = "application/json"
#: API Gateway's built-in "Empty" model: what a method whose validator checks bodies but names no model validates.
_EMPTY_MODEL = {"$schema": "http://json-schema.org/draft-04/schema#", "title": "Empty Schema", "type": "object"}
#: SigV4 requests older (or newer) than this are refused, as API Gateway does.
SIGNATURE_SKEW_SECONDS = 300


@dataclass(frozen=True)
class Route:
    resource_id: str
    template: str
    method: str
    function_arn: str
    authorization: str
    #: Content type → the schema the body must conform to (the method's models, when its validator checks bodies).
    body_models: dict[str, Draft4Validator] | None = None

    def accepts_body(self, content_type: str | None, body: bytes) -> bool:
        """Whether API Gateway lets ``body`` through to the function (else: 400 "Invalid request body"). A content
        type without a model passes through; an empty body is validated as an empty object, as API Gateway does."""
        if self.body_models is None:
            return True
        media = (content_type or _DEFAULT_CONTENT_TYPE).split(";")[0].strip().lower()
        validator = self.body_models.get(media)
        if validator is None:
            return True
        try:
            document = json.loads(body) if body.strip() else {}
        except ValueError:
            return False
        return bool(validator.is_valid(document))

    @property
    def segments(self) -> list[str]:
        return [s for s in self.template.split("/") if s]

    def match(self, path: str) -> dict[str, str] | None:
        """Path parameters when ``path`` fits the template (``{name}`` one segment, ``{name+}`` the rest)."""
        parts = [s for s in path.split("/") if s]
        parameters: dict[str, str] = {}
        for index, segment in enumerate(self.segments):
            if segment.startswith("{") and segment.endswith("+}"):
                if index >= len(parts):
                    return None
                parameters[segment[1:-2]] = "/".join(parts[index:])
                return parameters
            if index >= len(parts):
                return None
            if segment.startswith("{"):
                parameters[segment[1:-1]] = parts[index]
            elif segment != parts[index]:
                return None
        return parameters if len(parts) == len(self.segments) else None

    @property
    def specificity(self) -> tuple[int, int]:
        """Literal segments beat parameters, which beat greedy ones (API Gateway's precedence)."""
        return (sum(not s.startswith("{") for s in self.segments), -sum(s.endswith("+}") for s in self.segments))


class GatewayError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


class Gateway:
    """The stage(s) of one REST API, served on the loopback port the deploy reserved for it."""

    def __init__(self, runtime: RuntimePort, api: Api) -> None:
        self._runtime = runtime
        self.api = api
        self.routes: list[Route] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return self.api.base_url

    def start(self) -> None:
        self.routes = self._load_routes()
        server = ThreadingHTTPServer(self.api.listener.getsockname()[:2], _handler(self), bind_and_activate=False)
        server.socket.close()
        server.socket = self.api.listener
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"gateway-{self.api.id}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Accept no more requests (the serving loop polls every 50 ms); requests in flight end
        when their function is closed (their handler threads are daemons, never waited for)."""
        if self._server is not None:
            call_within(self._server.shutdown, 2.0, f"gateway {self.api.id} shutdown")
            self._server.server_close()
            self._server = None

    def join(self, deadline: float) -> list[str]:
        return join_until([self._thread] if self._thread else [], deadline)

    def _load_routes(self) -> list[Route]:
        client = self._runtime.emulator.client("apigateway")
        validates_body = {
            v["id"]: bool(v.get("validateRequestBody"))
            for v in client.get_request_validators(restApiId=self.api.id).get("items", [])
        }
        schemas = {
            "Empty": Draft4Validator(_EMPTY_MODEL),
            **{
                m["name"]: Draft4Validator(json.loads(m["schema"]))
                for m in client.get_models(restApiId=self.api.id).get("items", [])
                if m.get("schema")
            },
        }
        routes = []
        for page in client.get_paginator("get_resources").paginate(restApiId=self.api.id, embed=["methods"]):
            for resource in page["items"]:
                for method, spec in resource.get("resourceMethods", {}).items():
                    integration = spec.get("methodIntegration", {})
                    found = _FUNCTION_IN_URI.search(integration.get("uri", ""))
                    if integration.get("type") == "AWS_PROXY" and found:
                        models = None
                        if validates_body.get(spec.get("requestValidatorId") or ""):
                            named = spec.get("requestModels") or {_DEFAULT_CONTENT_TYPE: "Empty"}
                            models = {media.lower(): schemas[name] for media, name in named.items()}
                        routes.append(
                            Route(
                                resource["id"],
                                resource["path"],
                                method,
                                found[1],
                                spec.get("authorizationType", "NONE"),
                                models,
                            )
                        )
        return sorted(routes, key=lambda r: r.specificity, reverse=True)

    def handle(
        self, method: str, raw_path: str, headers: dict[str, list[str]], body: bytes, source_ip: str
    ) -> tuple[int, dict[str, list[str]], bytes]:
        request_id = str(uuid.uuid4())
        common = {
            "x-amzn-RequestId": [request_id],
            "x-amz-apigw-id": [base64.b64encode(uuid.uuid4().bytes)[:16].decode()],
        }
        try:
            status, response_headers, response_body = self._proxy(
                method, raw_path, headers, body, source_ip, request_id
            )
        except GatewayError as answer:
            payload = json.dumps({"message": answer.message}).encode()
            extra = {k: [v] for k, v in answer.headers.items()}
            return (
                answer.status,
                {
                    **common,
                    "Content-Type": ["application/json"],
                    "x-amzn-ErrorType": [_error_type(answer.status)],
                    **extra,
                },
                payload,
            )
        return status, {**common, **response_headers}, response_body

    def _proxy(
        self, method: str, raw_path: str, headers: dict[str, list[str]], body: bytes, source_ip: str, request_id: str
    ) -> tuple[int, dict[str, list[str]], bytes]:
        url = urlsplit(raw_path)
        stage, _, rest = url.path.lstrip("/").partition("/")
        if stage not in self.api.stages:
            raise GatewayError(403, "Forbidden")
        path = "/" + rest
        candidates = [(r, p) for r in self.routes if (p := r.match(path)) is not None]
        chosen = [(r, p) for r, p in candidates if r.method in (method, "ANY")]
        if not chosen:
            raise GatewayError(403, "Missing Authentication Token")
        route, parameters = chosen[0]
        identity = self._identity(route, method, raw_path, headers, body, source_ip)
        if not route.accepts_body(_first(headers, "content-type"), body):
            raise GatewayError(400, "Invalid request body")
        event = self._event(route, method, path, url.query, headers, body, parameters, stage, request_id, identity)
        emulator = self._runtime.emulator
        source = f"arn:aws:execute-api:{emulator.region}:{emulator.account_id}:{self.api.id}/{stage}/{method}{path}"
        try:  # API Gateway may invoke the function only if its policy lets it (AWS answers 500 otherwise)
            emulator.authorize_delivery(source, {"Arn": route.function_arn})
        except ClientError as denied:
            raise GatewayError(500, "Internal server error") from denied
        function = self._runtime.function(route.function_arn)
        # An integration on an alias invokes through it: the version its weights route this request to.
        version = self._runtime.version_of(route.function_arn)
        invocation = function.invoke(event, version=version, invoked_arn=route.function_arn)
        if invocation.status == 429:
            raise GatewayError(429, "Too Many Requests")
        if invocation.failed:
            if invocation.error.get("errorType") == "Sandbox.Timedout":
                raise GatewayError(504, "Endpoint request timed out")
            raise GatewayError(502, "Internal server error")
        return _proxy_response(invocation.result)

    def _identity(
        self, route: Route, method: str, raw_path: str, headers: dict[str, list[str]], body: bytes, source_ip: str
    ) -> dict[str, Any]:
        user_agent = _first(headers, "user-agent")
        identity: dict[str, Any] = {
            "cognitoIdentityPoolId": None,
            "accountId": None,
            "cognitoIdentityId": None,
            "caller": None,
            "sourceIp": source_ip,
            "principalOrgId": None,
            "accessKey": None,
            "cognitoAuthenticationType": None,
            "cognitoAuthenticationProvider": None,
            "userArn": None,
            "userAgent": user_agent,
            "user": None,
        }
        if route.authorization == "AWS_IAM":
            url = f"http://{_first(headers, 'host')}{raw_path}"
            access_key = verify_sigv4(method, url, headers, body, self._runtime.emulator.region)
            account = self._runtime.emulator.account_id
            identity.update(
                accessKey=access_key,
                accountId=account,
                caller=access_key,
                user=access_key,
                userArn=f"arn:aws:iam::{account}:user/{access_key}",
            )
        return identity

    def _event(
        self,
        route: Route,
        method: str,
        path: str,
        query: str,
        headers: dict[str, list[str]],
        body: bytes,
        parameters: dict[str, str],
        stage: str,
        request_id: str,
        identity: dict[str, Any],
    ) -> dict[str, Any]:
        """API Gateway's v1 (REST) proxy event."""
        pairs = parse_qsl(query, keep_blank_values=True)
        multi_query: dict[str, list[str]] = {}
        for key, value in pairs:
            multi_query.setdefault(key, []).append(value)
        now = datetime.now(UTC)
        return {
            "resource": route.template,
            "path": path,
            "httpMethod": method,
            "headers": {k: v[-1] for k, v in headers.items()} or None,
            "multiValueHeaders": headers or None,
            "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": parameters or None,
            "stageVariables": None,
            "requestContext": {
                "resourceId": route.resource_id,
                "resourcePath": route.template,
                "httpMethod": method,
                "extendedRequestId": request_id,
                "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
                "path": f"/{stage}{path}",
                "accountId": self._runtime.emulator.account_id,
                "protocol": "HTTP/1.1",
                "stage": stage,
                "domainPrefix": self.api.id,
                "requestTimeEpoch": int(now.timestamp() * 1000),
                "requestId": request_id,
                "identity": identity,
                "domainName": _first(headers, "host"),
                "apiId": self.api.id,
            },
            "body": body.decode("utf-8", errors="replace") if body else None,
            "isBase64Encoded": False,
        }


def _first(headers: dict[str, list[str]], name: str) -> str | None:
    for key, values in headers.items():
        if key.lower() == name:
            return values[0]
    return None


def _error_type(status: int) -> str:
    return {403: "MissingAuthenticationTokenException", 429: "TooManyRequestsException", 504: "IntegrationTimeout"}.get(
        status, "InternalServerErrorException"
    )


def _proxy_response(result: Any) -> tuple[int, dict[str, list[str]], bytes]:
    """The function's proxy response as HTTP; anything malformed is API Gateway's 502."""
    if not isinstance(result, dict) or not isinstance(result.get("statusCode"), int):
        raise GatewayError(502, "Internal server error")
    headers: dict[str, list[str]] = {k: [str(v)] for k, v in (result.get("headers") or {}).items()}
    for key, values in (result.get("multiValueHeaders") or {}).items():
        headers.setdefault(key, []).extend(str(v) for v in values if str(v) not in headers.get(key, []))
    body = result.get("body") or ""
    if not isinstance(body, str):
        raise GatewayError(502, "Internal server error")
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    if not any(k.lower() == "content-type" for k in headers):
        headers["Content-Type"] = ["application/json"]
    return result["statusCode"], headers, raw


def verify_sigv4(method: str, url: str, headers: dict[str, list[str]], body: bytes, region: str) -> str:
    """The access key of a valid SigV4 signature over the request, made with the local
    credentials and scoped to the API's ``region``; API Gateway's 403 otherwise."""
    authorization = _first(headers, "authorization") or ""
    if not authorization.startswith("AWS4-HMAC-SHA256 "):
        raise GatewayError(403, "Missing Authentication Token")
    try:
        fields = dict(part.strip().split("=", 1) for part in authorization.removeprefix("AWS4-HMAC-SHA256 ").split(","))
        access_key, _, scope_region, service, _ = fields["Credential"].split("/")
        signed = fields["SignedHeaders"].split(";")
        stamp = _first(headers, "x-amz-date") or ""
        signed_at = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except (KeyError, ValueError):
        raise GatewayError(
            403, "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders'."
        ) from None
    if access_key != CREDENTIALS["AWS_ACCESS_KEY_ID"]:
        raise GatewayError(403, "The security token included in the request is invalid.")
    if scope_region != region:
        raise GatewayError(403, f"Credential should be scoped to a valid region, not '{scope_region}'.")
    if abs(time.time() - signed_at.timestamp()) > SIGNATURE_SKEW_SECONDS:
        raise GatewayError(403, "Signature expired: the request time is more than 5 minutes from now.")
    request = AWSRequest(method=method, url=url, data=body, headers={h: _first(headers, h) or "" for h in signed})
    request.context["timestamp"] = stamp
    credentials = Credentials(access_key, CREDENTIALS["AWS_SECRET_ACCESS_KEY"], _first(headers, "x-amz-security-token"))
    signer = SigV4Auth(credentials, service, region)
    expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
    if not hmac.compare_digest(expected, fields.get("Signature", "")):
        raise GatewayError(403, "The request signature we calculated does not match the signature you provided.")
    return access_key


def _handler(gateway: Gateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers: dict[str, list[str]] = {}
            for key, value in self.headers.items():
                headers.setdefault(key, []).append(value)
            status, response_headers, payload = gateway.handle(
                self.command, self.path, headers, body, self.client_address[0]
            )
            self.send_response(status)
            for key, values in response_headers.items():
                if key.lower() != "content-length":
                    for value in values:
                        self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve  # noqa: N815

        def log_message(self, format: str, *args: Any) -> None:
            """Requests are not logged to the terminal (functions log them)."""

    return Handler

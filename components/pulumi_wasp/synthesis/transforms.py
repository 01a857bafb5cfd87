"""Resource and invoke transforms, applied as the Pulumi engine applies them.

The SDK sends a transform as a callback reference (a token on the program's callback server); Pulumi's
MockMonitor records it and never runs it, so without this module a program's transforms would be
silently ignored offline. The engine runs, for every resource registration, the resource's own
transforms, then each ancestor's own transforms from the parent up to the stack, then the stack
transforms in the order they were registered; each transform sees the props and options the previous
one returned, and one that returns None leaves both as they were. An invoke goes through the stack
invoke transforms in registration order. Only props and options can change: type, name, parent and
custom are the resource's identity.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from google.protobuf import struct_pb2
from google.protobuf.message import Message
from pulumi.runtime.proto import alias_pb2, callback_pb2, resource_pb2

from pulumi_wasp.adapters.pulumi import callback_name, invoke_callback
from pulumi_wasp.synthesis.errors import ProgramError

# The builtin read of a resource already registered: the engine's own invoke, not the program's.
GET_RESOURCE = "pulumi:pulumi:getResource"


class TransformError(ProgramError):
    """A transform raised, or changed what the engine cannot honour offline."""


class TransformEngine:
    """The transforms of one program run: each resource's own ones by URN, and the stack's."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._own: dict[str, list[callback_pb2.Callback]] = {}
        self._parents: dict[str, str] = {}
        self._stack: list[callback_pb2.Callback] = []
        self._invoke: list[callback_pb2.Callback] = []

    def register_stack(self, callback: callback_pb2.Callback) -> None:
        """A stack transform: it applies to every resource registered from now on."""
        with self._lock:
            self._stack.append(callback)

    def register_stack_invoke(self, callback: callback_pb2.Callback) -> None:
        """A stack invoke transform: it applies to every invoke made from now on."""
        with self._lock:
            self._invoke.append(callback)

    def resource(self, request: resource_pb2.RegisterResourceRequest, urn: str) -> resource_pb2.RegisterResourceRequest:
        """The registration as the engine goes on with it: transformed, its own transforms consumed.

        Returns ``request`` itself when no transform applies.
        """
        own = list(request.transforms)
        with self._lock:
            self._own[urn] = own
            self._parents[urn] = request.parent
            chain = list(own)
            ancestor = request.parent
            while ancestor:
                chain.extend(self._own.get(ancestor, ()))
                ancestor = self._parents.get(ancestor, "")
            chain.extend(self._stack)
        if not chain:
            return request
        props = struct_pb2.Struct()
        props.CopyFrom(request.object)
        opts = _options(request)
        for callback in chain:
            response = resource_pb2.TransformResponse.FromString(
                self._call(
                    callback,
                    resource_pb2.TransformRequest(
                        type=request.type,
                        name=request.name,
                        custom=request.custom,
                        parent=request.parent,
                        properties=props,
                        options=opts,
                    ),
                    lambda: f"resource {request.type} {request.name!r} ({urn})",
                )
            )
            if response.HasField("properties"):
                props = response.properties
            if response.HasField("options"):
                opts = response.options
        return _transformed(request, urn, props, opts, reparse_dependencies=bool(own))

    def invoke(self, request: resource_pb2.ResourceInvokeRequest) -> resource_pb2.ResourceInvokeRequest:
        """The invoke as the engine goes on with it (``request`` itself when no transform applies)."""
        with self._lock:
            chain = list(self._invoke)
        if not chain or request.tok == GET_RESOURCE:
            return request
        args = struct_pb2.Struct()
        args.CopyFrom(request.args)
        opts = resource_pb2.TransformInvokeOptions(
            provider=request.provider,
            plugin_download_url=request.pluginDownloadURL,
            version=request.version,
            plugin_checksums=dict(request.pluginChecksums),
        )
        for callback in chain:
            response = resource_pb2.TransformInvokeResponse.FromString(
                self._call(
                    callback,
                    resource_pb2.TransformInvokeRequest(token=request.tok, args=args, options=opts),
                    lambda: f"invoke {request.tok}",
                )
            )
            if response.HasField("args"):
                args = response.args
            if response.HasField("options"):
                opts = response.options
        transformed = resource_pb2.ResourceInvokeRequest()
        transformed.CopyFrom(request)
        transformed.args.CopyFrom(args)
        transformed.provider = opts.provider
        transformed.pluginDownloadURL = opts.plugin_download_url
        transformed.version = opts.version
        _replace_map(transformed.pluginChecksums, opts.plugin_checksums)
        return transformed

    @staticmethod
    def _call(callback: callback_pb2.Callback, request: Message, subject: Callable[[], str]) -> bytes:
        try:
            return invoke_callback(callback, request.SerializeToString())
        except Exception as exc:
            raise TransformError(
                f"transform {callback_name(callback)} on {subject()} raised {type(exc).__name__}: {exc}"
            ) from exc


def _options(request: resource_pb2.RegisterResourceRequest) -> resource_pb2.TransformResourceOptions:
    """The options a transform is handed, from the registration, as the engine builds them."""
    opts = resource_pb2.TransformResourceOptions(
        depends_on=request.dependencies,
        ignore_changes=request.ignoreChanges,
        replace_on_changes=request.replaceOnChanges,
        version=request.version,
        # The legacy alias URNs and the alias specs together: the engine hands transforms one list.
        aliases=[alias_pb2.Alias(urn=urn) for urn in request.aliasURNs] + list(request.aliases),
        provider=request.provider,
        providers=dict(request.providers),
        plugin_download_url=request.pluginDownloadURL,
        deleted_with=request.deletedWith,
        additional_secret_outputs=request.additionalSecretOutputs,
        plugin_checksums=dict(request.pluginChecksums),
        replace_with=request.replace_with,
        hide_diff=request.hideDiffs,
    )
    setattr(opts, "import", request.importId)  # `import` is a Python keyword
    if request.HasField("protect"):
        opts.protect = request.protect
    if request.HasField("retainOnDelete"):
        opts.retain_on_delete = request.retainOnDelete
    # The Go SDK sets deleteBeforeReplace without its "defined" flag; the engine reads either.
    if request.deleteBeforeReplaceDefined or request.deleteBeforeReplace:
        opts.delete_before_replace = request.deleteBeforeReplace
    if request.HasField("customTimeouts"):
        opts.custom_timeouts.CopyFrom(request.customTimeouts)
    if request.HasField("replacement_trigger"):
        opts.replacement_trigger.CopyFrom(request.replacement_trigger)
    if request.HasField("hooks"):
        opts.hooks.CopyFrom(request.hooks)
    return opts


def _transformed(
    request: resource_pb2.RegisterResourceRequest,
    urn: str,
    props: struct_pb2.Struct,
    opts: resource_pb2.TransformResourceOptions,
    *,
    reparse_dependencies: bool,
) -> resource_pb2.RegisterResourceRequest:
    before = _options(request)
    if opts.hooks != before.hooks:
        # Resource hooks are callbacks around provider operations; offline there are none to run them around.
        raise TransformError(
            f"a transform changed the resource hooks of {urn}: hooks cannot run offline, so the synthesis "
            "would not be what the engine does"
        )
    if not reparse_dependencies and set(opts.depends_on) != set(before.depends_on):
        # The engine reads depends_on back only from a resource's own transforms; from a parent's or a
        # stack transform it keeps the registration's, so honouring it here would differ from the CLI.
        raise TransformError(
            f"a parent's or stack transform changed depends_on of {urn}: the Pulumi engine keeps the "
            "registration's dependencies in that case; set depends_on in the resource's own options or transforms"
        )
    out = resource_pb2.RegisterResourceRequest()
    out.CopyFrom(request)
    # The engine has run them: mocks see the transformed resource and must not apply them again.
    out.ClearField("transforms")
    out.object.CopyFrom(props)
    for key in [key for key in out.propertyDependencies if key not in props.fields]:
        del out.propertyDependencies[key]
    if reparse_dependencies:
        dependencies = list(dict.fromkeys(opts.depends_on))
        for deps in out.propertyDependencies.values():
            dependencies.extend(dep for dep in deps.urns if dep not in dependencies)
        _replace_list(out.dependencies, dependencies)
    _replace_list(out.ignoreChanges, opts.ignore_changes)
    _replace_list(out.replaceOnChanges, opts.replace_on_changes)
    _replace_list(out.additionalSecretOutputs, opts.additional_secret_outputs)
    _replace_list(out.replace_with, opts.replace_with)
    _replace_list(out.hideDiffs, opts.hide_diff)
    out.ClearField("aliasURNs")
    out.ClearField("aliases")
    out.aliases.extend(opts.aliases)
    out.version = opts.version
    out.provider = opts.provider
    _replace_map(out.providers, opts.providers)
    out.pluginDownloadURL = opts.plugin_download_url
    _replace_map(out.pluginChecksums, opts.plugin_checksums)
    out.deletedWith = opts.deleted_with
    out.importId = getattr(opts, "import")
    out.ClearField("protect")
    if opts.HasField("protect"):
        out.protect = opts.protect
    out.ClearField("retainOnDelete")
    if opts.HasField("retain_on_delete"):
        out.retainOnDelete = opts.retain_on_delete
    out.ClearField("customTimeouts")
    if opts.HasField("custom_timeouts"):
        out.customTimeouts.CopyFrom(opts.custom_timeouts)
    out.ClearField("replacement_trigger")
    if opts.HasField("replacement_trigger"):
        out.replacement_trigger.CopyFrom(opts.replacement_trigger)
    out.deleteBeforeReplace = opts.delete_before_replace
    out.deleteBeforeReplaceDefined = opts.HasField("delete_before_replace")
    return out


def _replace_list(target: Any, values: Iterable[str]) -> None:
    """Replace a protobuf repeated field's items."""
    del target[:]
    target.extend(values)


def _replace_map(target: Any, values: Mapping[str, Any]) -> None:
    """Replace a protobuf map field's entries."""
    target.clear()
    target.update(values)

"""Messages between the runtime and its processes: length-prefixed JSON over a Unix socket."""

from __future__ import annotations

import json
import socket
import struct
from typing import Any

_HEADER = struct.Struct("!I")


class ChannelClosedError(EOFError):
    """The other end went away (its process exited or was killed)."""


def send(sock: socket.socket, message: Any) -> None:
    data = json.dumps(message).encode()
    sock.sendall(_HEADER.pack(len(data)) + data)


def recv(sock: socket.socket) -> Any:
    (size,) = _HEADER.unpack(_read(sock, _HEADER.size))
    return json.loads(_read(sock, size))


def _read(sock: socket.socket, size: int) -> bytes:
    chunks, remaining = [], size
    while remaining:
        chunk = sock.recv(min(remaining, 1 << 20))
        if not chunk:
            raise ChannelClosedError("the peer closed the channel")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)

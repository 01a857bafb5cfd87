"""Lambda handler code the components ship and package themselves (each folder is one function's archive root).

A handler here imports only the standard library, boto3 and Powertools (what the Lambda runtime and the
Powertools layer provide), and its own modules relatively: it runs as ``<folder>.<module>`` in Lambda and as
``pulumi_wasp.handlers.<folder>.<module>`` in tests.
"""

from pathlib import Path


def code_path(folder: str) -> Path:
    """The folder of a handler shipped in this package."""
    path = Path(__file__).resolve().parent / folder
    if not (path / "__init__.py").is_file():
        raise ValueError(f"pulumi_wasp.handlers has no handler folder {folder!r}")
    return path

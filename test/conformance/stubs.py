"""Generates the fedlink.v1 Python stubs from proto/ into a temporary directory and imports them.

No generated code is committed: the client is built from the .proto files alone, at run
time, as a device maker would. Debian 12's python3-grpc-tools bundles protoc 3.5, which
predates proto3 `optional` (3.12); for such a protoc the word is dropped from copies of the
files (same wire encoding, only presence is lost: docs/protocol.md, "Building a client
with an old protoc").
"""
import atexit
import importlib
import os
import re
import shutil
import sys
import tempfile
import types

from grpc_tools import protoc

PROTO_FILES = ("common.proto", "fleet.proto")


def _protoc_supports_optional() -> bool:
    # grpc_tools exposes no version: ask protoc itself, as a subprocess would.
    import subprocess

    out = subprocess.run([sys.executable, "-m", "grpc_tools.protoc", "--version"], capture_output=True, text=True, check=False).stdout
    m = re.search(r"(\d+)\.(\d+)", out)
    return bool(m) and (int(m.group(1)), int(m.group(2))) >= (3, 15)


def load(proto_root: str):
    """Returns (pb, fleet_pb2_grpc): pb holds the messages of fleet.proto and common.proto together."""
    work = tempfile.mkdtemp(prefix="fedlink-conformance-stubs-")
    atexit.register(shutil.rmtree, work, True)
    src = os.path.join(work, "src", "fedlink", "v1")
    out = os.path.join(work, "out")
    os.makedirs(src)
    os.makedirs(out)
    keep_optional = _protoc_supports_optional()
    for name in PROTO_FILES:
        with open(os.path.join(proto_root, "fedlink", "v1", name), encoding="utf-8") as f:
            text = f.read()
        if not keep_optional:
            text = re.sub(r"^(\s*)optional\s+", r"\1", text, flags=re.MULTILINE)
        with open(os.path.join(src, name), "w", encoding="utf-8") as f:
            f.write(text)
    args = ["protoc", f"-I{os.path.join(work, 'src')}", f"--python_out={out}", f"--grpc_python_out={out}"]
    args += [os.path.join(src, name) for name in PROTO_FILES]
    if protoc.main(args) != 0:
        raise RuntimeError("protoc could not compile the fedlink protos")
    sys.path.insert(0, out)
    # An old protoc does not re-export imported messages: TensorSpec lives in common_pb2 only.
    pb = types.SimpleNamespace()
    for module in ("common_pb2", "fleet_pb2"):
        for name, value in vars(importlib.import_module(f"fedlink.v1.{module}")).items():
            if not name.startswith("_"):
                setattr(pb, name, value)
    return pb, importlib.import_module("fedlink.v1.fleet_pb2_grpc")

#!/usr/bin/python3
"""The protocol conformance client: joins runs as two Fleet clients (py-a, py-b) written
from docs/protocol.md (three runs: float32 updates over two rounds; float16 asked; a
restarted client), sends known updates (every parameter = the client's value), checks
the documented statuses of bad downloads, uploads and sessions, and writes what it did and
saw as a JSON report. test/conformance/python-client.test.ts runs it beside a real daemon
and checks the committed models against the exact weighted mean.

  /usr/bin/python3 test/conformance/conformance_client.py --coordinator 127.0.0.1:50051 --report out.json

Needs Debian's python3-grpcio, python3-grpc-tools and python3-numpy.
"""
import argparse
import json
import math
import os
import struct
import sys
import threading
import time
import traceback
import uuid

import grpc
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import stubs  # noqa: E402
from fleet_client import Session  # noqa: E402

TASK_TIMEOUT_S = 120


class Report:
    """What the run should show: every status check, every accepted upload."""

    def __init__(self):
        self.checks = []
        self.uploads = []
        self.failures = []
        self._lock = threading.Lock()

    def status(self, name: str, expected: str, call):
        """Runs `call`, records the gRPC status it ended with next to the documented one."""
        try:
            call()
            actual = "OK"
            detail = ""
        except grpc.RpcError as err:
            actual = err.code().name
            detail = err.details() or ""
        with self._lock:
            self.checks.append({"name": name, "expected": expected, "actual": actual, "detail": detail})
        log(f"check {name}: expected {expected}, got {actual} {detail}")

    def fact(self, name: str, ok: bool, detail: str = ""):
        """Records a check that is not a status (e.g. the resumed download matches)."""
        with self._lock:
            self.checks.append({"name": name, "expected": "true", "actual": "true" if ok else "false", "detail": detail})
        log(f"check {name}: {ok} {detail}")

    def to_json(self):
        return {"checks": self.checks, "uploads": self.uploads, "failures": self.failures}


def log(text: str):
    print(f"{time.strftime('%H:%M:%S')} {text}", file=sys.stderr, flush=True)


def parameter_count(tensors) -> int:
    return sum(math.prod(t.shape) for t in tensors)


def float32_bytes(values) -> bytes:
    return np.asarray(values, dtype="<f4").tobytes()


class Participant:
    """One client id of the scenario: its value, the count that weights it, its session."""

    def __init__(self, pb, client_id: str, value: float, num_examples: int, session: Session, report: Report):
        self.pb = pb
        self.client_id = client_id
        self.value = value
        self.num_examples = num_examples
        self.session = session
        self.report = report

    def meta(self, task, **over):
        fields = {"task_id": task.task_id, "run_id": task.run_id, "round": task.round, "num_examples": self.num_examples}
        fields.update(over)
        return self.pb.UpdateMeta(**fields)

    def known_update(self, task) -> bytes:
        """The new weights: every parameter = this client's value (float32 upload, docs/protocol.md, Upload)."""
        return float32_bytes(np.full(parameter_count(task.model.tensors), self.value))

    def download(self, task):
        """FetchModel as the task says; checks the float32 bytes hash to the model version."""
        got = self.session.fetch_model(task.run_id, task.round, task.model_version, encoding=task.model_encoding)
        if got.header.encoding != (task.model_encoding or "float32"):
            raise AssertionError(f"model sent as {got.header.encoding!r}, asked for {task.model_encoding!r}")
        if got.header.encoding == "float32" and got.header.sha256 != task.model_version:
            raise AssertionError("float32 model sha256 is not the task's model version")
        if got.header.encoding == "float32" and len(got.data) != task.model_bytes:
            raise AssertionError(f"model of {len(got.data)} bytes, the task said {task.model_bytes}")
        return got

    def upload(self, task, payload: bytes, chunk_bytes: int = 0, num_examples=None):
        """Uploads `payload` as float32 under a new transfer id; returns the response."""
        header = self.session.update_header(payload, task.model.tensors)
        meta = self.meta(task, num_examples=num_examples or self.num_examples)
        chunk = chunk_bytes or self.session.welcome.max_chunk_bytes or (1 << 20)
        return self.session.push(self.session.chunks(header, meta, payload, chunk))

    def result(self, task, transfer_id: str, num_examples: int):
        self.session.send(result=self.pb.TaskResult(
            task_id=task.task_id, run_id=task.run_id, round=task.round, transfer_id=transfer_id, num_examples=num_examples,
            train=self.pb.Metrics(loss=0.5, accuracy=0.5, num_examples=num_examples),
            local_eval=self.pb.Metrics(loss=0.7, accuracy=0.5, num_examples=num_examples),
            duration_ms=1, download_ms=1,
        ))

    def accepted(self, task, transfer_id: str):
        self.report.uploads.append({"clientId": self.client_id, "round": task.round, "runId": task.run_id, "value": self.value,
                                    "numExamples": self.num_examples, "transferId": transfer_id})


# --- py-a: the statuses of bad downloads and uploads, a truncated upload resumed -----------


def checks_then_resumed_upload(p: Participant, task):
    s, r, pb = p.session, p.report, p.pb
    n = parameter_count(task.model.tensors)
    version = task.model_version
    r.status("FetchModel for another model version", "FAILED_PRECONDITION", lambda: s.fetch_model(task.run_id, task.round, "0" * 64))
    r.status("FetchModel with a model_version that is not sha256 hex", "INVALID_ARGUMENT", lambda: s.fetch_model(task.run_id, task.round, "xyz"))
    r.status("FetchModel float32 from an offset that is not a multiple of 4", "INVALID_ARGUMENT", lambda: s.fetch_model(task.run_id, task.round, version, offset=2))
    r.status("FetchModel in an encoding models are not served in", "INVALID_ARGUMENT", lambda: s.fetch_model(task.run_id, task.round, version, encoding="int8"))
    r.status("FetchModel for a round that is not current", "ABORTED", lambda: s.fetch_model(task.run_id, task.round + 1, version))
    r.status("FetchModel of a run this coordinator does not drive", "NOT_FOUND", lambda: s.fetch_model("run-nope", 1, version))
    whole = p.download(task)
    half = 4 * (n // 2)
    tail = s.fetch_model(task.run_id, task.round, version, offset=half, encoding="float32")
    r.fact("a download resumed from a float32 offset sends the header again and the rest of the bytes",
           tail.header.total_bytes == len(whole.data) and tail.header.sha256 == version and tail.data == whole.data[half:])

    good = p.known_update(task)
    tensors = task.model.tensors

    def push(header=None, meta=None, payload=good, pieces=None):
        header = header or s.update_header(payload, tensors)
        meta = meta or p.meta(task)
        msgs = pieces(header, meta) if pieces else s.chunks(header, meta, payload, 1 << 20)
        return lambda: s.push(msgs)

    bad_shape = [pb.TensorSpec(name=t.name, shape=list(t.shape)) for t in tensors]
    bad_shape[0].shape[0] += 1
    nan = bytearray(good)
    nan[0:4] = struct.pack("<f", float("nan"))
    r.status("an upload with an empty encoding", "INVALID_ARGUMENT", push(header=s.update_header(good, tensors, encoding="")))
    r.status("an upload in an encoding the task did not ask for", "INVALID_ARGUMENT", push(header=s.update_header(good, tensors, encoding="float16")))
    r.status("an upload whose header carries no tensor shapes", "INVALID_ARGUMENT", push(header=s.update_header(good, [])))
    r.status("an upload whose tensor shape differs from the model's", "INVALID_ARGUMENT",
             push(header=pb.TransferHeader(transfer_id=str(uuid.uuid4()), encoding="float32", total_bytes=len(good),
                                           sha256=s.update_header(good, tensors).sha256, tensors=bad_shape)))
    r.status("a float32 chunk that is not whole values", "INVALID_ARGUMENT",
             push(pieces=lambda h, m: [pb.UpdateChunk(header=h, meta=m, offset=0, data=good[:6])]))
    r.status("a chunk that leaves a gap", "INVALID_ARGUMENT",
             push(pieces=lambda h, m: [pb.UpdateChunk(header=h, meta=m, offset=0, data=good[:4]), pb.UpdateChunk(offset=8, data=good[8:12])]))
    r.status("header and meta repeated on a later chunk", "INVALID_ARGUMENT",
             push(pieces=lambda h, m: [pb.UpdateChunk(header=h, meta=m, offset=0, data=good[:4]), pb.UpdateChunk(header=h, meta=m, offset=4, data=good[4:8])]))
    r.status("a first chunk without meta", "INVALID_ARGUMENT", push(pieces=lambda h, m: [pb.UpdateChunk(header=h, offset=0, data=good)]))
    r.status("an upload whose sha256 does not match", "INVALID_ARGUMENT",
             push(header=pb.TransferHeader(transfer_id=str(uuid.uuid4()), encoding="float32", total_bytes=len(good),
                                           sha256="0" * 64, tensors=s.update_header(good, tensors).tensors)))
    r.status("an upload with a NaN value", "INVALID_ARGUMENT", push(payload=bytes(nan)))
    r.status("an upload with num_examples 0", "INVALID_ARGUMENT", push(meta=p.meta(task, num_examples=0)))
    r.status("an upload with num_examples over the hello's dataset_size", "INVALID_ARGUMENT", push(meta=p.meta(task, num_examples=s.dataset_size + 1)))
    r.status("an upload for another task id", "ABORTED", push(meta=p.meta(task, task_id=task.task_id + "x")))
    r.status("an upload for a round that is no longer current", "ABORTED", push(meta=p.meta(task, round=task.round - 1)))
    r.status("a float32 upload whose total_bytes is not model_bytes", "INVALID_ARGUMENT",
             push(pieces=lambda h, m: [pb.UpdateChunk(header=pb.TransferHeader(transfer_id=str(uuid.uuid4()), encoding="float32", total_bytes=len(good) + 4,
                                                                                sha256=h.sha256, tensors=h.tensors), meta=m, offset=0, data=good)]))
    r.status("an upload chunk over gRPC's 4 MiB message limit", "RESOURCE_EXHAUSTED",
             push(pieces=lambda h, m: [pb.UpdateChunk(header=h, meta=m, offset=0, data=bytes(5 << 20))]))
    r.status("an upload declaring more than the coordinator's update size limit", "RESOURCE_EXHAUSTED",
             push(pieces=lambda h, m: [pb.UpdateChunk(header=pb.TransferHeader(transfer_id=str(uuid.uuid4()), encoding="float32", total_bytes=600 << 20,
                                                                                sha256="0" * 64, tensors=h.tensors), meta=m, offset=0, data=good[:4])]))

    # A stream that ends early is refused but kept: QueryUpdate says where to resume, the same header resumes it.
    header = s.update_header(good, tensors)
    meta = p.meta(task)
    cut = 4 * (n // 3)
    r.status("an upload that ends before total_bytes", "INVALID_ARGUMENT", lambda: s.push(s.chunks(header, meta, good, 8, 0, cut)))
    kept = s.query(task.run_id, task.round, task.task_id, header.transfer_id)
    r.fact("QueryUpdate reports the bytes a broken upload kept", kept == cut, f"{kept} of {cut}")
    r.fact("QueryUpdate of a transfer the coordinator never saw is 0", s.query(task.run_id, task.round, task.task_id, str(uuid.uuid4())) == 0)
    # Starting 8 bytes early: bytes the coordinator holds are checked and skipped, not written twice.
    res = s.push(s.chunks(header, meta, good, 8, max(0, kept - kept % 4 - 8)))
    r.fact("the same header resumes the upload and it is accepted", res.received_bytes == len(good) and res.transfer_id == header.transfer_id)
    p.accepted(task, res.transfer_id)
    # TaskResult.num_examples deliberately differs: UpdateMeta.num_examples is what weights the average.
    p.result(task, res.transfer_id, num_examples=1)


# --- py-b: a float16 download, small chunks; then a refused upload followed by a failure ----


def float16_download_small_chunks(p: Participant, task):
    s, r = p.session, p.report
    n = parameter_count(task.model.tensors)
    exact = p.download(task)
    half = s.fetch_model(task.run_id, task.round, task.model_version, encoding="float16")
    magic, version, fmt, count_n, block, count = struct.unpack("<2sBBIII", half.data[:16])
    values = np.frombuffer(half.data[16:], dtype="<f2")
    expected = np.frombuffer(exact.data, dtype="<f4").astype(np.float16)
    r.fact("a float16 model download is the FU header and the weights as binary16",
           magic == b"FU" and version == 1 and fmt == 2 and count_n == n and block == 0 and count == n and np.array_equal(values, expected))
    res = p.upload(task, p.known_update(task), chunk_bytes=8)
    p.accepted(task, res.transfer_id)
    r.status("a second upload after one was accepted", "FAILED_PRECONDITION", lambda: p.upload(task, p.known_update(task)))
    p.result(task, res.transfer_id, num_examples=p.num_examples)


def refused_then_failure(p: Participant, task):
    p.download(task)
    bad = bytearray(p.known_update(task))
    bad[-4:] = struct.pack("<f", float("inf"))
    p.report.status("an upload with an infinite value", "INVALID_ARGUMENT", lambda: p.upload(task, bytes(bad)))
    # The documented next step after a refusal: a TaskFailure, or the round waits for its deadline.
    p.session.send(failure=p.pb.TaskFailure(task_id=task.task_id, run_id=task.run_id, round=task.round, reason="update rejected: INVALID_ARGUMENT"))
    p.report.failures.append({"clientId": p.client_id, "round": task.round, "runId": task.run_id})


def digest_upload(p: Participant, task):
    """Per-chunk XXH64 digests where the Welcome offers them, else the sha256 of the whole."""
    s, r, pb = p.session, p.report, p.pb
    p.download(task)
    good = p.known_update(task)
    digests = "chunk-xxh64" in s.welcome.features
    if digests:
        def tampered(h, m):
            msgs = s.chunks(h, m, good, 8)
            msgs[1].xxh64 = bytes(8)
            return msgs

        header = lambda: s.update_header(good, task.model.tensors, digests=True)
        r.status("a chunk whose xxh64 digest does not match", "INVALID_ARGUMENT", lambda: s.push(tampered(header(), p.meta(task))))
        r.status("a chunk without the xxh64 digest its header announced", "INVALID_ARGUMENT",
                 lambda: s.push([pb.UpdateChunk(header=header(), meta=p.meta(task), offset=0, data=good)]))
        r.status("an upload with both chunk digests and a sha256", "INVALID_ARGUMENT",
                 lambda: s.push(s.chunks(pb.TransferHeader(transfer_id=str(uuid.uuid4()), encoding="float32", total_bytes=len(good), sha256="0" * 64,
                                                           chunk_digest="xxh64", tensors=header().tensors), p.meta(task), good, 8)))
    res = s.push(s.chunks(s.update_header(good, task.model.tensors, digests=digests), p.meta(task), good, 8))
    r.fact("an upload proven by " + ("a digest on every chunk" if digests else "its sha256") + " is accepted", res.received_bytes == len(good))
    p.accepted(task, res.transfer_id)
    p.result(task, res.transfer_id, num_examples=p.num_examples)


def restarted_without_token(p: Participant, task):
    """A hello without the resume token is a new process: the old task is gone."""
    p.download(task)
    p.session = p.session.reconnect("")
    p.report.status("an upload for a task held before a hello without the resume token", "FAILED_PRECONDITION", lambda: p.upload(task, p.known_update(task)))


def plain_upload(p: Participant, task):
    p.download(task)
    res = p.upload(task, p.known_update(task))
    p.accepted(task, res.transfer_id)
    p.result(task, res.transfer_id, num_examples=p.num_examples)


def float16_delta(global_weights: np.ndarray, new_weights: np.ndarray) -> bytes:
    """The float16 encoding of new − global: the 16-byte FU header, then n binary16 values (docs/protocol.md, Encodings)."""
    n = global_weights.size
    delta = (new_weights.astype(np.float32) - global_weights).astype("<f2")
    return struct.pack("<2sBBIII", b"FU", 1, 2, n, 0, n) + delta.tobytes()


def float16_delta_upload(p: Participant, task):
    """The asked encoding (float16): a delta, cut at odd byte offsets; the report says what it decodes to."""
    s, r = p.session, p.report
    if task.update_encoding != "float16":
        raise AssertionError(f"the run asks for float16 updates, the task says {task.update_encoding!r}")
    g = np.frombuffer(p.download(task).data, dtype="<f4")
    new = np.full(g.size, p.value, dtype=np.float32)
    payload = float16_delta(g, new)
    bad = b"XX" + payload[2:]
    r.status("an encoded upload that does not start with the FU magic", "INVALID_ARGUMENT",
             lambda: s.push(s.chunks(s.update_header(bad, task.model.tensors, encoding="float16"), p.meta(task), bad, 1 << 20)))
    r.status("an encoded upload with bytes past its values", "INVALID_ARGUMENT",
             lambda: s.push(s.chunks(s.update_header(payload + b"\0\0", task.model.tensors, encoding="float16"), p.meta(task), payload + b"\0\0", 1 << 20)))
    res = s.push(s.chunks(s.update_header(payload, task.model.tensors, encoding="float16"), p.meta(task), payload, 5))
    decoded = g + np.frombuffer(payload[16:], dtype="<f2").astype(np.float32)
    p.report.uploads.append({"clientId": p.client_id, "round": task.round, "runId": task.run_id, "numExamples": p.num_examples,
                             "weights": [float(x) for x in decoded], "transferId": res.transfer_id})
    p.result(task, res.transfer_id, num_examples=p.num_examples)


def resumed_session_float32_in_place_of_asked(p: Participant, task):
    """A reconnect with the resume token keeps the task; a client may always send float32 new weights."""
    p.download(task)
    p.session = p.session.reconnect(p.session.welcome.resume_token)
    res = p.upload(task, p.known_update(task))
    p.report.fact("a session resumed with its token keeps its task: the upload is accepted", res.received_bytes > 0)
    p.report.fact("raw float32 weights are accepted where the task asked for " + task.update_encoding, res.received_bytes == 4 * parameter_count(task.model.tensors))
    p.accepted(task, res.transfer_id)
    p.result(task, res.transfer_id, num_examples=p.num_examples)


# --- sessions: hello rules, duplicate sessions -------------------------------------------


def session_checks(pb, pb_grpc, address: str, report: Report, py_a: Participant):
    stub = pb_grpc.FleetStub(grpc.insecure_channel(address))

    def connect(metadata_id: str, messages):
        # Reads until the coordinator ends the stream: the status it ends with is the check.
        for _ in stub.Connect(iter(messages), metadata=[("fedlink-client-id", metadata_id)], timeout=20):
            pass

    hello = lambda cid: pb.ClientMessage(hello=pb.Hello(client_id=cid, dataset_size=1, capabilities=pb.Capabilities(encodings=["float32"])))
    report.status("a hello naming another client than the caller", "PERMISSION_DENIED", lambda: connect("py-c", [hello("py-d")]))
    report.status("a first message that is not a hello", "INVALID_ARGUMENT", lambda: connect("py-c", [pb.ClientMessage(heartbeat=pb.Heartbeat(seq=1))]))
    report.status("a second hello on one stream", "INVALID_ARGUMENT", lambda: connect("py-c", [hello("py-c"), hello("py-c")]))
    report.status("a result with a malformed run id ends the session", "INVALID_ARGUMENT",
                  lambda: connect("py-c", [hello("py-c"), pb.ClientMessage(result=pb.TaskResult(task_id="t", run_id="bad run id", round=1))]))

    # py-a's first session has lived through every run: its heartbeats were acked, its probes answered.
    # (With a tiny model the runs may take less than one heartbeat interval: wait for the first ack.)
    old = py_a.session
    until = time.monotonic() + 3 * old.welcome.heartbeat_interval_ms / 1000 + 5
    while (not old.acks or not old.probes) and time.monotonic() < until:
        time.sleep(0.1)
    acked = [(seq, at) for seq, at in old.acks if old.heartbeats_sent.get(seq) == at]
    report.fact("every heartbeat ack echoes the seq and sent_at_ms of a heartbeat", len(acked) > 0 and len(acked) == len(old.acks), f"{len(old.acks)} acks")
    report.fact("the coordinator probes a session (answered with probe_reply)", old.probes > 0, f"{old.probes} probes")

    # A second session of py-a (with its resume token) replaces the first, which gets a final drain.
    newer = Session(pb, pb_grpc, address, py_a.client_id, old.dataset_size, log)
    welcome = newer.start(resume_token=old.welcome.resume_token)
    old.ended.wait(10)
    finals = [d for d in old.drains if d.final]
    report.fact("a second session of one client id replaces the first with a final drain",
                bool(welcome.session_id) and welcome.session_id != old.welcome.session_id and len(finals) == 1, finals[0].reason if finals else "no final drain")
    report.fact("every Welcome carries a new resume token", welcome.resume_token not in ("", old.welcome.resume_token))
    old.close()
    report.fact("a goodbye ends the stream with OK", newer.goodbye())


# --- the scenario ------------------------------------------------------------------------


def serve(p: Participant, handlers, report: Report, errors: list):
    for handler in handlers:
        try:
            task = p.session.tasks.get(timeout=TASK_TIMEOUT_S)
        except Exception:
            errors.append(f"{p.client_id}: no task within {TASK_TIMEOUT_S}s")
            return
        log(f"{p.client_id}: task {task.task_id} (round {task.round}, encoding {task.update_encoding!r}) -> {handler.__name__}")
        if task.kind != p.pb.TASK_KIND_TRAIN:
            p.session.send(failure=p.pb.TaskFailure(task_id=task.task_id, run_id=task.run_id, round=task.round, reason="unsupported"))
            continue
        p.session.progress = p.pb.TaskProgress(task_id=task.task_id, fraction=0.5, epoch=1, loss=0.5)
        try:
            handler(p, task)
        except Exception as err:  # a protocol surprise is the finding: report it, keep the others going
            errors.append(f"{p.client_id} round {task.round}: {err!r}")
            traceback.print_exc()
            p.session.send(failure=p.pb.TaskFailure(task_id=task.task_id, run_id=task.run_id, round=task.round, reason=f"conformance client: {err!r}"[:200]))
        finally:
            p.session.progress = None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--coordinator", required=True, help="host:port of a plaintext (loopback) coordinator")
    ap.add_argument("--report", required=True, help="where to write the JSON report")
    ap.add_argument("--proto-root", default=os.path.join(HERE, "..", "..", "proto"))
    args = ap.parse_args()
    pb, pb_grpc = stubs.load(os.path.abspath(args.proto_root))
    report = Report()
    errors: list = []
    # py-a: value 1, weight 3; py-b: value 4, weight 1. dataset_size 10 bounds both.
    a = Participant(pb, "py-a", 1.0, 3, Session(pb, pb_grpc, args.coordinator, "py-a", 10, log), report)
    b = Participant(pb, "py-b", 4.0, 1, Session(pb, pb_grpc, args.coordinator, "py-b", 10, log), report)
    for p in (a, b):
        w = p.session.start()
        log(f"{p.client_id}: welcomed, session {w.session_id}, heartbeat {w.heartbeat_interval_ms} ms, chunks {w.max_chunk_bytes} B, features {list(w.features)}")
    print(json.dumps({"connected": ["py-a", "py-b"]}), flush=True)
    workers = [
        threading.Thread(target=serve, args=(a, [checks_then_resumed_upload, digest_upload, float16_delta_upload, plain_upload], report, errors)),
        threading.Thread(target=serve, args=(b, [float16_download_small_chunks, refused_then_failure, resumed_session_float32_in_place_of_asked, restarted_without_token], report, errors)),
    ]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    if not errors:
        try:
            session_checks(pb, pb_grpc, args.coordinator, report, a)
        except Exception as err:
            errors.append(f"session checks: {err!r}")
            traceback.print_exc()
    if not b.session.goodbye():
        errors.append("py-b: the stream did not end with OK after goodbye")
    out = report.to_json()
    out["errors"] = errors
    with open(args.report, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1)
    log(f"report written: {len(report.checks)} checks, {len(errors)} errors")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

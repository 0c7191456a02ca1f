"""A Fleet client written from docs/protocol.md: the session on Connect, model download,
update upload and resume. The scenario that drives it is conformance_client.py."""
import hashlib
import queue
import threading
import time
import uuid

import grpc

from xxh64 import chunk_digest

CLIENT_ID_METADATA = "fedlink-client-id"
DEFAULT_HEARTBEAT_MS = 5000


class ModelDownload:
    """A verified model download: the bytes as served and their transfer header."""

    def __init__(self, header, data: bytes):
        self.header = header
        self.data = data


class Session:
    """One session on Fleet.Connect: hello/welcome, heartbeats with progress, probe replies,
    tasks into a queue; transfers go over a channel of their own (docs/protocol.md, Transport)."""

    def __init__(self, pb, pb_grpc, address: str, client_id: str, dataset_size: int, log):
        self.pb = pb
        self.pb_grpc = pb_grpc
        self.address = address
        self.client_id = client_id
        self.dataset_size = dataset_size
        self.log = log
        self.control = grpc.insecure_channel(address)
        # A TCP connection apart from the control stream: a local subchannel pool.
        self.transfer_channel = grpc.insecure_channel(address, options=[("grpc.use_local_subchannel_pool", 1)])
        self.stub = pb_grpc.FleetStub(self.control)
        self.transfers = pb_grpc.FleetStub(self.transfer_channel)
        self.tasks: "queue.Queue" = queue.Queue()
        self.welcome = None
        self.welcomed = threading.Event()
        self.ended = threading.Event()
        self.drains = []
        self.cancels = []
        # Heartbeats sent (seq → sent_at_ms), acks and probes received: what the session checks look at.
        self.heartbeats_sent = {}
        self.acks = []
        self.probes = 0
        self.progress = None
        self._out: "queue.Queue" = queue.Queue()
        self._seq = 0
        self._call = None
        self._error = None

    @property
    def metadata(self):
        return [(CLIENT_ID_METADATA, self.client_id)]

    def start(self, resume_token: str = "", timeout: float = 30.0):
        """Says hello and waits for the Welcome; raises grpc.RpcError if the hello is refused."""
        self._out.put(self.pb.ClientMessage(hello=self.pb.Hello(
            client_id=self.client_id,
            capabilities=self.pb.Capabilities(backend="python", encodings=["float32", "float16"], models=[], dataset="conformance", features=["chunk-xxh64"]),
            dataset_size=self.dataset_size,
            resume_token=resume_token,
            version="conformance-py",
        )))
        self._call = self.stub.Connect(self._requests(), metadata=self.metadata)
        threading.Thread(target=self._read, daemon=True).start()
        if not self.welcomed.wait(timeout) or self.welcome is None:
            if self._error is not None:
                raise self._error
            raise TimeoutError(f"{self.client_id}: no welcome within {timeout}s")
        threading.Thread(target=self._heartbeats, daemon=True).start()
        return self.welcome

    def reconnect(self, resume_token: str):
        """Breaks this session off and starts a new one of the same client id (with `resume_token`, or "" as a restarted process)."""
        self.close()
        newer = Session(self.pb, self.pb_grpc, self.address, self.client_id, self.dataset_size, self.log)
        newer.start(resume_token=resume_token)
        return newer

    def send(self, **kind):
        """Queues one ClientMessage (e.g. result=..., failure=...)."""
        self._out.put(self.pb.ClientMessage(**kind))

    def goodbye(self, reason: str = "conformance client done") -> bool:
        """Says goodbye; whether the coordinator then ended the stream with OK."""
        self.send(goodbye=self.pb.Goodbye(reason=reason))
        self._out.put(None)
        ended = self.ended.wait(10)
        self.close()
        return ended and self._error is None

    def close(self):
        self.ended.set()
        self._out.put(None)
        self.control.close()
        self.transfer_channel.close()

    def _requests(self):
        while True:
            msg = self._out.get()
            if msg is None:
                return
            yield msg

    def _read(self):
        try:
            for msg in self._call:
                kind = msg.WhichOneof("kind")
                if kind == "welcome":
                    self.welcome = msg.welcome
                    self.welcomed.set()
                elif not self.welcomed.is_set():
                    continue  # before the welcome: ignored (docs/protocol.md, Hello and welcome)
                elif kind == "probe":
                    self.probes += 1
                    self.send(probe_reply=self.pb.ProbeReply(id=msg.probe.id))
                elif kind == "heartbeat_ack":
                    self.acks.append((msg.heartbeat_ack.seq, msg.heartbeat_ack.client_sent_at_ms))
                elif kind == "task":
                    self.tasks.put(msg.task)
                elif kind == "cancel":
                    self.cancels.append(msg.cancel)
                elif kind == "drain":
                    self.drains.append(msg.drain)
        except grpc.RpcError as err:
            self._error = err
        finally:
            self.welcomed.set()
            self.ended.set()

    def _heartbeats(self):
        interval = (self.welcome.heartbeat_interval_ms or DEFAULT_HEARTBEAT_MS) / 1000
        while not self.ended.wait(interval):
            self._seq += 1
            hb = self.pb.Heartbeat(seq=self._seq, sent_at_ms=int(time.time() * 1000),
                                   link=self.pb.LinkReport(radio="ethernet", battery=-1, measured_at_ms=int(time.time() * 1000)))
            if self.progress is not None:
                hb.progress.CopyFrom(self.progress)
            self.heartbeats_sent[self._seq] = hb.sent_at_ms
            self.send(heartbeat=hb)

    # --- transfers -----------------------------------------------------------------------

    def fetch_model(self, run_id: str, round_: int, version: str, offset: int = 0, encoding: str = "") -> ModelDownload:
        """FetchModel from `offset`: header on the first chunk, contiguous chunks, sha256 checked when complete."""
        req = self.pb.FetchModelRequest(run_id=run_id, round=round_, model_version=version, offset=offset, encoding=encoding)
        header = None
        data = bytearray()
        for i, chunk in enumerate(self.transfers.FetchModel(req, metadata=self.metadata, timeout=30)):
            if i == 0:
                if not chunk.HasField("header"):
                    raise AssertionError("first model chunk has no header")
                header = chunk.header
            if chunk.offset != offset + len(data):
                raise AssertionError(f"model chunk at offset {chunk.offset}, expected {offset + len(data)}")
            max_chunk = self.welcome.max_chunk_bytes
            if max_chunk and len(chunk.data) > max_chunk:
                raise AssertionError(f"model chunk of {len(chunk.data)} bytes, over max_chunk_bytes {max_chunk}")
            data.extend(chunk.data)
        if header is None:
            raise AssertionError("model download ended without any chunk")
        if offset + len(data) != header.total_bytes:
            raise AssertionError(f"model download ended after {offset + len(data)} of {header.total_bytes} bytes")
        if offset == 0 and hashlib.sha256(data).hexdigest() != header.sha256:
            raise AssertionError("sha256 of the model download does not match its header")
        return ModelDownload(header, bytes(data))

    def update_header(self, payload: bytes, tensors, encoding: str = "float32", transfer_id: str = "", digests: bool = False):
        """A TransferHeader for `payload`: the model's tensor shapes, and the sha256 of the whole or (digests) per-chunk XXH64."""
        return self.pb.TransferHeader(
            transfer_id=transfer_id or str(uuid.uuid4()),
            encoding=encoding,
            total_bytes=len(payload),
            sha256="" if digests else hashlib.sha256(payload).hexdigest(),
            chunk_digest="xxh64" if digests else "",
            tensors=[self.pb.TensorSpec(name=t.name, shape=list(t.shape)) for t in tensors],
        )

    def chunks(self, header, meta, payload: bytes, chunk_bytes: int, start: int = 0, end: int = -1):
        """UpdateChunk messages: header and meta on the first, contiguous offsets; float32 chunks whole values;
        an XXH64 digest on every chunk when the header says so."""
        end = len(payload) if end < 0 else end
        if header.encoding == "float32":
            chunk_bytes = max(4, chunk_bytes - chunk_bytes % 4)
        out = []
        offset = start
        while offset < end or not out:
            piece = payload[offset:min(end, offset + chunk_bytes)]
            msg = self.pb.UpdateChunk(offset=offset, data=piece)
            if header.chunk_digest == "xxh64":
                msg.xxh64 = chunk_digest(piece, offset)
            if not out:
                msg.header.CopyFrom(header)
                msg.meta.CopyFrom(meta)
            out.append(msg)
            offset += len(piece)
            if not piece:
                break
        return out

    def push(self, messages):
        """One PushUpdate call with exactly these messages; returns the response or raises grpc.RpcError."""
        return self.transfers.PushUpdate(iter(messages), metadata=self.metadata, timeout=30)

    def query(self, run_id: str, round_: int, task_id: str, transfer_id: str) -> int:
        """QueryUpdate: the bytes of the transfer the coordinator kept."""
        res = self.transfers.QueryUpdate(self.pb.QueryUpdateRequest(run_id=run_id, round=round_, task_id=task_id, transfer_id=transfer_id),
                                         metadata=self.metadata, timeout=10)
        return res.received_bytes

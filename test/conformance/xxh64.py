"""XXH64 (xxHash, 64-bit) in plain Python, from the xxHash specification, for the per-chunk
upload digests of docs/protocol.md ("Per-chunk digests"): XXH64(data, seed = offset), sent as
8 bytes big-endian. Slow, and meant for the small chunks of the conformance client only."""

P1 = 0x9E3779B185EBCA87
P2 = 0xC2B2AE3D27D4EB4F
P3 = 0x165667B19E3779F9
P4 = 0x85EBCA77C2B2AE63
P5 = 0x27D4EB2F165667C5
MASK = (1 << 64) - 1


def _rotl(x: int, r: int) -> int:
    return ((x << r) | (x >> (64 - r))) & MASK


def _round(acc: int, lane: int) -> int:
    acc = (acc + lane * P2) & MASK
    return (_rotl(acc, 31) * P1) & MASK


def _merge(acc: int, v: int) -> int:
    acc ^= _round(0, v)
    return (acc * P1 + P4) & MASK


def _u64(data: bytes, p: int) -> int:
    return int.from_bytes(data[p:p + 8], "little")


def xxh64(data: bytes, seed: int = 0) -> int:
    """The XXH64 digest of `data` with `seed`, as an unsigned 64-bit integer."""
    n = len(data)
    p = 0
    seed &= MASK
    if n >= 32:
        v = [(seed + P1 + P2) & MASK, (seed + P2) & MASK, seed, (seed - P1) & MASK]
        while p + 32 <= n:
            for i in range(4):
                v[i] = _round(v[i], _u64(data, p))
                p += 8
        h = (_rotl(v[0], 1) + _rotl(v[1], 7) + _rotl(v[2], 12) + _rotl(v[3], 18)) & MASK
        for lane in v:
            h = _merge(h, lane)
    else:
        h = (seed + P5) & MASK
    h = (h + n) & MASK
    while p + 8 <= n:
        h ^= _round(0, _u64(data, p))
        h = (_rotl(h, 27) * P1 + P4) & MASK
        p += 8
    if p + 4 <= n:
        h ^= (int.from_bytes(data[p:p + 4], "little") * P1) & MASK
        h = (_rotl(h, 23) * P2 + P3) & MASK
        p += 4
    while p < n:
        h ^= (data[p] * P5) & MASK
        h = (_rotl(h, 11) * P1) & MASK
        p += 1
    h ^= h >> 33
    h = (h * P2) & MASK
    h ^= h >> 29
    h = (h * P3) & MASK
    h ^= h >> 32
    return h


def chunk_digest(data: bytes, offset: int) -> bytes:
    """UpdateChunk.xxh64: XXH64(data, seed = offset), 8 bytes big-endian."""
    return xxh64(data, offset).to_bytes(8, "big")

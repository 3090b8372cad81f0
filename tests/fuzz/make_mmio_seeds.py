#!/usr/bin/env python3
"""Writes the seed corpus for fuzz_mmio: register sequences (format documented at the top of
fuzz_mmio.c) that reach the transport's deep states: a live blk or net device serving
requests, the re-armed-queue crash sequence, NEEDS_RESET from a bad chain and recovery, reset
with requests in flight, polling mode, and every config-space access size. Run from this
directory; the output is committed."""
import os
import struct

(OP_WRITE32, OP_READ32, OP_ACCESS, OP_RAM, OP_INIT, OP_DESC, OP_PUBLISH, OP_KICK, OP_REQUEST,
 OP_FRAME, OP_SETTLE, OP_RESET, OP_ISR) = range(13)
NET, POLL, TWOQ, RO = 1, 2, 4, 8
ACK, DRV, FOK, DOK = 1, 2, 8, 4
T_IN, T_OUT, T_FLUSH, T_GET_ID = 0, 1, 4, 8
EVENT_IDX, INDIRECT = 1 << 29, 1 << 28

# Register offsets / 4, as OP_WRITE32 and OP_READ32 take them.
STATUS, QSEL, QNUM, QREADY, QNOTIFY = 0x70 // 4, 0x30 // 4, 0x38 // 4, 0x44 // 4, 0x50 // 4
QDESC, QAVAIL, QUSED = 0x80 // 4, 0x90 // 4, 0xA0 // 4
DFSEL, DF = 0x24 // 4, 0x20 // 4


def w32(off, val):
    return bytes([OP_WRITE32, off]) + struct.pack("<I", val)


def r32(off):
    return bytes([OP_READ32, off])


def init(features=0, qlog=4):
    return bytes([OP_INIT]) + struct.pack("<I", features) + bytes([qlog])


def req(q, d, typ, sector, sectors):
    return bytes([OP_REQUEST, q, d, typ, sector, sectors])


def desc(q, i, addr, length, flags, nxt):
    return bytes([OP_DESC, q, i]) + struct.pack("<HIBB", addr, length, flags, nxt)


def kick(q):
    return bytes([OP_KICK, q])


def settle(us=50):
    return bytes([OP_SETTLE, us])


def access(off, size_code, write, val=0):
    return bytes([OP_ACCESS]) + struct.pack("<HBBQ", off, size_code, write, val)


def negotiate():
    return (w32(STATUS, ACK) + w32(STATUS, ACK | DRV) + w32(DFSEL, 1) + w32(DF, 1) +
            w32(STATUS, ACK | DRV | FOK))


def queue(q=0, num=16):
    base = 0x1000 + q * 0x3000
    return (w32(QSEL, q) + w32(QNUM, num) + w32(QDESC, base) + w32(QAVAIL, base + 0x1000) +
            w32(QUSED, base + 0x2000) + w32(QREADY, 1))


seeds = {
    "blk-read": bytes([0]) + init() + req(0, 0, T_IN, 0, 1) + kick(0) + settle() +
    bytes([OP_ISR]),
    "blk-write-flush": bytes([0]) + init(EVENT_IDX) + req(0, 0, T_OUT, 3, 2) +
    req(0, 4, T_FLUSH, 0, 0) + kick(0) + settle() + bytes([OP_ISR]),
    "blk-two-queues": bytes([TWOQ]) + init() + req(0, 0, T_IN, 0, 1) + req(1, 0, T_GET_ID, 0, 0) +
    kick(0) + kick(1) + settle(),
    "blk-poll": bytes([POLL]) + init(EVENT_IDX) + req(0, 0, T_IN, 1, 1) + settle(60) +
    req(0, 3, T_IN, 2, 1) + settle(60),
    "blk-ro-write": bytes([RO]) + init() + req(0, 0, T_OUT, 0, 1) + kick(0) + settle(),
    # The sequence that once crashed kvmini: a ready queue re-armed with size 3, DRIVER_OK.
    "rearm-bad-size": bytes([0]) + negotiate() + queue() + w32(QNUM, 3) + w32(QREADY, 1) +
    w32(STATUS, ACK | DRV | FOK | DOK) + req(0, 0, T_IN, 0, 1) + kick(0) + settle(),
    "rearm-bad-size-poll": bytes([POLL]) + negotiate() + queue() + w32(QNUM, 3) +
    w32(QREADY, 1) + w32(STATUS, ACK | DRV | FOK | DOK) + req(0, 0, T_IN, 0, 1) + settle(),
    # A looping chain: completed empty, NEEDS_RESET, then reset and a good request.
    "loop-then-reset": bytes([0]) + init() + desc(0, 0, 0xA000, 16, 1, 0) +
    bytes([OP_PUBLISH, 0, 0]) + kick(0) + settle() + r32(STATUS) + bytes([OP_RESET]) + init() +
    req(0, 0, T_IN, 0, 1) + kick(0) + settle(),
    "reset-in-flight": bytes([0]) + init() + req(0, 0, T_IN, 0, 4) + req(0, 3, T_IN, 4, 4) +
    kick(0) + bytes([OP_RESET]) + init() + req(0, 0, T_IN, 0, 1) + kick(0) + settle(),
    "regs-after-driver-ok": bytes([0]) + init() + w32(QNUM, 3) + w32(QREADY, 0) +
    w32(QDESC, 0xFFF0) + w32(STATUS, ACK) + req(0, 0, T_IN, 0, 1) + kick(0) + settle(),
    "driver-ok-early": bytes([0]) + w32(STATUS, ACK | DRV | DOK) + queue() + kick(0) + kick(3),
    "config-all-sizes": bytes([0]) + b"".join(
        access(0x100 + off, size, 0) for off in range(0, 0x40, 3) for size in range(4)),
    "control-odd-sizes": bytes([0]) + b"".join(
        access(off, size, off & 1, 0xFFFFFFFFFFFFFFFF) for off in range(0, 0x100, 5)
        for size in (0, 1, 3)),
    "net-rx-tx": bytes([NET]) + init(1 << 5) + desc(0, 0, 0xA000, 2048, 2, 0) +
    bytes([OP_PUBLISH, 0, 0]) + kick(0) + bytes([OP_FRAME, 60]) + settle() +
    desc(1, 0, 0xB000, 12 + 60, 0, 0) + bytes([OP_PUBLISH, 1, 0]) + kick(1) + settle() +
    bytes([OP_ISR]),
    "net-poll": bytes([NET | POLL]) + init(EVENT_IDX) + desc(0, 0, 0xA000, 2048, 2, 0) +
    bytes([OP_PUBLISH, 0, 0]) + bytes([OP_FRAME, 100]) + settle(60) + bytes([OP_RESET]),
}

os.makedirs("corpus/mmio", exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join("corpus/mmio", name), "wb") as f:
        f.write(data)

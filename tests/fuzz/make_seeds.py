#!/usr/bin/env python3
"""Writes the seed corpus for fuzz_blk: well-formed guest RAM images holding one request each
(layout as documented in fuzz_blk.c). Run from this directory; the output is committed."""
import os
import struct

DESC, AVAIL, USED = 0x1000, 0x2000, 0x3000
HDR, DATA, STATUS, TABLE = 0x4000, 0x5000, 0x4800, 0x6000
F_NEXT, F_WRITE, F_INDIRECT = 1, 2, 4


def image(qlog, flags, descs, heads, blobs, table=None, size=0x8000):
    ram = bytearray(size)
    ram[0], ram[1], ram[2] = qlog, flags, 1
    for i, (addr, length, fl, nxt) in enumerate(descs):
        struct.pack_into("<QIHH", ram, DESC + 16 * i, addr, length, fl, nxt)
    for i, (addr, length, fl, nxt) in enumerate(table or []):
        struct.pack_into("<QIHH", ram, TABLE + 16 * i, addr, length, fl, nxt)
    struct.pack_into("<HH", ram, AVAIL, 0, len(heads))
    for i, h in enumerate(heads):
        struct.pack_into("<H", ram, AVAIL + 4 + 2 * i, h)
    for addr, blob in blobs:
        ram[addr:addr + len(blob)] = blob
    return bytes(ram)


def hdr(kind, sector):
    return struct.pack("<IIQ", kind, 0, sector)


def chain(data_len, data_flags):
    return [(HDR, 16, F_NEXT, 1), (DATA, data_len, F_NEXT | data_flags, 2), (STATUS, 1, F_WRITE, 0)]


seeds = {
    "read": image(4, 0, chain(4096, F_WRITE), [0], [(HDR, hdr(0, 3))]),
    "write": image(4, 8, chain(1024, 0), [0], [(HDR, hdr(1, 5)), (DATA, b"\xab" * 1024)]),
    "flush": image(4, 8, [(HDR, 16, F_NEXT, 1), (STATUS, 1, F_WRITE, 0)], [0], [(HDR, hdr(4, 0))]),
    "get_id": image(3, 0, chain(20, F_WRITE), [0], [(HDR, hdr(8, 0))]),
    "discard": image(4, 0, chain(16, 0), [0],
                     [(HDR, hdr(11, 0)), (DATA, struct.pack("<QII", 2, 4, 0))]),
    "zeroes": image(4, 0, chain(32, 0), [0],
                    [(HDR, hdr(13, 0)), (DATA, struct.pack("<QIIQII", 1, 2, 1, 8, 1, 0))]),
    "indirect": image(5, 3, [(TABLE, 48, F_INDIRECT, 0)], [0], [(HDR, hdr(0, 1))],
                      table=chain(512, F_WRITE)),
    "two": image(4, 1, chain(512, F_WRITE) + [(HDR + 16, 16, F_NEXT, 4), (STATUS + 1, 1, F_WRITE, 0)],
                 [0, 3], [(HDR, hdr(0, 0)), (HDR + 16, hdr(4, 0))]),
}
os.makedirs("corpus/blk", exist_ok=True)
for name, blob in seeds.items():
    with open(os.path.join("corpus/blk", name), "wb") as f:
        f.write(blob)


# fuzz_net_tx: transmit chains (virtio-net header + frame); byte 1 bit 2 = HOST_TSO4.
def net_image(qlog, flags, descs, heads, blobs):
    return image(qlog, flags, descs, heads, blobs, size=0x6000)


net_seeds = {
    "frame": net_image(4, 0, [(0x4000, 12, F_NEXT, 1), (0x4100, 60, 0, 0)], [0],
                       [(0x4100, b"\xff" * 12 + b"\x08\x00" + b"x" * 46)]),
    "split": net_image(4, 1, [(0x4000, 6, F_NEXT, 1), (0x4006, 6, F_NEXT, 2), (0x4100, 1514, 0, 0)],
                       [0], []),
    "indirect": net_image(4, 2, [(0x5000, 32, F_INDIRECT, 0)], [0],
                          [(0x5000, struct.pack("<QIHHQIHH", 0x4000, 12, F_NEXT, 1, 0x4100, 100, 0, 0))]),
    "two": net_image(4, 4, [(0x4000, 12, F_NEXT, 1), (0x4100, 9000 & 0x3fff, 0, 0),
                            (0x4000, 12, F_NEXT, 3), (0x4200, 64, 0, 0)], [0, 2], []),
}
os.makedirs("corpus/net-tx", exist_ok=True)
for name, blob in net_seeds.items():
    with open(os.path.join("corpus/net-tx", name), "wb") as f:
        f.write(blob)

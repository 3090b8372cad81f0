#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets; run from this directory, the output is committed.
corpus/blk, corpus/net-tx and corpus/rng: well-formed guest RAM images holding a request or
a few (layouts as documented in fuzz_blk.c, fuzz_net_tx.c and fuzz_rng.c). corpus/ide and corpus/legacy: port-access
sequences that drive the devices into their deep states (formats at the top of fuzz_ide.c and
fuzz_legacy.c)."""
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
# The same requests on the io_uring path (byte 1, bit 4).
for name in ["read", "write", "flush", "indirect", "two"]:
    blob = bytearray(seeds[name])
    blob[1] |= 16
    seeds["uring-" + name] = bytes(blob)
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


def write_corpus(name, seeds):
    os.makedirs(os.path.join("corpus", name), exist_ok=True)
    for seed, blob in seeds.items():
        with open(os.path.join("corpus", name, seed), "wb") as f:
            f.write(blob)


# fuzz_ide: byte 0 = read-only | disk size index << 1 (8, 300, 300 + a partial sector, 70000
# sectors); byte 1 = which disk call fails (0: none); then steps (sel, flags, [count], [data]).
NSECT, LBAL, LBAM, LBAH, DEVICE, COMMAND, FEATURE, CTL = 2, 3, 4, 5, 6, 7, 1, 8
W, SIZE2, SIZE4, STRING, X16 = 1, 1 << 1, 2 << 1, 8, 16


def ide_out(reg, val):
    return bytes([reg, W, val])


def ide_in(reg):
    return bytes([reg, 0])


def ide_status():
    return ide_in(COMMAND)


def ide_insw(words):  # rep insw: count = (byte + 1) << 4
    return bytes([0, SIZE2 | STRING | X16, words // 16 - 1])


def ide_insd(dwords):
    return bytes([0, SIZE4 | STRING | X16, dwords // 16 - 1])


def ide_outsw(words, seed):
    return bytes([0, W | SIZE2 | STRING | X16, words // 16 - 1, seed])


def lba28(cmd, lba, count):
    return (ide_out(DEVICE, 0x40 | (lba >> 24) & 0x0F) + ide_out(NSECT, count) +
            ide_out(LBAL, lba & 0xFF) + ide_out(LBAM, (lba >> 8) & 0xFF) +
            ide_out(LBAH, (lba >> 16) & 0xFF) + ide_out(COMMAND, cmd))


def lba48(cmd, lba, count):  # libata's order: the high bytes first
    return (ide_out(NSECT, count >> 8) + ide_out(LBAL, (lba >> 24) & 0xFF) +
            ide_out(LBAM, (lba >> 32) & 0xFF) + ide_out(LBAH, (lba >> 40) & 0xFF) +
            ide_out(NSECT, count & 0xFF) + ide_out(LBAL, lba & 0xFF) +
            ide_out(LBAM, (lba >> 8) & 0xFF) + ide_out(LBAH, (lba >> 16) & 0xFF) +
            ide_out(DEVICE, 0x40) + ide_out(COMMAND, cmd))


def read_sectors(n):
    return (ide_status() + ide_insw(256)) * n


def ide(setup, fault, *steps):
    return bytes([setup, fault]) + b"".join(steps)


SMALL, MID, ODD, BIG = 0 << 1, 1 << 1, 2 << 1, 3 << 1
ide_seeds = {
    "identify": ide(MID, 0, ide_out(DEVICE, 0), ide_out(COMMAND, 0xEC), ide_status(),
                    ide_insw(256), ide_status()),
    "read_count0": ide(MID, 0, lba28(0x20, 3, 0), read_sectors(4), ide_status()),
    "read_multiple": ide(MID, 0, ide_out(NSECT, 8), ide_out(COMMAND, 0xC6),
                         lba28(0xC4, 7, 12), ide_status(), ide_insw(8 * 256), ide_status(),
                         ide_insw(4 * 256), ide_status()),
    "write_multiple": ide(MID, 0, ide_out(NSECT, 4), ide_out(COMMAND, 0xC6),
                          lba28(0xC5, 10, 6), ide_status(), ide_outsw(4 * 256, 0x11),
                          ide_status(), ide_outsw(2 * 256, 0x22), ide_status(),
                          lba28(0x20, 10, 1), read_sectors(1)),
    "write_single": ide(MID, 0, lba28(0x30, 298, 2), ide_status(), ide_outsw(256, 0x33),
                        ide_status(), ide_outsw(256, 0x44), ide_status()),
    "lba48_count0": ide(BIG, 0, lba48(0x24, 0, 0), read_sectors(3), ide_out(CTL, 0x80),
                        ide_in(NSECT), ide_in(LBAL), ide_out(CTL, 0)),
    "lba48_write_multi": ide(BIG, 0, ide_out(NSECT, 16), ide_out(COMMAND, 0xC6),
                             lba48(0x39, 69990, 10), ide_outsw(10 * 256, 0x55), ide_status(),
                             lba48(0x34, 69999, 2)),
    "lba48_past_end": ide(MID, 0, lba48(0x24, 1 << 40, 1), ide_status(), ide_in(FEATURE),
                          ide_insw(16)),
    "readonly_write": ide(MID | 1, 0, lba28(0x30, 0, 1), ide_status(), ide_in(FEATURE),
                          ide_outsw(256, 0xEE), lba28(0x20, 0, 1), read_sectors(1)),
    "idnf": ide(SMALL, 0, lba28(0x20, 7, 2), ide_status(), ide_in(FEATURE), ide_insw(16),
                lba28(0x20, 7, 1), read_sectors(1)),
    "odd_size": ide(ODD, 0, lba28(0x30, 299, 1), ide_outsw(256, 0x66), ide_status(),
                    lba28(0x20, 299, 2), ide_status(), ide_in(FEATURE)),
    "srst": ide(MID, 0, ide_out(NSECT, 2), ide_out(COMMAND, 0xC6), lba28(0x20, 1, 4),
                ide_status(), ide_out(CTL, 0x06), ide_in(CTL), ide_out(COMMAND, 0xEC),
                ide_out(CTL, 0x02), ide_status(), ide_in(FEATURE), ide_insw(16),
                lba28(0xC4, 0, 4), read_sectors(2)),
    "chs": ide(MID, 0, ide_out(NSECT, 17), ide_out(DEVICE, 3), ide_out(COMMAND, 0x91),
               ide_out(DEVICE, 2), ide_out(NSECT, 1), ide_out(LBAL, 3), ide_out(LBAM, 1),
               ide_out(LBAH, 0), ide_out(COMMAND, 0x20), read_sectors(1)),
    "features_unknown": ide(MID, 0, ide_out(COMMAND, 0xC8), ide_status(), ide_in(FEATURE),
                            ide_out(FEATURE, 3), ide_out(NSECT, 0x0C), ide_out(COMMAND, 0xEF),
                            ide_out(COMMAND, 0xE5), ide_in(NSECT), ide_out(COMMAND, 0x90),
                            ide_out(COMMAND, 0xE7), ide_out(COMMAND, 0xEA), ide_out(COMMAND, 0x10)),
    "nien_32bit": ide(MID, 0, ide_out(CTL, 0x02), lba28(0x20, 5, 2), ide_in(CTL), ide_insd(128),
                      ide_out(CTL, 0), ide_status(), ide_insd(128), ide_status()),
    "slave": ide(MID, 0, lba28(0x20, 0, 1), ide_out(DEVICE, 0x10), ide_status(), ide_insw(256),
                 ide_out(COMMAND, 0xEC), ide_out(DEVICE, 0), ide_status()),
    "disk_fault": ide(MID, 2, lba28(0x20, 0, 3), read_sectors(2), ide_in(FEATURE),
                      lba28(0x30, 0, 1), ide_outsw(256, 1), ide_status(), ide_out(COMMAND, 0xE7)),
    "byte_access": ide(MID, 0, lba28(0x20, 9, 1), ide_status(), bytes([0, STRING | X16, 31]),
                       bytes([1, SIZE2]), bytes([6, W | SIZE2, 0, 0xEC]), bytes([9, 0]),
                       bytes([10, 0]), bytes([11, W, 4]), bytes([12, 0]), ide_status()),
}
write_corpus("ide", ide_seeds)


# fuzz_legacy: byte 0 = \_S5's SLP_TYP | rx_drained callback (8) | output to /dev/null (16);
# then steps (sel, flags, [count], [data]); sel 31 is host console input (flags = length).
COM1 = 0x3F8
UART = {"THR": 0, "RBR": 0, "DLL": 0, "IER": 1, "DLM": 1, "FCR": 2, "IIR": 2, "LCR": 3, "MCR": 4,
        "LSR": 5, "MSR": 6, "SCR": 7}
T_I8042_DATA, T_I8042_CMD, T_PM, T_MARKER, T_TEST_EXIT, T_PVPANIC, T_HOST = 10, 11, 15, 22, 24, 27, 31
T_PCI = 33  # 0xCF8; 0xCF7 is 32 and 0xD00 is 41


def uart_out(reg, val):
    return bytes([UART[reg], W, val])


def uart_in(reg):
    return bytes([UART[reg], 0])


def host(data):
    return bytes([T_HOST, len(data)]) + data


def kbc_cmd(val):
    return bytes([T_I8042_CMD, W, val])


def kbc_data(val):
    return bytes([T_I8042_DATA, W, val])


def kbc_in():
    return bytes([T_I8042_CMD, 0])


def kbc_data_in():
    return bytes([T_I8042_DATA, 0])


def legacy(setup, *steps):
    return bytes([setup]) + b"".join(steps)


S5 = 5
legacy_seeds = {
    "uart_dlab": legacy(S5 | 16, uart_out("LCR", 0x83), uart_out("DLL", 0x01), uart_out("DLM", 0),
                        uart_in("DLL"), uart_in("DLM"), uart_out("LCR", 0x03), uart_in("LCR"),
                        uart_out("THR", ord("k")), uart_in("LSR")),
    "uart_loopback": legacy(S5 | 8, uart_out("MCR", 0x1F), uart_in("MSR"), uart_out("IER", 0x05),
                            bytes([UART["THR"], W | STRING, 17, 0x40]), uart_in("IIR"),
                            uart_in("LSR"), bytes([UART["RBR"], STRING, 15]), uart_in("LSR"),
                            uart_out("MCR", 0x0B), uart_in("MSR")),
    "uart_fifo_irq": legacy(S5 | 8 | 16, uart_out("FCR", 0x87), uart_out("IER", 0x0F),
                            uart_in("IIR"), host(b"hello"), uart_in("IIR"),
                            host(b"0123456789abcdef"), uart_in("IIR"), uart_in("RBR"),
                            uart_out("FCR", 0x03), uart_in("LSR"), uart_out("THR", 0x41),
                            uart_in("IIR"), uart_out("IER", 0)),
    "uart_wide": legacy(S5, bytes([UART["SCR"], W, 0x5A]), bytes([UART["MCR"], SIZE4]),
                        bytes([UART["IIR"], SIZE2]), bytes([8, SIZE2]), bytes([9, 0]),
                        bytes([UART["MSR"], W | SIZE2, 1, 2])),
    "pm_poweroff": legacy(S5, bytes([T_PM + 2, W | SIZE2, 0x20, 0x01]),
                          bytes([T_PM + 4, W | SIZE2, 0x00, S5 << 2]), bytes([T_PM + 4, SIZE2]),
                          bytes([T_PM, SIZE4]), bytes([T_PM + 5, W, (S5 << 2) | 0x20])),
    "pm_other_sleep": legacy(S5, bytes([T_PM + 4, W | SIZE2, 0x00, (3 << 2) | 0x20]),
                             bytes([T_PM + 2, W | SIZE4, 0xFF, 0xFF, 0x00, (S5 << 2) | 0x20])),
    "i8042_reset": legacy(S5, bytes([T_I8042_CMD, 0]), bytes([T_I8042_DATA, W, 0xFE]),
                          bytes([T_I8042_CMD, W, 0xAA]), bytes([T_I8042_CMD, W, 0xFE])),
    # Linux 6.1's i8042 probe: flush, CTR read twice and written back, the aux loopback and
    # interface test, a byte for the absent keyboard, the output port, a self test and reset.
    "i8042_linux_probe": legacy(S5, kbc_in(), kbc_cmd(0x20), kbc_in(), kbc_data_in(),
                                kbc_cmd(0x60), kbc_data(0x74), kbc_cmd(0xD3), kbc_data(0x5A),
                                kbc_in(), kbc_data_in(), kbc_cmd(0xA9), kbc_data_in(),
                                kbc_cmd(0xA7), kbc_cmd(0xA8), kbc_cmd(0xAB), kbc_data_in(),
                                kbc_data(0xF2), kbc_in(), kbc_data_in(), kbc_cmd(0xD4),
                                kbc_data(0xFF), kbc_cmd(0xD1), kbc_data(0xDF), kbc_cmd(0xD0),
                                kbc_data_in(), kbc_cmd(0xD2), kbc_data(0xAB), kbc_cmd(0x7F),
                                kbc_data(0x99), kbc_cmd(0x3F), kbc_data_in(), kbc_cmd(0xAA),
                                kbc_in(), kbc_data_in(), kbc_cmd(0xFF), kbc_cmd(0xFC)),
    "pvpanic": legacy(S5, bytes([T_PVPANIC, 0]), bytes([T_PVPANIC, W, 2]),
                      bytes([T_PVPANIC + 1, W, 1]), bytes([T_PVPANIC, W | 6, 1, 0, 0, 0, 0, 0, 0, 0]),
                      bytes([T_PVPANIC, W, 1])),
    # Linux 6.1's pci_check_type1 and pci_sanity_check, then a scan past 00:00.0 and a BAR
    # sized by writing all ones.
    "pci_linux_probe": legacy(S5, bytes([T_PCI + 3, W, 0x01]), bytes([T_PCI, SIZE4]),
                              bytes([T_PCI, W | SIZE4, 0, 0, 0, 0x80]), bytes([T_PCI, SIZE4]),
                              bytes([T_PCI, W | SIZE4, 0x08, 0, 0, 0x80]),
                              bytes([T_PCI + 6, SIZE2]), bytes([T_PCI + 4, SIZE4]),
                              bytes([T_PCI, W | SIZE4, 0, 0, 0, 0x80]), bytes([T_PCI + 4, SIZE2]),
                              bytes([T_PCI + 6, SIZE2]), bytes([T_PCI, W | SIZE4, 0, 0x08, 0, 0x80]),
                              bytes([T_PCI + 4, SIZE4]), bytes([T_PCI, W | SIZE4, 0x10, 0, 0, 0x80]),
                              bytes([T_PCI + 4, W | SIZE4, 0xFF, 0xFF, 0xFF, 0xFF]),
                              bytes([T_PCI + 4, SIZE4]), bytes([T_PCI + 5, 0]),
                              bytes([T_PCI + 1, SIZE4]), bytes([T_PCI - 1, SIZE2])),
    "marker_exit": legacy(S5, bytes([T_MARKER, W, 1]), bytes([T_MARKER, W | STRING, 3, 0xFE]),
                          bytes([T_MARKER, 0]), bytes([T_TEST_EXIT, 0]),
                          bytes([T_TEST_EXIT, W, 42])),
}
write_corpus("legacy", legacy_seeds)


# fuzz_rng: device-writable buffers (layout as for net-tx); byte 1 bit 0 = EVENT_IDX, bit 1 =
# INDIRECT_DESC, bit 2 = the source fails after a short read.
def rng_image(qlog, flags, descs, heads, table=None):
    return image(qlog, flags, descs, heads, [], table=table, size=0x8000)


rng_seeds = {
    "one": rng_image(4, 0, [(0x4000, 64, F_WRITE, 0)], [0]),
    "chain": rng_image(4, 1, [(0x4000, 100, F_WRITE | F_NEXT, 1), (0x5000, 3000, F_WRITE, 0)], [0]),
    "indirect": rng_image(4, 2, [(TABLE, 32, F_INDIRECT, 0)], [0],
                          table=[(0x4000, 64, F_WRITE | F_NEXT, 1), (0x4100, 64, F_WRITE, 0)]),
    "readable": rng_image(4, 0, [(0x4000, 64, 0, 0), (0x4100, 64, F_WRITE, 0)], [0, 1]),
    "short": rng_image(4, 4, [(0x4000, 64, F_WRITE | F_NEXT, 1), (0x4100, 64, F_WRITE, 0)], [0]),
    "many": rng_image(3, 0, [(0x4000 + 0x100 * i, 16, F_WRITE, 0) for i in range(8)], list(range(8))),
}
write_corpus("rng", rng_seeds)

#!/usr/bin/env python3
"""Writes the seed corpus for fuzz_rtc: port sequences (format documented at the top of
fuzz_rtc.c) that reach the RTC's deep states: reading the time as Linux does, setting it under
SET, binary and 12-hour forms, the divider held and released, the update, alarm and periodic
interrupts taken and left pending, host clock steps, NVRAM and odd access sizes. Run from this
directory; the output is committed."""
import os
import struct

INDEX, WRITE, READ, WORD, CLOCK, POLL, WIDE, STRING = range(8)
US, MS, S, H = 0, 8, 16, 24  # CLOCK units (op bits 3-4)
BACK = 0x20
SEC, SEC_ALARM, MIN, MIN_ALARM, HOUR, HOUR_ALARM = 0, 1, 2, 3, 4, 5
MDAY, MON, YEAR, A, B, C, D, CENTURY = 7, 8, 9, 0x0A, 0x0B, 0x0C, 0x0D, 0x32
SET, PIE, AIE, UIE, BIN, H24 = 0x80, 0x40, 0x20, 0x10, 0x04, 0x02


def wr(reg, val):
    return bytes([INDEX, reg, WRITE, val])


def rd(reg):
    return bytes([INDEX, reg, READ])


def clock(n, unit=MS, back=False):
    return bytes([CLOCK | unit | (BACK if back else 0)]) + struct.pack("<H", n)


def poll(to_next=False):
    return bytes([POLL | (8 if to_next else 0)])


def linux_read():
    """mc146818_get_time: seconds, A (UIP), seconds, the fields, A, seconds."""
    return (rd(SEC) + rd(A) + rd(SEC) + rd(MIN) + rd(HOUR) + rd(MDAY) + rd(MON) + rd(YEAR) +
            rd(CENTURY) + rd(B) + rd(A) + rd(SEC))


def set_time(b, fields):
    out = wr(B, b | SET)
    for reg, val in fields:
        out += wr(reg, val)
    return out + wr(B, b)


seeds = {
    "linux_read": bytes([0]) + linux_read() + clock(999, MS) + linux_read(),
    "uip_window": bytes([200]) + clock(990, MS) + rd(A) + clock(9, MS) + rd(A) + clock(800, US) +
    rd(A) + rd(SEC),
    "set_time_bcd": bytes([3]) + set_time(H24, [(SEC, 0x40), (MIN, 0x46), (HOUR, 0x01), (MDAY, 0x09),
                                             (MON, 0x09), (YEAR, 0x01), (CENTURY, 0x20)]) +
    clock(5, S) + linux_read(),
    "binary_12h": bytes([9]) + wr(B, BIN) + linux_read() + wr(B, BIN | H24) + linux_read() +
    set_time(BIN, [(HOUR, 0x8C), (MIN, 59), (SEC, 59)]) + clock(2, S) + rd(HOUR),
    "divider": bytes([17]) + wr(A, 0x70 | 6) + clock(3, S) + rd(SEC) + wr(A, 0x26) + clock(499, MS) +
    rd(SEC) + clock(2, MS) + rd(SEC) + wr(A, 0x06) + clock(1, S) + rd(A),
    "uie": bytes([40]) + rd(C) + wr(B, H24 | UIE) + poll(True) + rd(C) + poll(True) + clock(5, S) +
    poll() + rd(C) + wr(B, H24 | SET | UIE) + rd(B),
    "alarm": bytes([77]) + wr(HOUR_ALARM, 0xFF) + wr(MIN_ALARM, 0xC0) + wr(SEC_ALARM, 0x05) +
    wr(B, H24 | AIE) + poll(True) + rd(C) + poll(True) + wr(SEC_ALARM, 0x60) + poll(True) +
    clock(2, H) + rd(C),
    "periodic_8192": bytes([5]) + wr(A, 0x23) + wr(B, H24 | PIE) + poll(True) + clock(100, MS) +
    poll() + rd(C) + poll(True) + rd(C) + wr(A, 0x2F) + poll(True) + rd(C) + wr(A, 0x20) + poll(True),
    "clock_steps": bytes([1]) + wr(B, H24 | UIE) + clock(1, H, back=True) + poll() + linux_read() +
    poll(True) + rd(C) + clock(60000, S) + poll() + rd(C) + clock(500, US, back=True) + rd(A),
    "rollover": bytes([2]) + set_time(H24, [(SEC, 0x59), (MIN, 0x59), (HOUR, 0x23), (MDAY, 0x31),
                                            (MON, 0x12), (YEAR, 0x99), (CENTURY, 0x99)]) +
    clock(2, S) + linux_read() + set_time(H24, [(MON, 0x13), (HOUR, 0x25), (SEC, 0xFA)]) + linux_read(),
    "nvram": bytes([0]) + b"".join(wr(r, r ^ 0x5A) for r in (0x0E, 0x10, 0x31, 0x33, 0x7F)) +
    rd(0x7F) + bytes([INDEX, 0xFF, READ, INDEX, 0x8B, READ]) + wr(C, 0xFF) + wr(D, 0),
    "access_sizes": bytes([0]) + bytes([WORD | 8, 0x40, 0x66, WORD, WORD | 0x10, WORD | 0x18, 1, 2]) +
    bytes([WIDE | 0x20]) + struct.pack("<Q", 0x1122334455667741) + bytes([WIDE, WIDE | 8 | 0x10]) +
    bytes([STRING, 3, 0x0B, 0x0C, 0x0A, 0x0B, STRING | 0x10, 4]),
}

os.makedirs("corpus/rtc", exist_ok=True)
for name, blob in seeds.items():
    with open(os.path.join("corpus/rtc", name), "wb") as f:
        f.write(blob)

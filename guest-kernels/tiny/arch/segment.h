/* Selectors of the GDT entry.S loads (Linux's boot layout); IDT gates name the code one. */
#ifndef TINY_ARCH_SEGMENT_H
#define TINY_ARCH_SEGMENT_H

#define BOOT_CS 0x10
#define BOOT_DS 0x18

#endif

/* Port and MMIO accessors. Every port access is a VM exit, so callers should keep them few. */
#ifndef TINY_ARCH_IO_H
#define TINY_ARCH_IO_H

#include "lib/types.h"

static inline void outb(u8 v, u16 port)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(u16 v, u16 port)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(u32 v, u16 port)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline u8 inb(u16 port)
{
	u8 v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u16 inw(u16 port)
{
	u16 v;
	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u32 inl(u16 port)
{
	u32 v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* String I/O reaches the VMM as one exit with count > 1, which devices must handle. */
static inline void insw(u16 port, void *buf, size_t count)
{
	__asm__ volatile("rep insw" : "+D"(buf), "+c"(count) : "d"(port) : "memory");
}

static inline void outsw(u16 port, const void *buf, size_t count)
{
	__asm__ volatile("rep outsw" : "+S"(buf), "+c"(count) : "d"(port) : "memory");
}

/* RAM is identity mapped, so a physical address is usable as a pointer. */
static inline u8 mmio_read8(u64 addr)
{
	return *(volatile u8 *)(uintptr_t)addr;
}

static inline void mmio_write8(u64 addr, u8 v)
{
	*(volatile u8 *)(uintptr_t)addr = v;
}

static inline u16 mmio_read16(u64 addr)
{
	return *(volatile u16 *)(uintptr_t)addr;
}

static inline void mmio_write16(u64 addr, u16 v)
{
	*(volatile u16 *)(uintptr_t)addr = v;
}

static inline u32 mmio_read32(u64 addr)
{
	return *(volatile u32 *)(uintptr_t)addr;
}

static inline void mmio_write32(u64 addr, u32 v)
{
	*(volatile u32 *)(uintptr_t)addr = v;
}

/*
 * One movq, never two 32-bit halves: a device must see the 8-byte access itself (virtio-mmio
 * config space takes them, control registers must ignore them).
 */
static inline u64 mmio_read64(u64 addr)
{
	u64 v;
	__asm__ volatile("movq %1, %0" : "=r"(v) : "m"(*(volatile u64 *)(uintptr_t)addr));
	return v;
}

static inline void mmio_write64(u64 addr, u64 v)
{
	__asm__ volatile("movq %1, %0" : "=m"(*(volatile u64 *)(uintptr_t)addr) : "r"(v));
}

#endif

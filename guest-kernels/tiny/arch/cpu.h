/* Thin wrappers for the privileged instructions the scenarios use. */
#ifndef TINY_ARCH_CPU_H
#define TINY_ARCH_CPU_H

#include "lib/types.h"

/* Operand of lgdt/lidt. */
struct desc_ptr {
	u16 limit;
	u64 base;
} __attribute__((packed));

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

/* The time-stamp counter: no VM exit under KVM (it offsets the TSC, it does not trap it). */
static inline u64 rdtsc(void)
{
	u32 lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (u64)hi << 32 | lo;
}

static inline void cli(void)
{
	__asm__ volatile("cli" ::: "memory");
}

static inline void lidt(const struct desc_ptr *d)
{
	__asm__ volatile("lidt %0" : : "m"(*d) : "memory");
}

static inline u64 read_cr2(void)
{
	u64 v;

	__asm__ volatile("movq %%cr2, %0" : "=r"(v));
	return v;
}

static inline void ud2(void)
{
	__asm__ volatile("ud2" ::: "memory");
}

static inline __attribute__((noreturn)) void halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt" ::: "memory");
}

#endif

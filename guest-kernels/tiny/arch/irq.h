/*
 * Interrupts and exceptions: the IDT, a handler per device vector, and the one safe way to
 * wait for an interrupt. The tiny guest runs with interrupts disabled except while it waits,
 * so handlers run only inside wait_event and never race the code that consumes their work.
 */
#ifndef TINY_ARCH_IRQ_H
#define TINY_ARCH_IRQ_H

#include "lib/types.h"

#define NR_VECTORS    256
#define NR_EXCEPTIONS 32
/* Linux's ISA_IRQ_VECTOR(): IOAPIC pin p arrives on vector 0x30 + p. */
#define IRQ_VECTOR_BASE 0x30
#define SPURIOUS_VECTOR 0xff
/* The status kvmini exits with when an exception ends the guest. */
#define EXIT_EXCEPTION 99

#define X86_EFLAGS_IF 0x200

/* What irq_entry.S leaves on the stack: lowest address first. */
struct irq_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector;
	u64 error; /* the CPU's error code, 0 where it pushes none */
	u64 rip, cs, rflags, rsp, ss;
};

typedef void (*irq_handler_t)(void *ctx);

/*
 * Loads an IDT with a gate for every vector. Exceptions print
 * "tiny: exception N (name) at rip X err X cr2 X" and end the VM with EXIT_EXCEPTION.
 */
void idt_init(void);

/*
 * Calls handler(ctx) for each interrupt on vector (NR_EXCEPTIONS..0xfe), then signals EOI to
 * the local APIC. Returns -1 for an exception or spurious vector, or one already taken.
 */
int irq_register(u8 vector, irq_handler_t handler, void *ctx);

/*
 * Lost wakeups: the bounded fallback real drivers have for an interrupt that never comes. A
 * driver gives its handler a probe: a read of the device, free of side effects, saying that
 * it has finished something the guest hears of by an interrupt (virtio-mmio: InterruptStatus
 * is not 0; ATA: a command awaits its interrupt and the device is no longer busy). The timer
 * wake-ups of drivers/watchdog.c and lib/net_clock.c call irq_check_lost(ms) every ms: a
 * probe that keeps saying so for IRQ_LOST_MS, with no interrupt taken on its vector all that
 * time, is a lost wakeup. It is counted, and the handler runs as if the interrupt had come.
 * main() prints "tiny: lost wakeups: N" at the end of a scenario when N is not 0.
 */
#define IRQ_LOST_MS 500
typedef bool (*irq_probe_t)(void *ctx);
/* Attaches probe to the vector registered with handler and ctx; -1 if there is none. */
int irq_set_probe(irq_handler_t handler, void *ctx, irq_probe_t probe);
/* From a timer interrupt handler, ms after the last call. */
void irq_check_lost(u32 ms);
unsigned irq_lost_wakeups(void);

/* Called by irq_entry.S only. */
void irq_dispatch(struct irq_frame *f);

static inline void irq_enable(void)
{
	__asm__ volatile("sti" ::: "memory");
}

static inline void irq_disable(void)
{
	__asm__ volatile("cli" ::: "memory");
}

/* Disables interrupts and returns the previous RFLAGS for irq_restore. */
static inline unsigned long irq_save(void)
{
	unsigned long flags;

	__asm__ volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
	return flags;
}

static inline void irq_restore(unsigned long flags)
{
	if (flags & X86_EFLAGS_IF)
		irq_enable();
}

/*
 * Call with interrupts disabled, after finding nothing to do. sti takes effect only after the
 * next instruction, so no interrupt can slip in between it and hlt: one that arrived since
 * the caller looked (or arrives now) wakes the hlt instead of being handled before it and
 * leaving the CPU asleep. Returns, interrupts disabled again, once a handler has run.
 */
static inline void wait_for_irq(void)
{
	__asm__ volatile("sti; hlt; cli" ::: "memory");
}

/*
 * Sleeps until cond holds. cond is evaluated with interrupts disabled, so a handler cannot
 * change it between the test and the hlt; the caller's interrupt state is restored after.
 */
#define wait_event(cond)                                                                           \
	do {                                                                                       \
		unsigned long wait_flags_ = irq_save();                                            \
		while (!(cond))                                                                    \
			wait_for_irq();                                                            \
		irq_restore(wait_flags_);                                                          \
	} while (0)

#endif

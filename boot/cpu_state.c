#include "boot/cpu_state.h"

#include <string.h>

#include "platform/layout.h"

#define PTE_PRESENT  0x1ULL
#define PTE_WRITABLE 0x2ULL
#define PTE_HUGE     0x80ULL

#define CR0_PE	 0x1ULL
#define CR0_MP	 0x2ULL
#define CR0_ET	 0x10ULL
#define CR0_NE	 0x20ULL
#define CR0_PG	 0x80000000ULL
#define CR4_PAE	 0x20ULL
#define EFER_LME 0x100ULL
#define EFER_LMA 0x400ULL

/*
 * Descriptors: null, null, 64-bit code (0x10), flat data (0x18), busy 64-bit TSS (0x20, 16 bytes).
 */
static const uint64_t boot_gdt[] = {
    0, 0, 0x00AF9B000000FFFFULL, 0x00CF93000000FFFFULL, 0x00008B0000000067ULL, 0,
};

int boot_write_tables(const struct guest_mem *gm)
{
	if (!gm_write(gm, BOOT_GDT_ADDR, boot_gdt, sizeof(boot_gdt)))
		return -1;
	uint64_t *pml4 = gm_ptr(gm, BOOT_PML4_ADDR, BOOT_PAGE_SIZE);
	uint64_t *pdpt = gm_ptr(gm, BOOT_PDPT_ADDR, BOOT_PAGE_SIZE);
	uint64_t *pd = gm_ptr(gm, BOOT_PD_ADDR, 4 * BOOT_PAGE_SIZE);
	if (!pml4 || !pdpt || !pd)
		return -1;
	memset(pml4, 0, BOOT_PAGE_SIZE);
	memset(pdpt, 0, BOOT_PAGE_SIZE);
	pml4[0] = BOOT_PDPT_ADDR | PTE_PRESENT | PTE_WRITABLE;
	/*
	 * Identity-map all of 0-4 GiB, not just RAM: the kernel, zero page, command line and
	 * initrd all sit below 4 GiB, and the protocol requires them mapped.
	 */
	for (uint64_t i = 0; i < 4; i++)
		pdpt[i] = (BOOT_PD_ADDR + i * BOOT_PAGE_SIZE) | PTE_PRESENT | PTE_WRITABLE;
	for (uint64_t i = 0; i < 4 * 512; i++)
		pd[i] = (i << 21) | PTE_PRESENT | PTE_WRITABLE | PTE_HUGE;
	return 0;
}

static struct kvm_segment flat_segment(uint16_t selector, uint8_t type, int code64)
{
	return (struct kvm_segment){
	    .base = 0,
	    .limit = 0xFFFFFFFF,
	    .selector = selector,
	    .type = type,
	    .present = 1,
	    .dpl = 0,
	    .db = code64 ? 0 : 1, /* L=1 requires D=0 */
	    .s = 1,
	    .l = code64 ? 1 : 0,
	    .g = 1,
	};
}

void boot_set_sregs(struct kvm_sregs *s)
{
	s->cs = flat_segment(BOOT_CS, 0xB, 1); /* execute/read, accessed */
	s->ds = s->es = s->fs = s->gs = s->ss = flat_segment(BOOT_DS, 0x3, 0);
	/* VMX refuses to enter a guest without a usable TR, even one that never switches tasks. */
	s->tr = (struct kvm_segment){
	    .base = 0, .limit = 0x67, .selector = BOOT_TR, .type = 0xB, .present = 1};
	s->gdt.base = BOOT_GDT_ADDR;
	s->gdt.limit = sizeof(boot_gdt) - 1;
	s->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_PG;
	s->cr3 = BOOT_PML4_ADDR;
	s->cr4 = CR4_PAE;
	s->efer = EFER_LME | EFER_LMA;
}

void boot_set_regs(struct kvm_regs *r, uint64_t entry, uint64_t boot_params_gpa)
{
	memset(r, 0, sizeof(*r));
	r->rflags =
	    0x2; /* reserved bit 1; IF clear: interrupts stay off until the kernel is ready */
	r->rip = entry;
	r->rsi = boot_params_gpa;
	r->rsp = BOOT_STACK_TOP;
}

/* Per-vCPU CPUID: the APIC id lands in every place a guest reads it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/cpuid.h"

static struct kvm_cpuid2 *make(void)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 5 * sizeof(struct kvm_cpuid_entry2));
	c->nent = 5;
	c->entries[0] = (struct kvm_cpuid_entry2){.function = 0, .eax = 0x1F};
	c->entries[1] = (struct kvm_cpuid_entry2){.function = 1, .ebx = 0xAB010800};
	c->entries[2] = (struct kvm_cpuid_entry2){.function = 0xB, .index = 0, .edx = 0x99};
	c->entries[3] = (struct kvm_cpuid_entry2){.function = 0xB, .index = 1, .edx = 0x99};
	c->entries[4] = (struct kvm_cpuid_entry2){.function = 0x1F, .index = 0, .edx = 0x99};
	return c;
}

static void test_apic_id(void **state)
{
	(void)state;
	struct kvm_cpuid2 *base = make();
	struct kvm_cpuid2 *c = cpuid_copy(base);
	cpuid_set_apic_id(c, 3);
	assert_int_equal(c->entries[1].ebx, 0x03010800); /* only bits 31:24 change */
	assert_int_equal(c->entries[2].edx, 3);
	assert_int_equal(c->entries[3].edx, 3);
	assert_int_equal(c->entries[4].edx, 3);
	assert_int_equal(c->entries[0].eax, 0x1F);
	/* The copy is independent of the base every vCPU starts from. */
	assert_int_equal(base->entries[1].ebx, 0xAB010800);
	free(c);
	free(base);
}

static void test_complete(void **state)
{
	(void)state;
	struct kvm_cpuid2 *c = make();
	c->entries[1].ecx = 0x76f83203; /* what kvm_amd reports: neither bit */
	cpuid_complete(c, false);
	assert_int_equal(c->entries[1].ecx, 0x76f83203 | CPUID_1_ECX_HYPERVISOR);
	cpuid_complete(c, true);
	assert_int_equal(c->entries[1].ecx,
			 0x76f83203 | CPUID_1_ECX_HYPERVISOR | CPUID_1_ECX_TSC_DEADLINE);
	assert_int_equal(c->entries[0].ecx, 0); /* other leaves untouched */
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_apic_id),
					   cmocka_unit_test(test_complete)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

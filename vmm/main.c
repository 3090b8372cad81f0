/* kvmini: parse the command line, build the machine, run it, and turn the ending into a status. */
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vmm/board.h"
#include "vmm/cli.h"
#include "vmm/console.h"
#include "vmm/sandbox.h"
#include "vmm/vm.h"

static int fail(int status, const char *msg)
{
	console_restore_tty();
	fprintf(stderr, "kvmini: %s\n", msg);
	return status;
}

static int run(const struct kvmini_config *cfg)
{
	struct err err = {{0}};
	/* Before any thread exists, so every thread inherits the blocked ending signals. */
	if (console_block_signals(&err))
		return fail(KVMINI_EXIT_FAILURE, err.msg);

	/* Before any thread exists, too: each confines itself with it (vmm/sandbox.h). */
	static struct sandbox sandbox;
	if (sandbox_init(&sandbox, !cfg->no_sandbox, cfg->core, &err))
		return fail(KVMINI_EXIT_FAILURE, err.msg);

	struct vm vm;
	/*
	 * Static, so zero without a memset: RSS counts only touched pages, and most of the board
	 * (the 64 KiB device-tree buffer, the per-device slots) is never written.
	 */
	static struct board board;
	int status = KVMINI_EXIT_FAILURE;
	if (vm_create(&vm, cfg->mem, cfg->cpus, cfg->verbose, &err)) {
		vm_destroy(&vm);
		return fail(KVMINI_EXIT_FAILURE, err.msg);
	}
	vm.trace_exits = cfg->trace_exits;
	sandbox.vm_fd = vm.vm_fd;
	sandbox.tty_fd = isatty(STDIN_FILENO) ? STDIN_FILENO : -1;
	vm.sandbox = &sandbox;
	status = board_setup(&board, &vm, cfg, &err);
	if (status) {
		board_destroy(&board);
		vm_destroy(&vm);
		return fail(status, err.msg);
	}
	/* Read only by threads created from here on (vCPUs, the console). */
	for (unsigned i = 0; i < board.nnets && i < SANDBOX_MAX_FDS; i++)
		sandbox.tap_fds[sandbox.ntaps++] = board.nets[i].tap.fd;
	sandbox.guest_ram = vm.mem.mapping;
	sandbox.guest_ram_size = vm.mem.mapping_size;

	struct console console;
	if (console_start(&console, STDIN_FILENO, STDOUT_FILENO, &board.serial, vm_machine_ctl(&vm),
			  &sandbox, &err)) {
		console_stop(&console);
		board_destroy(&board);
		vm_destroy(&vm);
		return fail(KVMINI_EXIT_FAILURE, err.msg);
	}
	status = vm_run(&vm);
	console_stop(&console);

	unsigned long long pio = atomic_load(&vm.pio.unclaimed);
	unsigned long long mmio = atomic_load(&vm.mmio.unclaimed);
	vm_log(&vm, "unclaimed accesses: %llu PIO, %llu MMIO", pio, mmio);
	board_report(&board, &vm);
	if (cfg->exit_stats)
		exit_stats_report(&vm.stats, stderr);
	/* A clean ending is quiet unless --verbose; any other says why on stderr. */
	if (status == KVMINI_EXIT_OK)
		vm_log(&vm, "%s; exit status 0", vm.exit_reason);
	else
		fprintf(stderr, "kvmini: %s (exit status %d)\n", vm.exit_reason, status);
	board_destroy(&board);
	vm_destroy(&vm);
	return status;
}

int main(int argc, char **argv)
{
	/*
	 * One malloc arena: each thread that allocates (the sandbox builds its filter with
	 * libseccomp) would otherwise get its own, touching pages of a fresh 64 MiB reservation.
	 * Nothing on a hot path allocates.
	 */
	mallopt(M_ARENA_MAX, 1);
	struct kvmini_config cfg;
	struct err err = {{0}};
	switch (cli_parse(argc, argv, &cfg, &err)) {
	case CLI_HELP:
		cli_usage(stdout);
		return KVMINI_EXIT_OK;
	case CLI_VERSION:
		printf("kvmini %s\n", KVMINI_VERSION);
		return KVMINI_EXIT_OK;
	case CLI_ERROR:
		cli_free(&cfg);
		fprintf(stderr, "kvmini: %s\n", err.msg);
		return KVMINI_EXIT_USAGE;
	case CLI_RUN:
		break;
	}
	int status = run(&cfg);
	cli_free(&cfg);
	return status;
}

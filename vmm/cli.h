/* The kvmini command line: `kvmini run [options]`, `--help`, `--version`. */
#ifndef KVMINI_CLI_H
#define KVMINI_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/err.h"
#include "vmm/exit_status.h" /* documented in --help */

/*
 * The default command line needs no pci=off: Linux finds configuration mechanism #1 and a
 * lone host bridge (devices/pci_host.h). A --cmdline replaces the whole string and is never
 * rewritten.
 */
#define CLI_DEFAULT_MEM	    (256ULL << 20)
#define CLI_DEFAULT_CPUS    1
#define CLI_DEFAULT_CMDLINE "console=ttyS0"
#define CLI_MIN_MEM	    (16ULL << 20)
#define CLI_MAX_MEM	    (1ULL << 40)
#define CLI_MAX_CPUS	    254 /* xAPIC ids are 8 bits and 0xFF is the broadcast id */

#define CLI_MAX_DISKS	 8
#define CLI_MAX_QUEUES	 16
#define CLI_MAX_POLL_US	 1000000
#define CLI_AUTO_POLL_US 32 /* poll=auto: the longest a worker spins before it sleeps */

enum disk_aio {
	DISK_AIO_DEFAULT,  /* io_uring, or sync (said once) where the host has no io_uring */
	DISK_AIO_SYNC,	   /* one request at a time per queue */
	DISK_AIO_IO_URING, /* asked for: an error where the host has no io_uring */
};

/* One --disk PATH[,ro][,serial=S][,queues=N][,poll=auto|off|USEC][,aio=io_uring|sync]. */
struct disk_opt {
	char *path; /* owned: the option string, split in place */
	bool ro;
	const char *serial; /* NULL: derived from the disk's position */
	unsigned queues;
	unsigned poll_us;      /* fixed polling with kicks off; 0: none */
	unsigned auto_poll_us; /* adaptive polling up to this; 0: none */
	enum disk_aio aio;
};

#define CLI_MAX_NETS 8

/* One --net tap=NAME[,mac=MAC][,mtu=N]. */
struct net_opt {
	char *spec; /* owned: the option string, split in place */
	const char *tap;
	bool has_mac;
	uint8_t mac[6];
	unsigned mtu;
};

struct kvmini_config {
	const char *kernel;
	const char *initrd;
	const char *cmdline;
	const char *dump_dtb;
	uint64_t mem;
	unsigned cpus;
	bool verbose;
	struct disk_opt disks[CLI_MAX_DISKS];
	unsigned ndisks;
	struct net_opt nets[CLI_MAX_NETS];
	unsigned nnets;
	bool virtio_cmdline; /* also describe virtio devices on the kernel command line */
	bool no_acpi;	     /* no ACPI tables */
	bool exit_stats;     /* print exit statistics when the VM ends */
	bool trace_exits;    /* print every user-space exit as it happens */
	bool no_sandbox;     /* do not confine kvmini after set-up */
	bool core;	     /* allow core dumps (guest RAM is still left out) */
	char *ide_path;	     /* --ide PATH[,ro]: owned, split in place */
	bool ide_ro;
	bool rng; /* --rng: a virtio-rng device */
};

enum cli_action { CLI_RUN, CLI_HELP, CLI_VERSION, CLI_ERROR };

/* Parses argv; on CLI_ERROR err holds a one-line message saying what is wrong and how to fix it. */
enum cli_action cli_parse(int argc, char **argv, struct kvmini_config *cfg, struct err *err);

/* "512M", "4G", "65536K", "1T"; a bare number is MiB, like QEMU's -m. Returns 0 or -1. */
int cli_parse_size(const char *s, uint64_t *out);

/* Parses the value of one --disk option into d; returns 0 or -1 with err set. */
int cli_parse_disk(const char *spec, struct disk_opt *d, struct err *err);

/* Parses the value of one --net option into n; returns 0 or -1 with err set. */
int cli_parse_net(const char *spec, struct net_opt *n, struct err *err);

/* Parses the value of --ide into cfg; returns 0 or -1 with err set. */
int cli_parse_ide(const char *spec, struct kvmini_config *cfg, struct err *err);

/* Frees what cli_parse allocated. */
void cli_free(struct kvmini_config *cfg);

void cli_usage(FILE *f);

#endif

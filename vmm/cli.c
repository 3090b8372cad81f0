#include "vmm/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "platform/layout.h"

int cli_parse_size(const char *s, uint64_t *out)
{
	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	unsigned shift;
	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		break;
	case '\0':
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	case 't':
	case 'T':
		shift = 40;
		break;
	default:
		return -1;
	}
	if (*end && end[1] != '\0' && strcmp(end + 1, "iB") != 0 && strcmp(end + 1, "B") != 0)
		return -1;
	if (v > (UINT64_MAX >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

#define CLI_STR_(...) #__VA_ARGS__
#define CLI_STR(x)    CLI_STR_(x)

void cli_usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: kvmini run --kernel PATH [options]\n"
	    "       kvmini --help | --version\n"
	    "\n"
	    "Boots an x86_64 Linux bzImage (or kvmini's tiny test guest) under KVM.\n"
	    "\n"
	    "options of `run`:\n"
	    "  --kernel PATH      bzImage to boot (required)\n"
	    "  --initrd PATH      initial ramdisk (default: none)\n"
	    "  --cmdline STR      kernel command line (default: \"%s\"); STR replaces it\n"
	    "                     whole and is passed as given\n"
	    "  --mem SIZE         guest RAM, with K/M/G/T suffix; bare numbers are MiB\n"
	    "                     (default: 256M; %lluM to %lluG)\n"
	    "  --cpus N           vCPUs, 1 to %d (default: %d)\n"
	    "  --dump-dtb PATH    also write the device tree blob given to the guest to PATH\n"
	    "  --disk PATH[,ro][,serial=S][,queues=N][,poll=P][,aio=A]\n"
	    "                     a virtio-blk disk on a raw image (repeatable, up to %d);\n"
	    "                     ro: read-only; serial: up to 20 bytes (default kvmini-vdN);\n"
	    "                     queues: 1 to %d, one thread each (default 1);\n"
	    "                     poll: auto (default: spin up to %d us before sleeping,\n"
	    "                     self-tuned), off (sleep until notified), or USEC (after\n"
	    "                     each request poll the ring this long, no notify exits);\n"
	    "                     aio: io_uring (a batch per call, many in flight) or sync\n"
	    "                     (one at a time); default io_uring where the host has it,\n"
	    "                     but sync for an image in tmpfs (io_uring cannot read it\n"
	    "                     inline: each request would go to a kernel thread)\n"
	    "  --net tap=NAME[,mac=MAC][,mtu=N]\n"
	    "                     a virtio-net NIC on a tap device, created if missing\n"
	    "                     (repeatable); mac: default derived from NAME; mtu: 68 to\n"
	    "                     65535 (default 1500)\n"
	    "  --rng              a virtio-rng device: the guest reads entropy from the\n"
	    "                     host's getrandom (Linux: virtio_rng, /dev/hwrng)\n"
	    "  --ide PATH[,ro]    an emulated IDE disk (ATA PIO, ports 0x%X-0x%X and 0x%X,\n"
	    "                     IRQ %d) on a raw image: the full-emulation path\n"
	    "  --virtio-cmdline   also name the virtio devices on the kernel command line\n"
	    "                     (virtio_mmio.device=...), for kernels without device tree;\n"
	    "                     their IRQs are then the ISA IRQs " CLI_STR(
		VIRTIO_ISA_IRQS) "\n"
				 "  --no-acpi          no ACPI tables (by default kernels without "
				 "device-tree\n"
				 "                     support find CPUs, virtio devices and S5 "
				 "poweroff in them)\n"
				 "  --exit-stats       when the VM ends, print its VM exits on "
				 "stderr: KVM's own\n"
				 "                     counters and kvmini's user-space exits by "
				 "device, for the\n"
				 "                     whole run and per marker window (port %#x: "
				 "write N to\n"
				 "                     open window N, 0 to close; %d is the "
				 "calibration window)\n"
				 "  --trace-exits      print every exit that reaches kvmini, "
				 "decoded, e.g.\n"
				 "                     OUT 0x1f2 <- 0x08  ide: sector count\n"
				 "  --no-sandbox       do not confine kvmini after set-up (for "
				 "debugging; by\n"
				 "                     default every thread drops privileges and "
				 "capabilities,\n"
				 "                     loses file-system access and gets a seccomp "
				 "allowlist)\n"
				 "  --core             allow core dumps of kvmini (guest RAM is "
				 "left out)\n"
				 "  --verbose          report setup steps and every access to an "
				 "address no\n"
				 "                     device owns (reads as all-ones, writes "
				 "dropped)\n"
				 "  -h, --help         this text\n"
				 "  -V, --version      print the version\n"
				 "\n"
				 "console: guest serial (COM1) is this terminal; Ctrl-A x ends the "
				 "VM,\n"
				 "Ctrl-A Ctrl-A sends a Ctrl-A.\n"
				 "\n"
				 "exit status:\n"
				 "  0    the guest reset (i8042 0xFE, as Linux's reboot) or Ctrl-A "
				 "x\n"
				 "  N    the guest wrote N to the test-exit port %#x\n"
				 "  1    kvmini could not run the VM (no /dev/kvm, KVM refused a "
				 "request)\n"
				 "  2    bad command line, or a missing, unreadable or invalid "
				 "input file\n"
				 "  3    guest triple fault (registers are printed on stderr)\n"
				 "  4    KVM internal or emulation error, or failed VM entry "
				 "(registers printed)\n"
				 "  5    the guest kernel panicked and said so (pvpanic, e.g. "
				 "Linux with\n"
				 "       CONFIG_PVPANIC_MMIO)\n"
				 "  6    a kvmini thread made a system call its sandbox forbids (a "
				 "kvmini bug,\n"
				 "       or a guest exploiting one; the thread and call are named "
				 "on stderr)\n"
				 "  128+sig  kvmini was ended by signal sig (terminal restored)\n",
	    CLI_DEFAULT_CMDLINE, (unsigned long long)(CLI_MIN_MEM >> 20),
	    (unsigned long long)(CLI_MAX_MEM >> 30), CLI_MAX_CPUS, CLI_DEFAULT_CPUS, CLI_MAX_DISKS,
	    CLI_MAX_QUEUES, CLI_AUTO_POLL_US, IDE_CMD_BASE, IDE_CMD_BASE + 7, IDE_CTL_PORT, IDE_IRQ,
	    MARKER_PORT, KVMINI_MARKER_CALIBRATION, TEST_EXIT_PORT);
}

enum {
	OPT_KERNEL = 256,
	OPT_INITRD,
	OPT_CMDLINE,
	OPT_MEM,
	OPT_CPUS,
	OPT_DUMP_DTB,
	OPT_VERBOSE,
	OPT_DISK,
	OPT_VIRTIO_CMDLINE,
	OPT_NO_ACPI,
	OPT_EXIT_STATS,
	OPT_TRACE_EXITS,
	OPT_IDE,
	OPT_NET,
	OPT_NO_SANDBOX,
	OPT_CORE,
	OPT_RNG,
};

static const struct option run_options[] = {
    {"kernel", required_argument, NULL, OPT_KERNEL},
    {"initrd", required_argument, NULL, OPT_INITRD},
    {"cmdline", required_argument, NULL, OPT_CMDLINE},
    {"mem", required_argument, NULL, OPT_MEM},
    {"cpus", required_argument, NULL, OPT_CPUS},
    {"dump-dtb", required_argument, NULL, OPT_DUMP_DTB},
    {"verbose", no_argument, NULL, OPT_VERBOSE},
    {"disk", required_argument, NULL, OPT_DISK},
    {"virtio-cmdline", no_argument, NULL, OPT_VIRTIO_CMDLINE},
    {"no-acpi", no_argument, NULL, OPT_NO_ACPI},
    {"exit-stats", no_argument, NULL, OPT_EXIT_STATS},
    {"trace-exits", no_argument, NULL, OPT_TRACE_EXITS},
    {"ide", required_argument, NULL, OPT_IDE},
    {"net", required_argument, NULL, OPT_NET},
    {"no-sandbox", no_argument, NULL, OPT_NO_SANDBOX},
    {"core", no_argument, NULL, OPT_CORE},
    {"rng", no_argument, NULL, OPT_RNG},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static int parse_uint(const char *s, long min, long max, unsigned *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

int cli_parse_disk(const char *spec, struct disk_opt *d, struct err *err)
{
	*d = (struct disk_opt){.queues = 1, .auto_poll_us = CLI_AUTO_POLL_US};
	d->path = strdup(spec);
	if (!d->path)
		return err_set(err, "out of memory");
	/* PATH first, then comma-separated flags; a path with a comma is not supported. */
	char *save = NULL;
	char *tok = strtok_r(d->path, ",", &save);
	if (!tok || !*tok)
		return err_set(err, "--disk needs a path, e.g. --disk disk.img,ro");
	while ((tok = strtok_r(NULL, ",", &save))) {
		if (!strcmp(tok, "ro")) {
			d->ro = true;
		} else if (!strncmp(tok, "serial=", 7)) {
			d->serial = tok + 7;
			if (strlen(d->serial) > 20)
				return err_set(err, "--disk serial '%s' is longer than 20 bytes",
					       d->serial);
		} else if (!strncmp(tok, "queues=", 7)) {
			if (parse_uint(tok + 7, 1, CLI_MAX_QUEUES, &d->queues))
				return err_set(err, "bad --disk queues '%s': give 1 to %d", tok + 7,
					       CLI_MAX_QUEUES);
		} else if (!strncmp(tok, "poll=", 5)) {
			const char *p = tok + 5;
			d->poll_us = 0;
			d->auto_poll_us = !strcmp(p, "auto") ? CLI_AUTO_POLL_US : 0;
			if (!d->auto_poll_us && strcmp(p, "off") &&
			    parse_uint(p, 0, CLI_MAX_POLL_US, &d->poll_us))
				return err_set(err,
					       "bad --disk poll '%s': give auto, off, or 0 to %d "
					       "microseconds",
					       p, CLI_MAX_POLL_US);
		} else if (!strcmp(tok, "aio=io_uring")) {
			d->aio = DISK_AIO_IO_URING;
		} else if (!strcmp(tok, "aio=sync")) {
			d->aio = DISK_AIO_SYNC;
		} else if (!strncmp(tok, "aio=", 4)) {
			return err_set(err, "bad --disk aio '%s': give io_uring or sync", tok + 4);
		} else {
			return err_set(err,
				       "unknown --disk flag '%s'; use ro, serial=S, queues=N, "
				       "poll=auto|off|USEC, aio=io_uring|sync",
				       tok);
		}
	}
	return 0;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char tail;
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return (mac[0] & 1) ? -1 : 0; /* a multicast address cannot be a NIC's */
}

int cli_parse_net(const char *spec, struct net_opt *n, struct err *err)
{
	*n = (struct net_opt){0};
	n->spec = strdup(spec);
	if (!n->spec)
		return err_set(err, "out of memory");
	char *save = NULL;
	for (char *tok = strtok_r(n->spec, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strncmp(tok, "tap=", 4) && tok[4]) {
			n->tap = tok + 4;
		} else if (!strncmp(tok, "mac=", 4)) {
			if (parse_mac(tok + 4, n->mac))
				return err_set(err,
					       "bad --net mac '%s': give a unicast address like "
					       "02:00:00:00:00:01",
					       tok + 4);
			n->has_mac = true;
		} else if (!strncmp(tok, "mtu=", 4)) {
			if (parse_uint(tok + 4, 68, 65535, &n->mtu))
				return err_set(err, "bad --net mtu '%s': give 68 to 65535",
					       tok + 4);
		} else {
			return err_set(err, "unknown --net flag '%s'; use tap=NAME, mac=MAC, mtu=N",
				       tok);
		}
	}
	if (!n->tap)
		return err_set(err, "--net needs tap=NAME, e.g. --net tap=kvmini0");
	return 0;
}

int cli_parse_ide(const char *spec, struct kvmini_config *cfg, struct err *err)
{
	if (cfg->ide_path)
		return err_set(err, "only one --ide drive is supported (the primary master)");
	cfg->ide_path = strdup(spec);
	if (!cfg->ide_path)
		return err_set(err, "out of memory");
	char *comma = strchr(cfg->ide_path, ',');
	if (comma) {
		*comma = '\0';
		if (strcmp(comma + 1, "ro"))
			return err_set(err, "unknown --ide flag '%s'; the only one is ro",
				       comma + 1);
		cfg->ide_ro = true;
	}
	if (!*cfg->ide_path)
		return err_set(err, "--ide needs a path, e.g. --ide disk.img");
	return 0;
}

void cli_free(struct kvmini_config *cfg)
{
	for (unsigned i = 0; i < cfg->nnets; i++)
		free(cfg->nets[i].spec);
	cfg->nnets = 0;
	free(cfg->ide_path);
	cfg->ide_path = NULL;
	for (unsigned i = 0; i < cfg->ndisks; i++)
		free(cfg->disks[i].path);
	cfg->ndisks = 0;
}

enum cli_action cli_parse(int argc, char **argv, struct kvmini_config *cfg, struct err *err)
{
	*cfg = (struct kvmini_config){
	    .cmdline = CLI_DEFAULT_CMDLINE, .mem = CLI_DEFAULT_MEM, .cpus = CLI_DEFAULT_CPUS};

	if (argc < 2) {
		err_set(err, "no command given; try 'kvmini run --kernel PATH' or 'kvmini --help'");
		return CLI_ERROR;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help"))
		return CLI_HELP;
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V"))
		return CLI_VERSION;
	if (strcmp(cmd, "run")) {
		err_set(err, "unknown command '%s'; try 'kvmini run --kernel PATH'", cmd);
		return CLI_ERROR;
	}

	optind = 0;	      /* GNU getopt: start afresh, so the parser can run more than once */
	opterr = 0;	      /* we print our own one-line errors */
	char **av = argv + 1; /* getopt sees "run" as its argv[0] */
	int ac = argc - 1;
	int c;
	while ((c = getopt_long(ac, av, ":hV", run_options, NULL)) != -1) {
		const char *arg = optarg;
		switch (c) {
		case OPT_KERNEL:
			cfg->kernel = arg;
			break;
		case OPT_INITRD:
			cfg->initrd = arg;
			break;
		case OPT_CMDLINE:
			cfg->cmdline = arg;
			break;
		case OPT_DUMP_DTB:
			cfg->dump_dtb = arg;
			break;
		case OPT_VERBOSE:
			cfg->verbose = true;
			break;
		case OPT_VIRTIO_CMDLINE:
			cfg->virtio_cmdline = true;
			break;
		case OPT_NO_ACPI:
			cfg->no_acpi = true;
			break;
		case OPT_EXIT_STATS:
			cfg->exit_stats = true;
			break;
		case OPT_TRACE_EXITS:
			cfg->trace_exits = true;
			break;
		case OPT_NO_SANDBOX:
			cfg->no_sandbox = true;
			break;
		case OPT_CORE:
			cfg->core = true;
			break;
		case OPT_RNG:
			cfg->rng = true;
			break;
		case OPT_IDE:
			if (cli_parse_ide(arg, cfg, err))
				return CLI_ERROR;
			break;
		case OPT_NET:
			if (cfg->nnets == CLI_MAX_NETS) {
				err_set(err, "too many --net options (at most %d)", CLI_MAX_NETS);
				return CLI_ERROR;
			}
			if (cli_parse_net(arg, &cfg->nets[cfg->nnets++], err))
				return CLI_ERROR;
			break;
		case OPT_DISK:
			if (cfg->ndisks == CLI_MAX_DISKS) {
				err_set(err, "too many --disk options (at most %d)", CLI_MAX_DISKS);
				return CLI_ERROR;
			}
			/* Counted first so cli_free() releases it even when parsing fails. */
			if (cli_parse_disk(arg, &cfg->disks[cfg->ndisks++], err))
				return CLI_ERROR;
			break;
		case OPT_MEM:
			if (cli_parse_size(arg, &cfg->mem) || cfg->mem < CLI_MIN_MEM ||
			    cfg->mem > CLI_MAX_MEM || (cfg->mem & 0xFFFFF)) {
				err_set(err,
					"bad --mem '%s': give a whole number of MiB from %lluM to "
					"%lluG, e.g. 512M or 4G",
					arg, (unsigned long long)(CLI_MIN_MEM >> 20),
					(unsigned long long)(CLI_MAX_MEM >> 30));
				return CLI_ERROR;
			}
			break;
		case OPT_CPUS:
			if (parse_uint(arg, 1, CLI_MAX_CPUS, &cfg->cpus)) {
				err_set(err, "bad --cpus '%s': give a number from 1 to %d", arg,
					CLI_MAX_CPUS);
				return CLI_ERROR;
			}
			break;
		case 'h':
			return CLI_HELP;
		case 'V':
			return CLI_VERSION;
		case ':':
			err_set(err, "option '%s' needs a value; see 'kvmini --help'",
				av[optind - 1]);
			return CLI_ERROR;
		default:
			err_set(err, "unknown option '%s'; see 'kvmini --help'", av[optind - 1]);
			return CLI_ERROR;
		}
	}
	if (optind < ac) {
		err_set(err, "unexpected argument '%s'; see 'kvmini --help'", av[optind]);
		return CLI_ERROR;
	}
	if (!cfg->kernel) {
		err_set(err, "no kernel given; add --kernel PATH (a bzImage)");
		return CLI_ERROR;
	}
	return CLI_RUN;
}

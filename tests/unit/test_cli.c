/* Command-line parsing: defaults, sizes, and one clear error per mistake. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/cli.h"

#define ARGS(...)                                                                                  \
	(char *[])                                                                                 \
	{                                                                                          \
		"kvmini", __VA_ARGS__, NULL                                                        \
	}
#define NARGS(...)	     ((int)(sizeof((char *[]){"kvmini", __VA_ARGS__}) / sizeof(char *)))
#define PARSE(cfg, err, ...) cli_parse(NARGS(__VA_ARGS__), ARGS(__VA_ARGS__), cfg, err)

static void test_defaults(void **state)
{
	(void)state;
	struct kvmini_config cfg;
	struct err err = {{0}};
	assert_int_equal(PARSE(&cfg, &err, "run", "--kernel", "bz"), CLI_RUN);
	assert_string_equal(cfg.kernel, "bz");
	assert_null(cfg.initrd);
	assert_string_equal(cfg.cmdline, "console=ttyS0");
	assert_int_equal(cfg.mem, 256ULL << 20);
	assert_int_equal(cfg.cpus, 1);
	assert_null(cfg.dump_dtb);
	assert_false(cfg.verbose);
	assert_false(cfg.no_acpi); /* ACPI tables unless asked not to */
	assert_false(cfg.virtio_cmdline);
	assert_false(cfg.rng); /* no virtio-rng unless asked */
	/* A user's own command line is used as given: nothing is added. */
	assert_int_equal(PARSE(&cfg, &err, "run", "--kernel", "k", "--cmdline", "quiet"), CLI_RUN);
	assert_string_equal(cfg.cmdline, "quiet");
	assert_int_equal(PARSE(&cfg, &err, "run", "--kernel", "k", "--cmdline", ""), CLI_RUN);
	assert_string_equal(cfg.cmdline, "");
	assert_int_equal(PARSE(&cfg, &err, "run", "--kernel", "k", "--cmdline", "pci=on quiet"),
			 CLI_RUN);
	assert_string_equal(cfg.cmdline, "pci=on quiet");
}

static void test_all_options(void **state)
{
	(void)state;
	struct kvmini_config cfg;
	struct err err = {{0}};
	assert_int_equal(PARSE(&cfg, &err, "run", "--kernel=k", "--initrd", "i", "--cmdline",
			       "a b c", "--mem", "4G", "--cpus", "4", "--dump-dtb", "d.dtb",
			       "--verbose", "--no-acpi", "--virtio-cmdline"),
			 CLI_RUN);
	assert_string_equal(cfg.kernel, "k");
	assert_string_equal(cfg.initrd, "i");
	assert_string_equal(cfg.cmdline, "a b c");
	assert_int_equal(cfg.mem, 4ULL << 30);
	assert_int_equal(cfg.cpus, 4);
	assert_string_equal(cfg.dump_dtb, "d.dtb");
	assert_true(cfg.verbose);
	assert_true(cfg.no_acpi);
	assert_true(cfg.virtio_cmdline);
}

static void test_sizes(void **state)
{
	(void)state;
	uint64_t v;
	assert_int_equal(cli_parse_size("512M", &v), 0);
	assert_int_equal(v, 512ULL << 20);
	assert_int_equal(cli_parse_size("65536K", &v), 0);
	assert_int_equal(v, 64ULL << 20);
	assert_int_equal(cli_parse_size("2g", &v), 0);
	assert_int_equal(v, 2ULL << 30);
	assert_int_equal(cli_parse_size("1T", &v), 0);
	assert_int_equal(v, 1ULL << 40);
	assert_int_equal(cli_parse_size("300", &v), 0); /* bare number: MiB */
	assert_int_equal(v, 300ULL << 20);
	assert_int_equal(cli_parse_size("4GiB", &v), 0);
	assert_int_equal(v, 4ULL << 30);
	assert_int_equal(cli_parse_size("", &v), -1);
	assert_int_equal(cli_parse_size("-1G", &v), -1);
	assert_int_equal(cli_parse_size("12X", &v), -1);
	assert_int_equal(cli_parse_size("1.5G", &v), -1);
	assert_int_equal(cli_parse_size("4Gx", &v), -1);
	assert_int_equal(cli_parse_size("99999999999999999999M", &v), -1);
	assert_int_equal(cli_parse_size("17179869184T", &v), -1); /* overflows 64 bits */
}

static void expect_error(const char *why, int argc, char **argv)
{
	struct kvmini_config cfg;
	struct err err = {{0}};
	assert_int_equal(cli_parse(argc, argv, &cfg, &err), CLI_ERROR);
	if (!strstr(err.msg, why))
		fail_msg("'%s' does not mention '%s'", err.msg, why);
	assert_null(strchr(err.msg, '\n'));
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("no command", 1, (char *[]){"kvmini", NULL});
	expect_error("unknown command 'start'", NARGS("start"), ARGS("start"));
	expect_error("no kernel", NARGS("run"), ARGS("run"));
	expect_error("bad --mem '1.5G'", NARGS("run", "--kernel", "k", "--mem", "1.5G"),
		     ARGS("run", "--kernel", "k", "--mem", "1.5G"));
	expect_error("bad --mem '8M'", NARGS("run", "--kernel", "k", "--mem", "8M"),
		     ARGS("run", "--kernel", "k", "--mem", "8M"));
	expect_error("bad --mem '2T'", NARGS("run", "--kernel", "k", "--mem", "2T"),
		     ARGS("run", "--kernel", "k", "--mem", "2T"));
	expect_error("bad --mem '1536K'", NARGS("run", "--kernel", "k", "--mem", "1536K"),
		     ARGS("run", "--kernel", "k", "--mem", "1536K"));
	expect_error("bad --cpus '0'", NARGS("run", "--kernel", "k", "--cpus", "0"),
		     ARGS("run", "--kernel", "k", "--cpus", "0"));
	expect_error("bad --cpus '255'", NARGS("run", "--kernel", "k", "--cpus", "255"),
		     ARGS("run", "--kernel", "k", "--cpus", "255"));
	expect_error("bad --cpus '2x'", NARGS("run", "--kernel", "k", "--cpus", "2x"),
		     ARGS("run", "--kernel", "k", "--cpus", "2x"));
	expect_error("unknown option '--disc'", NARGS("run", "--kernel", "k", "--disc", "d"),
		     ARGS("run", "--kernel", "k", "--disc", "d"));
	expect_error("'--kernel' needs a value", NARGS("run", "--kernel"), ARGS("run", "--kernel"));
	expect_error("unexpected argument 'extra'", NARGS("run", "--kernel", "k", "extra"),
		     ARGS("run", "--kernel", "k", "extra"));
}

static void test_help_version(void **state)
{
	(void)state;
	struct kvmini_config cfg;
	struct err err = {{0}};
	assert_int_equal(PARSE(&cfg, &err, "--help"), CLI_HELP);
	assert_int_equal(PARSE(&cfg, &err, "-h"), CLI_HELP);
	assert_int_equal(PARSE(&cfg, &err, "run", "--help"), CLI_HELP);
	assert_int_equal(PARSE(&cfg, &err, "--version"), CLI_VERSION);
	assert_int_equal(PARSE(&cfg, &err, "-V"), CLI_VERSION);
}

/* --rng adds the virtio-rng device; it is a flag and takes no value. */
static void test_rng(void **state)
{
	(void)state;
	struct kvmini_config cfg;
	struct err err = {{0}};
	assert_int_equal(PARSE(&cfg, &err, "run", "--kernel", "k", "--rng"), CLI_RUN);
	assert_true(cfg.rng);
	assert_int_equal(cfg.ndisks + cfg.nnets, 0);
	/* Given twice, still one device. */
	assert_int_equal(PARSE(&cfg, &err, "run", "--rng", "--kernel", "k", "--rng"), CLI_RUN);
	assert_true(cfg.rng);
	assert_int_equal(PARSE(&cfg, &err, "run", "--kernel", "k", "--rng=on"), CLI_ERROR);
	assert_non_null(strstr(err.msg, "--rng=on"));
	cli_free(&cfg);
}

/* The parser can run again in the same process (getopt state is reset). */
/* --disk's device modes: polling (auto by default, off, or fixed) and the I/O engine. */
static void test_disk_modes(void **state)
{
	(void)state;
	struct disk_opt d;
	struct err err = {{0}};
	assert_int_equal(cli_parse_disk("a.img", &d, &err), 0);
	assert_int_equal(d.poll_us, 0);
	assert_int_equal(d.auto_poll_us, CLI_AUTO_POLL_US);
	assert_int_equal(d.aio, DISK_AIO_DEFAULT);
	free(d.path);
	assert_int_equal(cli_parse_disk("a.img,poll=off,aio=sync", &d, &err), 0);
	assert_int_equal(d.poll_us + d.auto_poll_us, 0);
	assert_int_equal(d.aio, DISK_AIO_SYNC);
	free(d.path);
	/* poll=0 is off, as it always was; a fixed time replaces adaptive polling. */
	assert_int_equal(cli_parse_disk("a.img,poll=0", &d, &err), 0);
	assert_int_equal(d.poll_us + d.auto_poll_us, 0);
	free(d.path);
	assert_int_equal(cli_parse_disk("a.img,poll=50,aio=io_uring", &d, &err), 0);
	assert_int_equal(d.poll_us, 50);
	assert_int_equal(d.auto_poll_us, 0);
	assert_int_equal(d.aio, DISK_AIO_IO_URING);
	free(d.path);
	assert_int_equal(cli_parse_disk("a.img,poll=off,poll=auto", &d, &err), 0);
	assert_int_equal(d.auto_poll_us, CLI_AUTO_POLL_US); /* last one wins */
	free(d.path);
	static const char *const bad[][2] = {
	    {"a.img,poll=fast", "bad --disk poll 'fast': give auto, off, or 0 to"},
	    {"a.img,poll=-1", "bad --disk poll '-1'"},
	    {"a.img,aio=libaio", "bad --disk aio 'libaio': give io_uring or sync"},
	    {"a.img,uring", "unknown --disk flag 'uring'"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(cli_parse_disk(bad[i][0], &d, &err), -1);
		if (!strstr(err.msg, bad[i][1]))
			fail_msg("'%s': got '%s'", bad[i][0], err.msg);
		free(d.path);
	}
}

static void test_reparse(void **state)
{
	(void)state;
	struct kvmini_config cfg;
	struct err err = {{0}};
	assert_int_equal(PARSE(&cfg, &err, "run", "--kernel", "a", "--cpus", "2"), CLI_RUN);
	assert_int_equal(PARSE(&cfg, &err, "run", "--kernel", "b"), CLI_RUN);
	assert_string_equal(cfg.kernel, "b");
	assert_int_equal(cfg.cpus, 1);
}

/* --help names every option and every exit status. */
static void test_usage_complete(void **state)
{
	(void)state;
	char buf[8192] = {0};
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");
	cli_usage(f);
	fclose(f);
	static const char *must[] = {
	    "--kernel",	  "--initrd",	      "--cmdline",   "--mem",	  "--cpus",
	    "--dump-dtb", "--verbose",	      "--help",	     "--version", "console=ttyS0",
	    "256M",	  "Ctrl-A x",	      "exit status", "0x501",	  "triple fault",
	    "--no-acpi",  "--virtio-cmdline", "--rng"};
	for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++)
		if (!strstr(buf, must[i]))
			fail_msg("--help lacks '%s'", must[i]);
	/* The default command line. */
	assert_non_null(strstr(buf, "(default: \"console=ttyS0\")"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),	   cmocka_unit_test(test_all_options),
	    cmocka_unit_test(test_sizes),	   cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_help_version),   cmocka_unit_test(test_reparse),
	    cmocka_unit_test(test_usage_complete), cmocka_unit_test(test_rng),
	    cmocka_unit_test(test_disk_modes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

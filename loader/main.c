// SPDX-License-Identifier: GPL-2.0
/* flowletctl: attach, configure and inspect flowlet's XDP data path. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <linux/capability.h>
#include <sys/syscall.h>

#include "commands.h"
#include "log.h"
#include "names.h"
#include "parse.h"

static void print_usage(FILE *out)
{
	fprintf(out,
		"usage: flowletctl [-v] COMMAND [ARGS]\n"
		"       flowletctl --help | --version | COMMAND --help\n\n"
		"Flowlet switching at XDP or TC: balance traffic arriving on "
		"an interface,\nor a host's own, over several next hops, "
		"per flowlet.\n\n");
	for (size_t i = 0; i < command_count; i++) {
		command_help(&command_table[i], out);
		fprintf(out, "\n");
	}
	fprintf(out, "Modes:\n");
	mode_help(out);
	fprintf(out, "Hooks:\n");
	hook_help(out);
	duration_help(out, "");
	fprintf(out, "\nExit status: ");
	exit_status_help(out);
	fprintf(out, "\n");
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list args)
{
	(void)level;
	if (!log_verbose)
		return 0; /* flowletctl reports failures itself */
	return vfprintf(stderr, fmt, args);
}

/* Whether this process holds what every command needs: CAP_NET_ADMIN,
 * and CAP_BPF (or CAP_SYS_ADMIN, which kernels before 5.8 asked for). */
static bool privileged(void)
{
	struct __user_cap_header_struct head = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3] = { 0 };
	const int need[][2] = { { CAP_NET_ADMIN, CAP_NET_ADMIN },
				{ CAP_BPF, CAP_SYS_ADMIN } };

	if (syscall(SYS_capget, &head, caps))
		return geteuid() == 0;
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		bool any = false;

		for (int j = 0; j < 2; j++)
			any |= caps[need[i][j] / 32].effective &
			       (1u << (need[i][j] % 32));
		if (!any)
			return false;
	}
	return true;
}

/* --help anywhere among a command's arguments: no privilege needed. */
static bool asks_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return true;
	}
	return false;
}

int main(int argc, char **argv)
{
	int first = 1;

	libbpf_set_print(libbpf_print);
	while (first < argc && argv[first][0] == '-') {
		if (!strcmp(argv[first], "-v") ||
		    !strcmp(argv[first], "--verbose")) {
			log_verbose = 1;
		} else if (!strcmp(argv[first], "-h") ||
			   !strcmp(argv[first], "--help")) {
			print_usage(stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[first], "-V") ||
			   !strcmp(argv[first], "--version")) {
			printf("flowletctl %s (libbpf %s)\n", FLOWLET_VERSION,
			       libbpf_version_string());
			return EXIT_OK;
		} else {
			pr_err("unknown option '%s' (see flowletctl --help)",
			       argv[first]);
			return EXIT_USAGE;
		}
		first++;
	}
	if (first == argc) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < command_count; i++) {
		if (!strcmp(argv[first], command_table[i].name)) {
			command_current = &command_table[i];
			if (command_table[i].run != cmd_docs && !privileged() &&
			    !asks_help(argc - first, argv + first)) {
				pr_err("%s: needs root (or CAP_BPF and "
				       "CAP_NET_ADMIN)",
				       command_table[i].name);
				return EXIT_FAIL;
			}
			return command_table[i].run(argc - first, argv + first);
		}
	}
	pr_err("unknown command '%s' (see flowletctl --help)", argv[first]);
	return EXIT_USAGE;
}

/* Creates N BPF maps of one kind and holds them, (protocol.h). Maps are the user-drivable source of the other pools:
 *   percpu   a one-element PERCPU_ARRAY: one percpu allocation each
 *   vmalloc  a 64 KiB ARRAY: its element area is vmalloc'ed
 * Closing the fds frees them asynchronously (after an RCU grace period). */
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "protocol.h"

static int create_map(int type, int value_size, int entries)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = type;
	attr.key_size = 4;
	attr.value_size = value_size;
	attr.max_entries = entries;
	return (int)syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));
}

int main(int argc, char **argv)
{
	const char *kind = argc > 1 ? argv[1] : "percpu";
	int n = argc > 2 ? atoi(argv[2]) : 100;
	int *fds = calloc(n, sizeof(int));

	/* before 5.11 BPF maps are charged to RLIMIT_MEMLOCK, not the memcg:
	 * lift it where we may (without CAP_SYS_RESOURCE we may not, and
	 * newer kernels do not need it) */
	struct rlimit unlimited = {RLIM_INFINITY, RLIM_INFINITY};

	(void)setrlimit(RLIMIT_MEMLOCK, &unlimited);
	if (!fds || raise_fd_limit(n + 64) != 0) {
		perror("leak_bpf_maps: setup");
		return 1;
	}
	if (protocol_step("started") != 0)
		return 1;
	for (int i = 0; i < n; i++) {
		if (strcmp(kind, "percpu") == 0)
			fds[i] = create_map(BPF_MAP_TYPE_PERCPU_ARRAY, 8, 1);
		else
			fds[i] = create_map(BPF_MAP_TYPE_ARRAY, 1024, 64);
		if (fds[i] < 0) {
			perror("leak_bpf_maps: BPF_MAP_CREATE");
			return 1;
		}
	}
	protocol_step("ready"); /* EOF also releases */
	for (int i = 0; i < n; i++)
		close(fds[i]);
	protocol_step("closed");
	return 0;
}

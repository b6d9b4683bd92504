/* Maps and unmaps memory ROUNDS times and frees everything: no leak
 * (protocol.h). Each round maps 256 pages, mprotects every other page (one
 * VMA each: the maple tree splits its nodes), forks a child that exits at
 * once (the tree is copied and torn down) and unmaps it all. The maple
 * tree allocates and frees its nodes through kmem_cache_alloc_bulk and
 * kmem_cache_free_bulk, and, where the kernel has them, RCU sheaves: the
 * paths without per-object tracepoints (docs/engine.md#bulk-frees). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "protocol.h"

#define PAGES 256

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 200;
	long page = sysconf(_SC_PAGESIZE);

	if (protocol_step("started") != 0)
		return 1;
	for (int r = 0; r < rounds; r++) {
		char *m = mmap(NULL, PAGES * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		pid_t child;

		if (m == MAP_FAILED) {
			perror("churn_maple: mmap");
			return 1;
		}
		for (int i = 0; i < PAGES; i += 2)
			if (mprotect(m + i * page, page, PROT_READ) != 0) {
				perror("churn_maple: mprotect");
				return 1;
			}
		child = fork();
		if (child < 0) {
			perror("churn_maple: fork");
			return 1;
		}
		if (child == 0)
			_exit(0);
		waitpid(child, NULL, 0);
		munmap(m, PAGES * page);
	}
	protocol_step("ready");
	protocol_step("closed");
	return 0;
}

/* Opens N pipes (protocol.h). Each pipe costs alloc_pipe_info two
 * allocations: the pipe_inode_info and its array of 16 pipe_buffers (root is
 * exempt from the pipe-size limits that would shrink it). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "protocol.h"

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100;
	int (*fds)[2] = calloc(n, sizeof(*fds));

	if (!fds || raise_fd_limit(2L * n + 64) != 0) {
		perror("leak_pipe: setup");
		return 1;
	}
	if (protocol_step("started") != 0)
		return 1;
	for (int i = 0; i < n; i++) {
		if (pipe(fds[i]) != 0) {
			perror("leak_pipe: pipe");
			return 1;
		}
	}
	protocol_step("ready"); /* EOF also releases */
	for (int i = 0; i < n; i++) {
		close(fds[i][0]);
		close(fds[i][1]);
	}
	protocol_step("closed");
	return 0;
}

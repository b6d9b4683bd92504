/* Opens N pipes and holds them, same protocol as leak_eventfd: "ready PID",
 * a line on stdin releases them, "closed", one more line (or EOF) exits.
 * Each pipe costs alloc_pipe_info two allocations: the pipe_inode_info and
 * its array of 16 pipe_buffers (root is exempt from the pipe-size limits
 * that would shrink it). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100;
	struct rlimit rl = {2 * n + 64, 2 * n + 64}; /* the hard limit may not rise: raise it only when needed */
	int (*fds)[2] = calloc(n, sizeof(*fds));
	char line[64];

	struct rlimit old;

	if (getrlimit(RLIMIT_NOFILE, &old) == 0 && old.rlim_max >= rl.rlim_max)
		rl.rlim_max = old.rlim_max;
	if (!fds || setrlimit(RLIMIT_NOFILE, &rl) != 0) {
		perror("leak_pipe: setup");
		return 1;
	}
	printf("started %d\n", (int)getpid());
	fflush(stdout);
	if (!fgets(line, sizeof line, stdin))
		return 1;
	for (int i = 0; i < n; i++) {
		if (pipe(fds[i]) != 0) {
			perror("leak_pipe: pipe");
			return 1;
		}
	}
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	if (!fgets(line, sizeof line, stdin))
		line[0] = '\0'; /* EOF also releases */
	for (int i = 0; i < n; i++) {
		close(fds[i][0]);
		close(fds[i][1]);
	}
	printf("closed\n");
	fflush(stdout);
	if (!fgets(line, sizeof line, stdin))
		line[0] = '\0'; /* EOF also releases */
	return 0;
}

/* The leak-hunting scenario of pooltag leaks (protocol.h): keeps one pipe
 * every LEAK_MS ms (alloc_pipe_info: a pipe_inode_info and its buffers),
 * keeps one timerfd every LEAK_MS ms for the first STOP_S seconds only (a
 * leak that stops), holds BALANCED eventfds (a big cache that does not
 * grow), and churns thousands of balanced allocations a second through the
 * same and other tags: every millisecond one held eventfd closed and
 * reopened, one eventfd and one pipe opened and closed.
 *   leak_growth LEAK_MS STOP_S BALANCED
 * Runs until a line (or EOF) after "ready", then releases everything. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "protocol.h"

/* 80 s of leaks at 20 ms, within a hard descriptor limit of 20,000 with
 * 8,000 eventfds held */
#define MAX_PIPES 4000
#define MAX_TIMERS 2000

static int line_waiting(void)
{
	struct pollfd p = {0, POLLIN, 0};

	return poll(&p, 1, 0) > 0;
}

int main(int argc, char **argv)
{
	long leak_ms = argc > 1 ? atol(argv[1]) : 20;
	long stop_s = argc > 2 ? atol(argv[2]) : 30;
	int balanced = argc > 3 ? atoi(argv[3]) : 8000;
	static int pipes[MAX_PIPES][2], timers[MAX_TIMERS];
	int *held = calloc(balanced, sizeof(int));
	int npipes = 0, ntimers = 0;
	struct timespec start, tick;

	if (!held || leak_ms <= 0 || raise_fd_limit(2L * MAX_PIPES + MAX_TIMERS + balanced + 64) != 0) {
		perror("leak_growth: setup");
		return 1;
	}
	if (protocol_step("started") != 0)
		return 1;
	for (int i = 0; i < balanced; i++)
		if ((held[i] = eventfd(0, 0)) < 0) {
			perror("leak_growth: eventfd");
			return 1;
		}
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &start);
	tick = start;
	for (long ms = 0; !line_waiting(); ms++) {
		if (ms % leak_ms == 0 && npipes < MAX_PIPES && pipe(pipes[npipes]) == 0)
			npipes++;
		if (ms % leak_ms == 0 && ms < stop_s * 1000 && ntimers < MAX_TIMERS &&
		    (timers[ntimers] = timerfd_create(CLOCK_MONOTONIC, 0)) >= 0)
			ntimers++;
		/* churn: balanced, so none of it grows */
		int k = (int)(ms % balanced), fd, p[2];
		close(held[k]);
		held[k] = eventfd(0, 0);
		if ((fd = eventfd(0, 0)) >= 0)
			close(fd);
		if (pipe(p) == 0) {
			close(p[0]);
			close(p[1]);
		}
		/* absolute deadlines: exactly one leak per LEAK_MS, however long the churn took */
		tick.tv_nsec += 1000000;
		if (tick.tv_nsec >= 1000000000) {
			tick.tv_nsec -= 1000000000;
			tick.tv_sec++;
		}
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &tick, NULL) == EINTR)
			;
	}
	for (int i = 0; i < npipes; i++) {
		close(pipes[i][0]);
		close(pipes[i][1]);
	}
	for (int i = 0; i < ntimers; i++)
		close(timers[i]);
	for (int i = 0; i < balanced; i++)
		close(held[i]);
	protocol_step("closed");
	return 0;
}

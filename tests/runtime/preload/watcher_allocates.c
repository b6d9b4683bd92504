/* Preloaded into `pooltag hit` by Faults.StopTaskNeverStopsPooltagItself:
 * a thread of the watcher itself adds user keys, so that the watcher makes
 * allocations of the hit tag (user_preparse) that --stop-task must not stop.
 * The keys go with the process keyring when pooltag exits. */
#include <linux/keyctl.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

static void *add_keys(void *unused) {
	(void)unused;
	sleep(1); /* after the hit tag is set */
	for (int i = 0; i < 20; i++) {
		char description[32];
		snprintf(description, sizeof description, "pooltag-watcher-%d", i);
		syscall(SYS_add_key, "user", description, "payload", 7, KEY_SPEC_PROCESS_KEYRING);
		usleep(100000);
	}
	return NULL;
}

__attribute__((constructor)) static void start(void) {
	pthread_t thread;
	if (pthread_create(&thread, NULL, add_keys, NULL) == 0) pthread_detach(thread);
}

/* Adds N "user" keys to the process keyring (protocol.h). Each key's payload is copied into a kmalloc'ed
 * user_key_payload by user_preparse: the payload bytes follow its 24-byte
 * header. The payload is "POOLTAG-KEY-PAYLOAD-0123456789ab" (32 bytes). */
#include <linux/keyctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "protocol.h"

static const char payload[] = "POOLTAG-KEY-PAYLOAD-0123456789ab";

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100;
	char desc[64];

	if (protocol_step("started") != 0)
		return 1;
	for (int i = 0; i < n; i++) {
		snprintf(desc, sizeof desc, "pooltag-test-%d-%d", (int)getpid(), i);
		if (syscall(SYS_add_key, "user", desc, payload, strlen(payload), KEY_SPEC_PROCESS_KEYRING) < 0) {
			perror("leak_keys: add_key");
			return 1;
		}
	}
	protocol_step("ready"); /* EOF also releases */
	protocol_step("closed"); /* the keys go with the process keyring, at exit */
	return 0;
}

/* A one-line, user-facing error message carried back to whoever prints it. */
#ifndef KVMINI_ERR_H
#define KVMINI_ERR_H

struct err {
	char msg[512];
};

/* Formats the message into e (if non-NULL) and returns -1, so callers can `return err_set(...)`. */
int err_set(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif

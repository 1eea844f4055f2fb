/* SPDX-License-Identifier: MIT */
/* errno values to their names, without strerror (which may allocate). */
#include "emit.h"

#include <errno.h>

#define E(x) { x, #x },
static const struct {
	int num;
	const char *name;
} errno_names[] = {
	E(EPERM) E(ENOENT) E(ESRCH) E(EINTR) E(EIO) E(ENXIO) E(E2BIG) E(ENOEXEC) E(EBADF) E(
		ECHILD) E(EAGAIN) E(ENOMEM) E(EACCES) E(EFAULT) E(ENOTBLK) E(EBUSY) E(EEXIST)
		E(EXDEV) E(ENODEV) E(ENOTDIR) E(EISDIR) E(EINVAL) E(ENFILE) E(EMFILE) E(ENOTTY) E(
			ETXTBSY) E(EFBIG) E(ENOSPC) E(ESPIPE) E(EROFS) E(EMLINK) E(EPIPE) E(EDOM)
			E(ERANGE) E(EDEADLK) E(ENAMETOOLONG) E(ENOLCK) E(ENOSYS) E(ENOTEMPTY) E(
				ELOOP) E(ENOMSG) E(EIDRM) E(ENOSTR) E(ENODATA) E(ETIME) E(ENOSR)
				E(EREMOTE) E(ENOLINK) E(EPROTO) E(EBADMSG) E(EOVERFLOW) E(EILSEQ) E(
					EUSERS) E(ENOTSOCK) E(EDESTADDRREQ) E(EMSGSIZE) E(EPROTOTYPE) E(ENOPROTOOPT) E(EPROTONOSUPPORT)
					E(ESOCKTNOSUPPORT) E(EOPNOTSUPP) E(EPFNOSUPPORT) E(EAFNOSUPPORT) E(
						EADDRINUSE) E(EADDRNOTAVAIL) E(ENETDOWN) E(ENETUNREACH)
						E(ENETRESET) E(ECONNABORTED) E(ECONNRESET) E(ENOBUFS) E(
							EISCONN) E(ENOTCONN) E(ESHUTDOWN) E(ETOOMANYREFS)
							E(ETIMEDOUT) E(ECONNREFUSED) E(EHOSTDOWN) E(EHOSTUNREACH) E(
								EALREADY) E(EINPROGRESS) E(ESTALE)
								E(EDQUOT) E(ECANCELED) E(EOWNERDEAD) E(
									ENOTRECOVERABLE) E(ENOKEY) E(EKEYEXPIRED)
									E(EKEYREVOKED) E(EKEYREJECTED) E(ERFKILL) E(
										EHWPOISON) E(ENOMEDIUM) E(EMEDIUMTYPE)
										E(ECOMM) E(ENOCSI) E(
											ELIBBAD) E(ELIBEXEC)
											E(ELIBACC) E(ELIBSCN) E(
												ELIBMAX)
												E(ESTRPIPE)
													E(EUCLEAN)
};
#undef E

const char *ags_errno_name(int err)
{
	for (size_t i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (errno_names[i].num == err)
			return errno_names[i].name;
	return NULL;
}

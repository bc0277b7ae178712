/* libseccomp's <seccomp.h>. The project's own seccomp/seccomp.h has the same name and its
   directory is on the include path (-I$(top_srcdir)/seccomp), so a plain #include <seccomp.h>
   finds ours. Include this header with angle brackets: it is found through that same -I, and
   #include_next continues the search past it, reaching the system's libseccomp header. */
#ifndef ECIRUN_LIBSECCOMP_INCLUDE_H
#define ECIRUN_LIBSECCOMP_INCLUDE_H

#include_next <seccomp.h>

#endif

// glibc's malloc tuning (mallopt), for the sentiment executable. Not on every platform: guarded by __GLIBC__.
#include <stdlib.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

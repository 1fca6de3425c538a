// SHA-256 compression function (FIPS 180-4, section 6.2.2) for ClassifierStore's `SHA256`.
//
// `state` is the eight working hash words H0…H7 in host order; `data` points to `blocks` consecutive
// 64-byte message blocks (any alignment). Padding and buffering of partial blocks are the caller's job.
#ifndef CSHA256_H
#define CSHA256_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Compresses `blocks` 64-byte blocks into `state`, with the x86 SHA extensions when the CPU has them.
void csha256_blocks(uint32_t state[8], const void *data, size_t blocks);

/// The same with the portable C implementation only (for tests and benchmarks; identical results).
void csha256_blocks_portable(uint32_t state[8], const void *data, size_t blocks);

/// 1 when `csha256_blocks` uses the SHA extensions (x86-64 CPU with SHA, SSSE3, SSE4.1), else 0.
int csha256_hardware_accelerated(void);

#ifdef __cplusplus
}
#endif

#endif

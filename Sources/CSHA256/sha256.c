// SHA-256 compression: portable C from the FIPS 180-4 definition, and an x86-64 path using the
// Intel SHA extensions (SHA256RNDS2, SHA256MSG1, SHA256MSG2), chosen at run time with CPUID.
#include "csha256.h"

// FIPS 180-4, 4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64 primes.
static const uint32_t K[64] __attribute__((aligned(16))) = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

// ---------------------------------------------------------------------------------------------
// Portable implementation (FIPS 180-4, 4.1.2 functions and 6.2.2 computation).

static inline uint32_t rotr(uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }
static inline uint32_t ch(uint32_t x, uint32_t y, uint32_t z) { return (x & y) ^ (~x & z); }
static inline uint32_t maj(uint32_t x, uint32_t y, uint32_t z) { return (x & y) ^ (x & z) ^ (y & z); }
static inline uint32_t big_sigma0(uint32_t x) { return rotr(x, 2) ^ rotr(x, 13) ^ rotr(x, 22); }
static inline uint32_t big_sigma1(uint32_t x) { return rotr(x, 6) ^ rotr(x, 11) ^ rotr(x, 25); }
static inline uint32_t small_sigma0(uint32_t x) { return rotr(x, 7) ^ rotr(x, 18) ^ (x >> 3); }
static inline uint32_t small_sigma1(uint32_t x) { return rotr(x, 17) ^ rotr(x, 19) ^ (x >> 10); }

static inline uint32_t load_be32(const unsigned char *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

void csha256_blocks_portable(uint32_t state[8], const void *data, size_t blocks) {
    const unsigned char *p = (const unsigned char *)data;
    uint32_t w[64];
    for (; blocks > 0; blocks--, p += 64) {
        for (int t = 0; t < 16; t++) w[t] = load_be32(p + 4 * t);
        for (int t = 16; t < 64; t++)
            w[t] = small_sigma1(w[t - 2]) + w[t - 7] + small_sigma0(w[t - 15]) + w[t - 16];
        uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
        uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
        for (int t = 0; t < 64; t++) {
            uint32_t t1 = h + big_sigma1(e) + ch(e, f, g) + K[t] + w[t];
            uint32_t t2 = big_sigma0(a) + maj(a, b, c);
            h = g; g = f; f = e; e = d + t1;
            d = c; c = b; b = a; a = t1 + t2;
        }
        state[0] += a; state[1] += b; state[2] += c; state[3] += d;
        state[4] += e; state[5] += f; state[6] += g; state[7] += h;
    }
}

#if defined(__x86_64__)
// ---------------------------------------------------------------------------------------------
// SHA extensions. SHA256RNDS2 keeps the working variables in two registers, {A,B,E,F} and
// {C,D,G,H} (A and C in the top dword), and does two rounds with W+K taken from the low 64 bits
// of its third operand. SHA256MSG1/MSG2 compute four new schedule words from the previous sixteen.

#include <cpuid.h>
#include <immintrin.h>

#define CSHA256_TARGET __attribute__((target("sha,sse4.1")))

// Two rounds, then the next two: after each SHA256RNDS2 the old {A,B,E,F} is the new {C,D,G,H}.
#define CSHA256_FOUR_ROUNDS(abef, cdgh, wk)                                      \
    do {                                                                         \
        (cdgh) = _mm_sha256rnds2_epu32((cdgh), (abef), (wk));                    \
        (abef) = _mm_sha256rnds2_epu32((abef), (cdgh), _mm_shuffle_epi32((wk), 0x0e)); \
    } while (0)

// m_new = W[t..t+3] from m16 = W[t-16..], m12 = W[t-12..], m8 = W[t-8..], m4 = W[t-4..]:
// W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16].
#define CSHA256_SCHEDULE(m16, m12, m8, m4)                                       \
    _mm_sha256msg2_epu32(                                                        \
        _mm_add_epi32(_mm_sha256msg1_epu32((m16), (m12)), _mm_alignr_epi8((m4), (m8), 4)), (m4))

CSHA256_TARGET
static void blocks_shani(uint32_t state[8], const void *data, size_t blocks) {
    // Reverses the bytes of each dword: the message words are big-endian.
    const __m128i byteswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    const unsigned char *p = (const unsigned char *)data;

    // Memory order A B C D | E F G H (A in the lowest dword) → {A,B,E,F} and {C,D,G,H}.
    __m128i abcd = _mm_loadu_si128((const __m128i *)&state[0]);
    __m128i efgh = _mm_loadu_si128((const __m128i *)&state[4]);
    __m128i badc = _mm_shuffle_epi32(abcd, 0xb1);      // dwords low→high: B A D C
    __m128i hgfe = _mm_shuffle_epi32(efgh, 0x1b);      // H G F E
    __m128i abef = _mm_alignr_epi8(badc, hgfe, 8);     // F E B A
    __m128i cdgh = _mm_blend_epi16(hgfe, badc, 0xf0);  // H G D C

    for (; blocks > 0; blocks--, p += 64) {
        const __m128i abef_saved = abef, cdgh_saved = cdgh;
        __m128i m0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 0)), byteswap);
        __m128i m1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16)), byteswap);
        __m128i m2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 32)), byteswap);
        __m128i m3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 48)), byteswap);
        const __m128i *k = (const __m128i *)K;

        CSHA256_FOUR_ROUNDS(abef, cdgh, _mm_add_epi32(m0, _mm_load_si128(k + 0)));
        CSHA256_FOUR_ROUNDS(abef, cdgh, _mm_add_epi32(m1, _mm_load_si128(k + 1)));
        CSHA256_FOUR_ROUNDS(abef, cdgh, _mm_add_epi32(m2, _mm_load_si128(k + 2)));
        CSHA256_FOUR_ROUNDS(abef, cdgh, _mm_add_epi32(m3, _mm_load_si128(k + 3)));
        // Rounds 16…63: m0…m3 rotate, always holding the last sixteen schedule words.
        for (int i = 4; i < 16; i += 4) {
            m0 = CSHA256_SCHEDULE(m0, m1, m2, m3);
            CSHA256_FOUR_ROUNDS(abef, cdgh, _mm_add_epi32(m0, _mm_load_si128(k + i + 0)));
            m1 = CSHA256_SCHEDULE(m1, m2, m3, m0);
            CSHA256_FOUR_ROUNDS(abef, cdgh, _mm_add_epi32(m1, _mm_load_si128(k + i + 1)));
            m2 = CSHA256_SCHEDULE(m2, m3, m0, m1);
            CSHA256_FOUR_ROUNDS(abef, cdgh, _mm_add_epi32(m2, _mm_load_si128(k + i + 2)));
            m3 = CSHA256_SCHEDULE(m3, m0, m1, m2);
            CSHA256_FOUR_ROUNDS(abef, cdgh, _mm_add_epi32(m3, _mm_load_si128(k + i + 3)));
        }

        abef = _mm_add_epi32(abef, abef_saved);
        cdgh = _mm_add_epi32(cdgh, cdgh_saved);
    }

    // Back to memory order.
    __m128i abef_low = _mm_shuffle_epi32(abef, 0x1b);      // A B E F
    __m128i cdgh_low = _mm_shuffle_epi32(cdgh, 0xb1);      // G H C D
    abcd = _mm_blend_epi16(abef_low, cdgh_low, 0xf0);      // A B C D
    efgh = _mm_alignr_epi8(cdgh_low, abef_low, 8);         // E F G H
    _mm_storeu_si128((__m128i *)&state[0], abcd);
    _mm_storeu_si128((__m128i *)&state[4], efgh);
}

// 0 = not yet known, 1 = SHA extensions, 2 = portable. Racing first calls agree, so relaxed is enough.
static int cached_support;

static int detect(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 2;
    const int ssse3 = (c >> 9) & 1, sse41 = (c >> 19) & 1;
    if (__get_cpuid_max(0, 0) < 7 || !__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 2;
    const int sha = (b >> 29) & 1;
    return ssse3 && sse41 && sha ? 1 : 2;
}

static inline int support(void) {
    int s = __atomic_load_n(&cached_support, __ATOMIC_RELAXED);
    if (s == 0) {
        s = detect();
        __atomic_store_n(&cached_support, s, __ATOMIC_RELAXED);
    }
    return s;
}

int csha256_hardware_accelerated(void) { return support() == 1; }

void csha256_blocks(uint32_t state[8], const void *data, size_t blocks) {
    if (support() == 1) blocks_shani(state, data, blocks);
    else csha256_blocks_portable(state, data, blocks);
}

#else

int csha256_hardware_accelerated(void) { return 0; }

void csha256_blocks(uint32_t state[8], const void *data, size_t blocks) {
    csha256_blocks_portable(state, data, blocks);
}

#endif

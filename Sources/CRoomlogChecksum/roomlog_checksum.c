#include "roomlog_checksum.h"

#include <pthread.h>
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <nmmintrin.h>
#elif defined(__aarch64__) && defined(__ARM_FEATURE_CRC32)
#include <arm_acle.h>
#endif

/* The reflected Castagnoli polynomial. */
#define ROOMLOG_CRC32C_POLYNOMIAL 0x82F63B78u

static uint32_t table[256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void fill_table(void) {
    for (uint32_t index = 0; index < 256; index++) {
        uint32_t crc = index;
        for (int bit = 0; bit < 8; bit++) crc = (crc & 1) ? (crc >> 1) ^ ROOMLOG_CRC32C_POLYNOMIAL : crc >> 1;
        table[index] = crc;
    }
}

uint32_t roomlog_crc32c_portable(const void *bytes, size_t length) {
    pthread_once(&table_once, fill_table);
    const unsigned char *next = bytes;
    uint32_t crc = 0xFFFFFFFFu;
    while (length-- > 0) crc = table[(crc ^ *next++) & 0xFF] ^ (crc >> 8);
    return crc ^ 0xFFFFFFFFu;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2")))
static uint32_t crc32c_sse42(const unsigned char *next, size_t length) {
    uint64_t crc = 0xFFFFFFFFu;
    for (; length >= 8; next += 8, length -= 8) {
        uint64_t word;
        memcpy(&word, next, 8);
        crc = _mm_crc32_u64(crc, word);
    }
    uint32_t crc32 = (uint32_t)crc;
    for (; length > 0; next++, length--) crc32 = _mm_crc32_u8(crc32, *next);
    return crc32 ^ 0xFFFFFFFFu;
}

/* 1 when the CPU has SSE4.2, 0 when not, -1 before the first call asked (a race only repeats the same answer). */
static int has_sse42 = -1;

static int cpu_has_sse42(void) {
    int known = __atomic_load_n(&has_sse42, __ATOMIC_RELAXED);
    if (known >= 0) return known;
    unsigned int eax, ebx, ecx, edx;
    known = (__get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_SSE4_2)) ? 1 : 0;
    __atomic_store_n(&has_sse42, known, __ATOMIC_RELAXED);
    return known;
}
#endif

uint32_t roomlog_crc32c(const void *bytes, size_t length) {
#if defined(__x86_64__)
    if (cpu_has_sse42()) return crc32c_sse42(bytes, length);
#elif defined(__aarch64__) && defined(__ARM_FEATURE_CRC32)
    const unsigned char *next = bytes;
    uint32_t crc = 0xFFFFFFFFu;
    for (; length >= 8; next += 8, length -= 8) {
        uint64_t word;
        memcpy(&word, next, 8);
        crc = __crc32cd(crc, word);
    }
    for (; length > 0; next++, length--) crc = __crc32cb(crc, *next);
    return crc ^ 0xFFFFFFFFu;
#endif
    return roomlog_crc32c_portable(bytes, length);
}

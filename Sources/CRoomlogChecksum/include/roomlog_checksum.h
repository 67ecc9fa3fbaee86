#ifndef ROOMLOG_CHECKSUM_H
#define ROOMLOG_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/// The CRC-32C (Castagnoli) of `length` bytes at `bytes`, with the CPU's CRC instruction where it has one
/// (x86-64 SSE4.2, checked once at run time; ARMv8 with the CRC extension), with a table otherwise.
uint32_t roomlog_crc32c(const void *bytes, size_t length);

/// The same CRC-32C computed with the table only, so that tests can compare both paths.
uint32_t roomlog_crc32c_portable(const void *bytes, size_t length);

#endif

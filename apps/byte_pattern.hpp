// The deterministic content of httpd's /bytes/N: 64-byte lines, each the offset of its first byte
// as 16 hex digits followed by a fixed text and a newline,
//   "0000000000000000 tachyon bytes 0123456789abcdefghijklmnopqrstuv\n"
//   "0000000000000040 tachyon bytes 0123456789abcdefghijklmnopqrstuv\n" ...
// cut at N bytes. Every 64-byte line differs, so a chunk delivered twice, lost or misplaced shows
// in a checksum, and a client can rebuild the expected bytes without Tachyon, e.g. in Python:
//   b"".join(b"%016x tachyon bytes 0123456789abcdefghijklmnopqrstuv\n" % (64 * k)
//            for k in range((n + 63) // 64))[:n]
// Any range is produced on demand, so a large N is streamed without holding it in memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace tachyon::apps {

inline constexpr size_t kPatternLine = 64;

// Writes bytes [offset, offset + out.size()) of the pattern to out.
void fill_byte_pattern(std::span<char> out, uint64_t offset);

}  // namespace tachyon::apps

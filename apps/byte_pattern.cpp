#include "apps/byte_pattern.hpp"

#include <algorithm>
#include <cstring>
#include <string_view>

namespace tachyon::apps {

namespace {

constexpr std::string_view kSuffix = " tachyon bytes 0123456789abcdefghijklmnopqrstuv\n";
static_assert(16 + kSuffix.size() == kPatternLine);

void make_line(char (&line)[kPatternLine], uint64_t line_offset) {
    static constexpr char kHex[] = "0123456789abcdef";
    for (int i = 15; i >= 0; --i) {
        line[i] = kHex[line_offset & 0xf];
        line_offset >>= 4;
    }
    std::memcpy(line + 16, kSuffix.data(), kSuffix.size());
}

}  // namespace

void fill_byte_pattern(std::span<char> out, uint64_t offset) {
    char line[kPatternLine];
    size_t done = 0;
    while (done < out.size()) {
        const uint64_t at = offset + done;
        const uint64_t line_start = at - at % kPatternLine;
        const size_t skip = static_cast<size_t>(at - line_start);
        const size_t n = std::min(kPatternLine - skip, out.size() - done);
        make_line(line, line_start);
        std::memcpy(out.data() + done, line + skip, n);
        done += n;
    }
}

}  // namespace tachyon::apps

#include "stack/wire/wire_error.hpp"

namespace tachyon {

const char* to_string(WireError e) {
    switch (e) {
        case WireError::kNone: return "none";
        case WireError::kTruncated: return "truncated";
        case WireError::kBadVersion: return "bad version";
        case WireError::kBadHeaderLength: return "bad header length";
        case WireError::kBadTotalLength: return "bad total length";
        case WireError::kBadChecksum: return "bad checksum";
        case WireError::kBadOption: return "bad option";
        case WireError::kBadFlags: return "bad flags";
        case WireError::kBadAddress: return "bad address";
        case WireError::kUnsupported: return "unsupported";
    }
    return "unknown";
}

}  // namespace tachyon

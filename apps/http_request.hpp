// HTTP/1.1 request heads (RFC 9112): the request line and the header fields up to the empty line,
// parsed from the bytes received so far. Incremental by re-parsing: the caller keeps the bytes and
// asks again when more arrived (heads are small; the limit is kMaxHead). Only what a static file
// server needs is extracted; every other field is checked for syntax and skipped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tachyon::apps {

inline constexpr size_t kMaxHead = 8 * 1024;  // request line and fields together

enum class HttpMethod { kGet, kHead, kOther };

struct HttpRequest {
    HttpMethod method = HttpMethod::kOther;
    std::string method_text;
    std::string target;       // the request-target as sent
    int version_minor = 1;    // HTTP/1.x
    bool keep_alive = true;   // after the Connection field and the version defaults
    bool has_host = false;
    bool chunked = false;     // Transfer-Encoding present (not supported for requests)
    uint64_t content_length = 0;  // body bytes that follow the head
    size_t head_len = 0;          // bytes of the head, the empty line included
};

enum class ParseStatus {
    kIncomplete,  // need more bytes
    kComplete,    // `out` is filled; the head is out.head_len bytes
    kBad,         // 400
    kTooLarge,    // 431: no empty line within kMaxHead
    kBadVersion,  // 505
};

ParseStatus parse_request(std::string_view bytes, HttpRequest& out);

// The path of an origin-form or absolute-form target, percent-decoded, without the query; false
// for a target that is not a path (authority-form, asterisk-form, bad escapes, NUL, "..").
bool decode_path(std::string_view target, std::string& path);

}  // namespace tachyon::apps

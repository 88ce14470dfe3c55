// What httpd answers: a request head resolved to a response (status, headers, and a body source
// that is streamed: generated /bytes/N, a file read piece by piece, or a short generated text).
//
// Files are opened below the root directory with openat2(RESOLVE_BENEATH), so neither "..", nor
// an absolute symlink, nor a symlink that climbs out can reach a file outside the root; paths with
// a ".." segment are refused before that (400). Without openat2 (Linux < 5.6) the fallback opens
// the ".."-free path relative to the root with O_NOFOLLOW on the last component.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "apps/http_request.hpp"
#include "lib/result.hpp"

namespace tachyon::apps {

class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    UniqueFd(UniqueFd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
    UniqueFd& operator=(UniqueFd&& o) noexcept;
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd();
    int get() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }

private:
    int fd_ = -1;
};

enum class BodyKind { kNone, kText, kPattern, kFile };

struct HttpResponse {
    int status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    uint64_t length = 0;  // Content-Length
    BodyKind kind = BodyKind::kNone;
    std::string text;     // kText
    UniqueFd file;        // kFile
    std::string location;  // 301
    bool allow_header = false;  // 405
    bool must_close = false;    // errors after which the stream cannot be trusted
    bool head_only = false;     // HEAD: headers as for GET, no body
};

// Writes the status line and header fields (ending with the empty line).
std::string response_head(const HttpResponse& r, bool keep_alive, int version_minor, std::string_view date);

// Reads body bytes [offset, offset + out.size()); returns the count (fewer at a short file).
size_t read_body(const HttpResponse& r, uint64_t offset, std::span<char> out);

class ContentRoot {
public:
    static constexpr uint64_t kMaxPatternBytes = uint64_t{1} << 40;  // /bytes/N bound (1 TiB)

    // ENOENT/ENOTDIR with a hint when `dir` is not a readable directory.
    static Result<std::unique_ptr<ContentRoot>> open(const std::string& dir);
    ContentRoot(const ContentRoot&) = delete;
    ContentRoot& operator=(const ContentRoot&) = delete;

    HttpResponse resolve(const HttpRequest& req) const;
    // A response for a request that could not be parsed.
    static HttpResponse error(int status);

private:
    explicit ContentRoot(UniqueFd fd) : root_(std::move(fd)) {}
    HttpResponse serve_path(const std::string& path) const;
    HttpResponse listing(int dir_fd, const std::string& path) const;
    int open_beneath(const std::string& rel, int flags) const;

    UniqueFd root_;
};

}  // namespace tachyon::apps

#include "apps/http_content.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <vector>

#include "apps/byte_pattern.hpp"

namespace tachyon::apps {

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
    if (this != &o) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = o.fd_;
        o.fd_ = -1;
    }
    return *this;
}

UniqueFd::~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
}

namespace {

constexpr size_t kMaxListing = 1000;

const char* reason(int status) {
    switch (status) {
        case 200: return "OK";
        case 301: return "Moved Permanently";
        case 400: return "Bad Request";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 431: return "Request Header Fields Too Large";
        case 501: return "Not Implemented";
        case 505: return "HTTP Version Not Supported";
        default: return "Error";
    }
}

std::string content_type_of(const std::string& path) {
    const size_t dot = path.rfind('.');
    const std::string ext = dot == std::string::npos ? "" : path.substr(dot + 1);
    if (ext == "html" || ext == "htm") return "text/html; charset=utf-8";
    if (ext == "txt" || ext == "md") return "text/plain; charset=utf-8";
    if (ext == "css") return "text/css";
    if (ext == "js") return "text/javascript";
    if (ext == "json") return "application/json";
    if (ext == "png") return "image/png";
    if (ext == "jpg" || ext == "jpeg") return "image/jpeg";
    if (ext == "gif") return "image/gif";
    if (ext == "svg") return "image/svg+xml";
    return "application/octet-stream";
}

std::string html_escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out += c;
        }
    }
    return out;
}

std::string percent_encode(std::string_view s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) != 0 || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
            out += c;
        } else {
            out += '%';
            out += kHex[u >> 4];
            out += kHex[u & 0xf];
        }
    }
    return out;
}

HttpResponse text_response(int status, std::string text) {
    HttpResponse r;
    r.status = status;
    r.kind = BodyKind::kText;
    r.length = text.size();
    r.text = std::move(text);
    return r;
}

}  // namespace

std::string response_head(const HttpResponse& r, bool keep_alive, int version_minor, std::string_view date) {
    std::string h;
    h.reserve(256);
    h += "HTTP/1.1 ";
    h += std::to_string(r.status);
    h += ' ';
    h += reason(r.status);
    h += "\r\nServer: tachyon\r\nDate: ";
    h += date;
    h += "\r\nContent-Type: ";
    h += r.content_type;
    h += "\r\nContent-Length: ";
    h += std::to_string(r.length);
    h += "\r\n";
    if (!r.location.empty()) h += "Location: " + r.location + "\r\n";
    if (r.allow_header) h += "Allow: GET, HEAD\r\n";
    // HTTP/1.1 persists by default; a 1.0 client asked for keep-alive and is told it is on.
    if (!keep_alive) {
        h += "Connection: close\r\n";
    } else if (version_minor == 0) {
        h += "Connection: keep-alive\r\n";
    }
    h += "\r\n";
    return h;
}

size_t read_body(const HttpResponse& r, uint64_t offset, std::span<char> out) {
    switch (r.kind) {
        case BodyKind::kNone:
            return 0;
        case BodyKind::kText: {
            if (offset >= r.text.size()) return 0;
            const size_t n = std::min(out.size(), r.text.size() - static_cast<size_t>(offset));
            std::memcpy(out.data(), r.text.data() + offset, n);
            return n;
        }
        case BodyKind::kPattern:
            fill_byte_pattern(out, offset);
            return out.size();
        case BodyKind::kFile: {
            const ssize_t n = pread(r.file.get(), out.data(), out.size(), static_cast<off_t>(offset));
            return n > 0 ? static_cast<size_t>(n) : 0;
        }
    }
    return 0;
}

Result<std::unique_ptr<ContentRoot>> ContentRoot::open(const std::string& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        const int e = errno;
        return Error{e, "cannot serve '" + dir + "': " + std::strerror(e) +
                            " (hint: --root must name a readable directory)"};
    }
    return std::unique_ptr<ContentRoot>(new ContentRoot(UniqueFd(fd)));
}

HttpResponse ContentRoot::error(int status) {
    HttpResponse r = text_response(status, std::to_string(status) + " " + reason(status) + "\n");
    r.must_close = status == 400 || status == 431 || status == 501 || status == 505;
    return r;
}

int ContentRoot::open_beneath(const std::string& rel, int flags) const {
    open_how how{};
    how.flags = static_cast<uint64_t>(flags | O_CLOEXEC | O_NONBLOCK);  // a FIFO must not block us
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    const long fd = syscall(SYS_openat2, root_.get(), rel.c_str(), &how, sizeof how);
    if (fd >= 0 || errno != ENOSYS) return static_cast<int>(fd);
    return ::openat(root_.get(), rel.c_str(), flags | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
}

HttpResponse ContentRoot::resolve(const HttpRequest& req) const {
    if (req.method == HttpMethod::kOther) {
        HttpResponse r = text_response(405, "405 Method Not Allowed\n");
        r.allow_header = true;
        return r;
    }
    std::string path;
    if (!decode_path(req.target, path)) return error(400);
    HttpResponse r;
    if (path.starts_with("/bytes/")) {
        const std::string_view n = std::string_view(path).substr(7);
        uint64_t len = 0;
        const auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), len);
        if (n.empty() || ec != std::errc() || end != n.data() + n.size() || len > kMaxPatternBytes) {
            r = text_response(400, "400 Bad Request: /bytes/N takes a byte count up to 2^40\n");
        } else {
            r.kind = BodyKind::kPattern;
            r.length = len;
            r.content_type = "application/octet-stream";
        }
    } else {
        r = serve_path(path);
    }
    r.head_only = req.method == HttpMethod::kHead;
    return r;
}

HttpResponse ContentRoot::serve_path(const std::string& path) const {
    size_t end = path.size();
    while (end > 1 && path[end - 1] == '/') --end;
    const std::string rel = end <= 1 ? std::string(1, '.') : path.substr(1, end - 1);
    UniqueFd fd(open_beneath(rel, O_RDONLY));
    if (!fd) return error(errno == EACCES || errno == EPERM || errno == EXDEV || errno == ELOOP ? 403 : 404);
    struct stat st {};
    if (fstat(fd.get(), &st) != 0) return error(404);
    if (S_ISDIR(st.st_mode)) {
        if (!path.ends_with('/')) {  // relative links in the page need the slash
            HttpResponse r = text_response(301, "301 Moved Permanently\n");
            r.location = percent_encode(path) + "/";
            return r;
        }
        UniqueFd index(open_beneath(rel + "/index.html", O_RDONLY));
        struct stat ist {};
        if (index && fstat(index.get(), &ist) == 0 && S_ISREG(ist.st_mode)) {
            HttpResponse r;
            r.kind = BodyKind::kFile;
            r.length = static_cast<uint64_t>(ist.st_size);
            r.file = std::move(index);
            r.content_type = "text/html; charset=utf-8";
            return r;
        }
        return listing(fd.get(), path);
    }
    if (!S_ISREG(st.st_mode)) return error(404);
    HttpResponse r;
    r.kind = BodyKind::kFile;
    r.length = static_cast<uint64_t>(st.st_size);
    r.file = std::move(fd);
    r.content_type = content_type_of(path);
    return r;
}

HttpResponse ContentRoot::listing(int dir_fd, const std::string& path) const {
    const int dup_fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
    DIR* d = dup_fd >= 0 ? fdopendir(dup_fd) : nullptr;
    if (d == nullptr) {
        if (dup_fd >= 0) ::close(dup_fd);
        return error(403);
    }
    std::vector<std::string> names;
    bool truncated = false;
    while (const dirent* e = readdir(d)) {
        const std::string_view n = e->d_name;
        if (n == "." || n == "..") continue;
        if (names.size() == kMaxListing) {
            truncated = true;
            break;
        }
        names.emplace_back(n);
        if (e->d_type == DT_DIR) names.back() += '/';
    }
    closedir(d);
    std::sort(names.begin(), names.end());
    std::string html = "<!DOCTYPE html>\n<html><head><title>Index of " + html_escape(path) +
                       "</title></head>\n<body><h1>Index of " + html_escape(path) + "</h1>\n<ul>\n";
    for (const std::string& n : names) {
        html += "<li><a href=\"" + percent_encode(n) + "\">" + html_escape(n) + "</a></li>\n";
    }
    if (truncated) html += "<li>(more entries not shown)</li>\n";
    html += "</ul>\n<p>tachyon httpd; also <a href=\"/bytes/1048576\">/bytes/N</a></p>\n</body></html>\n";
    HttpResponse r = text_response(200, std::move(html));
    r.content_type = "text/html; charset=utf-8";
    return r;
}

}  // namespace tachyon::apps

#include "apps/http_request.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace tachyon::apps {

namespace {

// RFC 9110 5.6.2 tchar.
bool is_tchar(char c) {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0) return true;
    switch (c) {
        case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-': case '.':
        case '^': case '_': case '`': case '|': case '~':
            return true;
        default:
            return false;
    }
}

bool is_token(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar); }

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// Whether a comma-separated list (Connection) holds `option`.
bool list_has(std::string_view list, std::string_view option) {
    while (!list.empty()) {
        const size_t comma = list.find(',');
        if (iequals(trim(list.substr(0, comma)), option)) return true;
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    return false;
}

bool parse_request_line(std::string_view line, HttpRequest& out, ParseStatus& status) {
    // method SP request-target SP HTTP-version (RFC 9112 3)
    const size_t sp1 = line.find(' ');
    if (sp1 == std::string_view::npos) return false;
    const size_t sp2 = line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) return false;
    const std::string_view method = line.substr(0, sp1);
    const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const std::string_view version = line.substr(sp2 + 1);
    if (!is_token(method) || target.empty()) return false;
    if (std::any_of(target.begin(), target.end(), [](char c) {
            return static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) == 0x7f;
        })) {
        return false;
    }
    if (version.size() != 8 || !version.starts_with("HTTP/") || version[6] != '.' ||
        std::isdigit(static_cast<unsigned char>(version[5])) == 0 ||
        std::isdigit(static_cast<unsigned char>(version[7])) == 0) {
        return false;
    }
    if (version[5] != '1') {
        status = ParseStatus::kBadVersion;
        return false;
    }
    out.method_text = std::string(method);
    out.method = method == "GET" ? HttpMethod::kGet : method == "HEAD" ? HttpMethod::kHead : HttpMethod::kOther;
    out.target = std::string(target);
    out.version_minor = version[7] - '0';
    return true;
}

bool parse_field(std::string_view line, HttpRequest& out, bool& saw_length, bool& connection_close,
                 bool& connection_keep_alive) {
    if (line.front() == ' ' || line.front() == '\t') return false;  // obs-fold (RFC 9112 5.2)
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return false;
    const std::string_view name = line.substr(0, colon);  // no whitespace before the colon (5.1)
    if (!is_token(name)) return false;
    const std::string_view value = trim(line.substr(colon + 1));
    if (std::any_of(value.begin(), value.end(), [](char c) { return c == '\0' || c == '\r' || c == '\n'; })) {
        return false;
    }
    if (iequals(name, "host")) {
        if (out.has_host) return false;  // RFC 9112 3.2: more than one Host is a 400
        out.has_host = true;
    } else if (iequals(name, "connection")) {
        connection_close |= list_has(value, "close");
        connection_keep_alive |= list_has(value, "keep-alive");
    } else if (iequals(name, "content-length")) {
        uint64_t n = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
        if (ec != std::errc() || end != value.data() + value.size()) return false;
        if (saw_length && n != out.content_length) return false;  // RFC 9112 6.3 item 5
        out.content_length = n;
        saw_length = true;
    } else if (iequals(name, "transfer-encoding")) {
        out.chunked = true;
    }
    return true;
}

}  // namespace

ParseStatus parse_request(std::string_view bytes, HttpRequest& out) {
    // RFC 9112 2.2: a server SHOULD ignore at least one empty line before the request line.
    size_t start = 0;
    while (start + 1 < bytes.size() && bytes[start] == '\r' && bytes[start + 1] == '\n') start += 2;
    const size_t end = bytes.find("\r\n\r\n", start);
    if (end == std::string_view::npos) {
        return bytes.size() >= kMaxHead ? ParseStatus::kTooLarge : ParseStatus::kIncomplete;
    }
    if (end + 4 > kMaxHead) return ParseStatus::kTooLarge;
    out = HttpRequest{};
    out.head_len = end + 4;
    std::string_view head = bytes.substr(start, end - start + 2);  // every line ends in CRLF
    ParseStatus status = ParseStatus::kBad;
    size_t eol = head.find("\r\n");
    if (!parse_request_line(head.substr(0, eol), out, status)) return status;
    head.remove_prefix(eol + 2);
    bool saw_length = false, conn_close = false, conn_keep_alive = false;
    while (!head.empty()) {
        eol = head.find("\r\n");
        const std::string_view line = head.substr(0, eol);
        if (line.empty() || line.find('\n') != std::string_view::npos ||
            !parse_field(line, out, saw_length, conn_close, conn_keep_alive)) {
            return ParseStatus::kBad;
        }
        head.remove_prefix(eol + 2);
    }
    if (out.version_minor >= 1 && !out.has_host) return ParseStatus::kBad;  // RFC 9112 3.2
    // RFC 9112 9.3: 1.1 persists unless "close"; 1.0 only with "keep-alive".
    out.keep_alive = out.version_minor >= 1 ? !conn_close : conn_keep_alive && !conn_close;
    return ParseStatus::kComplete;
}

bool decode_path(std::string_view target, std::string& path) {
    // absolute-form (RFC 9112 3.2.2): a server MUST accept it; keep the path.
    if (target.size() > 7 && (target.substr(0, 7) == "http://" || target.substr(0, 8) == "https://")) {
        const size_t slash = target.find('/', target.find("//") + 2);
        target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    }
    if (target.empty() || target.front() != '/') return false;
    target = target.substr(0, target.find_first_of("?#"));
    path.clear();
    for (size_t i = 0; i < target.size(); ++i) {
        char c = target[i];
        if (c == '%') {
            if (i + 2 >= target.size() || std::isxdigit(static_cast<unsigned char>(target[i + 1])) == 0 ||
                std::isxdigit(static_cast<unsigned char>(target[i + 2])) == 0) {
                return false;
            }
            c = static_cast<char>(std::stoi(std::string(target.substr(i + 1, 2)), nullptr, 16));
            if (c == '\0') return false;
            i += 2;
        }
        path += c;
    }
    // No segment may climb out of the root, however it was written ("..", "%2e%2e").
    size_t pos = 0;
    while (pos <= path.size()) {
        const size_t next = std::min(path.find('/', pos), path.size());
        if (path.compare(pos, next - pos, "..") == 0 && next - pos == 2) return false;
        pos = next + 1;
    }
    return true;
}

}  // namespace tachyon::apps

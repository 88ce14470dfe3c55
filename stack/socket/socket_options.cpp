// setsockopt / getsockopt with Linux's checks, limits and answers (sk_setsockopt,
// do_tcp_setsockopt, do_tcp_getsockopt, do_ip_setsockopt). SO_KEEPALIVE, TCP_NODELAY, TCP_KEEPIDLE/KEEPINTVL/KEEPCNT
// and TCP_CONGESTION act on a live connection at once and on connections opened later;
// SO_RCVBUF, SO_SNDBUF and TCP_MAXSEG apply to connections opened (or listeners started) after
// they are set. SO_RCVTIMEO / SO_SNDTIMEO bound blocking calls as on Linux (expiry: EAGAIN, a
// partial count, or EINPROGRESS for connect). IP_TTL and IP_TOS apply to the datagrams a UDP
// socket sends and to a TCP socket's packets, at once on a live connection (its cached headers
// are rebuilt) and to connections opened or accepted later; on TCP the TOS byte's ECN bits are
// cleared, as Linux does while it has not negotiated ECN (Tachyon never does).
#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstring>
#include <string_view>

#include <sys/time.h>

#include "stack/socket/socket_layer.hpp"

namespace tachyon {

namespace {

// Linux limits (include/net/tcp.h).
constexpr int kTcpMinMss = 88;
constexpr int kMaxTcpWindow = 32767;  // TCP_MAXSEG upper bound
constexpr int kMaxKeepIdle = 32767;
constexpr int kMaxKeepIntvl = 32767;
constexpr int kMaxKeepCnt = 127;
constexpr uint16_t kDefaultMss = 536;  // TCP_MSS_DEFAULT: before the handshake
constexpr uint32_t kUdpDefaultBuffer = 212992;  // net.core.rmem_default / wmem_default

// The congestion controls Tachyon's design names first (DESIGN.md): NewReno ("reno") and CUBIC.
constexpr std::array<std::string_view, 2> kCongestion = {"reno", "cubic"};

bool known_congestion(std::string_view name) {
    return std::find(kCongestion.begin(), kCongestion.end(), name) != kCongestion.end();
}

void set_name(char (&dst)[kCongestionNameMax], std::string_view name) {
    std::memset(dst, 0, sizeof(dst));
    std::memcpy(dst, name.data(), std::min(name.size(), sizeof(dst) - 1));
}

Result<int> read_int(std::span<const std::byte> value) {
    if (value.size() < sizeof(int)) return Result<int>::fail(EINVAL);
    int v = 0;
    std::memcpy(&v, value.data(), sizeof(v));
    return v;
}

template <typename T>
size_t write_out(std::span<std::byte> out, const T& v) {
    const size_t n = std::min(out.size(), sizeof(T));
    if (n != 0) std::memcpy(out.data(), &v, n);
    return n;
}

// sock_set_timeout: a struct timeval; microseconds out of range are EDOM; a negative time means
// "do not wait" and zero "wait without limit" (Linux keeps jiffies; this keeps microseconds).
Result<Timeout> read_timeval(std::span<const std::byte> value) {
    if (value.size() < sizeof(timeval)) return Result<Timeout>::fail(EINVAL);
    timeval tv{};
    std::memcpy(&tv, value.data(), sizeof(tv));
    if (tv.tv_usec < 0 || tv.tv_usec >= 1'000'000) return Result<Timeout>::fail(EDOM);
    if (tv.tv_sec < 0) return Timeout{Duration::zero()};
    constexpr int64_t kForeverSecs = 9'000'000'000;  // past it Duration overflows: Linux's MAX too
    if ((tv.tv_sec == 0 && tv.tv_usec == 0) || tv.tv_sec >= kForeverSecs) return Timeout{};
    return Timeout{Duration::from_secs(tv.tv_sec) + Duration::from_us(tv.tv_usec)};
}

timeval to_timeval(const Timeout& t) {
    timeval tv{};
    if (!t) return tv;  // without limit reads as zero
    tv.tv_sec = static_cast<time_t>(t->ns() / 1'000'000'000);
    tv.tv_usec = static_cast<suseconds_t>((t->ns() % 1'000'000'000) / 1'000);
    return tv;
}

// do_ip_setsockopt reads an int, or a single byte when fewer than sizeof(int) are given; none
// at all reads as 0.
int read_ip_int(std::span<const std::byte> value) {
    if (value.size() >= sizeof(int)) {
        int v = 0;
        std::memcpy(&v, value.data(), sizeof(v));
        return v;
    }
    return value.empty() ? 0 : static_cast<int>(std::to_integer<unsigned char>(value[0]));
}

// do_ip_getsockopt: a buffer shorter than an int gets one byte when the value fits in it.
size_t write_ip_int(std::span<std::byte> out, int v) {
    if (!out.empty() && out.size() < sizeof(int) && v >= 0 && v <= 255) {
        out[0] = static_cast<std::byte>(v);
        return 1;
    }
    return write_out(out, v);
}

constexpr int kEcnMask = 0x03;   // the TOS byte's ECN field (RFC 3168 5)

// Linux: a buffer size is capped at the sysctl maximum, then doubled, then raised to the minimum.
uint32_t buffer_size(int v, uint32_t max, uint32_t min) {
    const uint32_t val = std::min(static_cast<uint32_t>(v), max);
    return std::max(val * 2, min);
}

}  // namespace

void SocketLayer::init_options(SocketOptions& o, bool stream) const {
    o = SocketOptions{};
    if (stream) {
        o.rcvbuf = 2 * config_.tcp.defaults.receive_buffer;
        o.sndbuf = 2 * config_.tcp.defaults.send_buffer;
    } else {
        o.rcvbuf = kUdpDefaultBuffer;
        o.sndbuf = kUdpDefaultBuffer;
    }
    set_name(o.congestion, known_congestion(config_.congestion) ? std::string_view(config_.congestion) : "cubic");
}

Result<void> SocketLayer::setsockopt(SocketId id, int level, int name, std::span<const std::byte> value) {
    SocketSlot* s = slot(id);
    if (s == nullptr) return Result<void>::fail(EBADF);
    if (level == SOL_SOCKET) return set_socket_option(*s, name, value);
    if (level == IPPROTO_TCP && s->stream) return set_tcp_option(*s, name, value);
    if (level == IPPROTO_IP) return set_ip_option(*s, name, value);
    return Result<void>::fail(ENOPROTOOPT);
}

Result<size_t> SocketLayer::getsockopt(SocketId id, int level, int name, std::span<std::byte> out) {
    SocketSlot* s = slot(id);
    if (s == nullptr) return Result<size_t>::fail(EBADF);
    if (level == SOL_SOCKET) return get_socket_option(*s, name, out);
    if (level == IPPROTO_TCP && s->stream) return get_tcp_option(*s, name, out);
    if (level == IPPROTO_IP) return get_ip_option(*s, name, out);
    return Result<size_t>::fail(EOPNOTSUPP);  // Linux: other levels are not supported at all
}

Result<void> SocketLayer::set_ip_option(SocketSlot& s, int name, std::span<const std::byte> value) {
    if (name != IP_TTL && name != IP_TOS) return Result<void>::fail(ENOPROTOOPT);
    const int v = read_ip_int(value);
    if (name == IP_TTL) {
        if (value.empty()) return Result<void>::fail(EINVAL);
        if (v != -1 && (v < 1 || v > 255)) return Result<void>::fail(EINVAL);
        s.opts.ip_ttl = v == -1 ? std::nullopt : std::optional<uint8_t>(static_cast<uint8_t>(v));
    } else {
        // Linux keeps the low byte as it is (UDP); TCP keeps its own ECN bits, zero without ECN.
        s.opts.ip_tos = static_cast<uint8_t>(v & (s.stream ? ~kEcnMask : 0xff));
    }
    // A live connection's next packet carries them (one that already ended refuses with EBADF;
    // as on Linux, setsockopt still succeeds).
    if (s.stream && s.conn.valid()) (void)tcp_.set_ttl_tos(s.conn, s.opts.ip_ttl.value_or(0), s.opts.ip_tos);
    return {};
}

Result<size_t> SocketLayer::get_ip_option(SocketSlot& s, int name, std::span<std::byte> out) {
    switch (name) {
        case IP_TTL: return write_ip_int(out, s.opts.ip_ttl.value_or(stack_.default_ttl()));
        case IP_TOS: return write_ip_int(out, s.opts.ip_tos);
        default: return Result<size_t>::fail(ENOPROTOOPT);
    }
}

Result<void> SocketLayer::set_socket_option(SocketSlot& s, int name, std::span<const std::byte> value) {
    if (name == SO_LINGER) {
        if (value.size() < sizeof(struct linger)) return Result<void>::fail(EINVAL);
        struct linger l {};
        std::memcpy(&l, value.data(), sizeof(l));
        // Turning lingering off keeps the old time (Linux only clears the flag).
        s.opts.linger.on = l.l_onoff != 0;
        if (s.opts.linger.on) s.opts.linger.seconds = l.l_linger < 0 ? INT_MAX : l.l_linger;
        return {};
    }
    Result<int> v = read_int(value);  // sk_setsockopt checks the length first
    if (!v) return v.error();
    if (name == SO_RCVTIMEO || name == SO_SNDTIMEO) {
        Result<Timeout> t = read_timeval(value);
        if (!t) return t.error();
        (name == SO_RCVTIMEO ? s.opts.rcvtimeo : s.opts.sndtimeo) = *t;
        return {};
    }
    switch (name) {
        case SO_REUSEADDR:
            s.opts.reuse_addr = *v != 0;
            if (s.port_holder != PortTable::kNone) ports_.set_reuse(s.port_holder, s.opts.reuse_addr);
            return {};
        case SO_KEEPALIVE:
            s.opts.keepalive = *v != 0;
            apply_live_tcp_options(s);
            return {};
        case SO_RCVBUF:
            s.opts.rcvbuf = buffer_size(*v, config_.max_buffer, kMinRcvBuf);
            return {};
        case SO_SNDBUF:
            s.opts.sndbuf = buffer_size(*v, config_.max_buffer, kMinSndBuf);
            return {};
        default:
            return Result<void>::fail(ENOPROTOOPT);  // including the read-only ones (SO_ERROR ...)
    }
}

Result<size_t> SocketLayer::get_socket_option(SocketSlot& s, int name, std::span<std::byte> out) {
    int v = 0;
    switch (name) {
        case SO_LINGER: {
            const struct linger l { s.opts.linger.on ? 1 : 0, s.opts.linger.seconds };
            return write_out(out, l);
        }
        case SO_RCVTIMEO: return write_out(out, to_timeval(s.opts.rcvtimeo));
        case SO_SNDTIMEO: return write_out(out, to_timeval(s.opts.sndtimeo));
        case SO_REUSEADDR: v = s.opts.reuse_addr ? 1 : 0; break;
        case SO_KEEPALIVE: v = s.opts.keepalive ? 1 : 0; break;
        case SO_RCVBUF: v = static_cast<int>(s.opts.rcvbuf); break;
        case SO_SNDBUF: v = static_cast<int>(s.opts.sndbuf); break;
        case SO_ERROR: v = take_error(s); break;  // reading it clears it, as sock_error()
        case SO_TYPE: v = s.stream ? SOCK_STREAM : SOCK_DGRAM; break;
        case SO_PROTOCOL: v = s.stream ? IPPROTO_TCP : IPPROTO_UDP; break;
        case SO_DOMAIN: v = AF_INET; break;
        case SO_ACCEPTCONN: v = s.phase == TcpPhase::kListening && s.stream ? 1 : 0; break;
        default: return Result<size_t>::fail(ENOPROTOOPT);
    }
    return write_out(out, v);
}

Result<void> SocketLayer::set_tcp_option(SocketSlot& s, int name, std::span<const std::byte> value) {
    if (name == TCP_CONGESTION) {  // a name, before the int check (do_tcp_setsockopt)
        if (value.empty()) return Result<void>::fail(EINVAL);
        const auto* chars = reinterpret_cast<const char*>(value.data());
        const size_t len = strnlen(chars, std::min(value.size(), kCongestionNameMax - 1));
        const std::string_view wanted(chars, len);
        if (!known_congestion(wanted)) return Result<void>::fail(ENOENT);
        set_name(s.opts.congestion, wanted);
        apply_live_tcp_options(s);
        return {};
    }
    Result<int> v = read_int(value);
    if (!v) return v.error();
    switch (name) {
        case TCP_NODELAY:
            s.opts.nodelay = *v != 0;
            apply_live_tcp_options(s);
            return {};
        case TCP_MAXSEG:
            if (*v != 0 && (*v < kTcpMinMss || *v > kMaxTcpWindow)) return Result<void>::fail(EINVAL);
            s.opts.user_mss = static_cast<uint16_t>(*v);
            return {};
        case TCP_KEEPIDLE:
            if (*v < 1 || *v > kMaxKeepIdle) return Result<void>::fail(EINVAL);
            s.opts.keepidle = *v;
            apply_live_tcp_options(s);
            return {};
        case TCP_KEEPINTVL:
            if (*v < 1 || *v > kMaxKeepIntvl) return Result<void>::fail(EINVAL);
            s.opts.keepintvl = *v;
            apply_live_tcp_options(s);
            return {};
        case TCP_KEEPCNT:
            if (*v < 1 || *v > kMaxKeepCnt) return Result<void>::fail(EINVAL);
            s.opts.keepcnt = *v;
            apply_live_tcp_options(s);
            return {};
        default:
            return Result<void>::fail(ENOPROTOOPT);
    }
}

Result<size_t> SocketLayer::get_tcp_option(SocketSlot& s, int name, std::span<std::byte> out) {
    const TcpConnection* c = conn(s);
    int v = 0;
    switch (name) {
        case TCP_NODELAY: v = s.opts.nodelay ? 1 : 0; break;
        case TCP_MAXSEG:
            // Linux: the MSS in use once connected, else what the user set, else 536.
            if (c != nullptr && c->state != TcpState::kClosed && c->state != TcpState::kSynSent) {
                v = c->tcb.snd_mss;
            } else {
                v = s.opts.user_mss != 0 ? s.opts.user_mss : kDefaultMss;
            }
            break;
        case TCP_KEEPIDLE: v = s.opts.keepidle; break;
        case TCP_KEEPINTVL: v = s.opts.keepintvl; break;
        case TCP_KEEPCNT: v = s.opts.keepcnt; break;
        case TCP_CONGESTION: {
            const size_t n = std::min(out.size(), kCongestionNameMax);
            if (n != 0) std::memcpy(out.data(), s.opts.congestion, n);
            return n;
        }
        case TCP_INFO: {
            TcpInfo info;
            if (c != nullptr) {
                info = make_tcp_info(*c);
            } else if (s.phase == TcpPhase::kListening) {
                info.state = TcpState::kListen;
            }
            return write_out(out, to_linux(info));
        }
        default: return Result<size_t>::fail(ENOPROTOOPT);
    }
    return write_out(out, v);
}

Result<TcpInfo> SocketLayer::tcp_info(SocketId id) const {
    const SocketSlot* s = slot(id);
    if (s == nullptr) return Result<TcpInfo>::fail(EBADF);
    if (!s->stream) return Result<TcpInfo>::fail(ENOPROTOOPT);
    if (const TcpConnection* c = conn(*s)) return make_tcp_info(*c);
    TcpInfo info;
    if (s->phase == TcpPhase::kListening) info.state = TcpState::kListen;
    return info;
}

}  // namespace tachyon

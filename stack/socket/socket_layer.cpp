// The socket table, socket creation and close, and the loop blocking calls run while they wait.
#include "stack/socket/socket_layer.hpp"

#include <poll.h>
#include <sys/epoll.h>

#include <algorithm>
#include <cerrno>
#include <ctime>

#include "stack/socket/poller.hpp"
#include "stack/socket/socket.hpp"
#include "stack/wire/bytes.hpp"

namespace tachyon {

std::string SocketAddress::to_string() const { return addr.to_string() + ":" + std::to_string(port); }

SocketLayer::SocketLayer(Stack& stack, const SocketLayerConfig& config)
    : stack_(stack),
      config_(config),
      tcp_(stack, config.tcp),
      // Each open socket holds at most one port, and each connection or TIME-WAIT record that
      // outlives its socket one more: the table never fills with live holders.
      ports_(std::max<size_t>(config.max_sockets, 1) + config.tcp.max_connections + config.tcp.time_wait_capacity()),
      slots_(std::max<size_t>(config.max_sockets, 1)),
      tap_(*this),
      conn_owner_(config.tcp.max_connections, PortTable::kNone),
      listener_owner_(config.tcp.max_listeners, PortTable::kNone),
      udp_owner_(stack.udp().capacity(), PortTable::kNone) {
    free_.reserve(slots_.size());
    for (size_t i = slots_.size(); i-- > 0;) free_.push_back(static_cast<uint32_t>(i));
    stack_.set_protocol_handler(IpProtocol::kTcp, &tap_);
    tcp_.set_closed_hook(&SocketLayer::on_tcp_closed, this);
    tcp_.set_released_hook(&SocketLayer::on_tcp_released, this);
    tcp_.set_ephemeral_filter(&SocketLayer::connect_port_usable, this);
    stack_.udp().set_rx_hook(&SocketLayer::on_udp_rx, this);
    stack_.udp().set_error_hook(&SocketLayer::on_udp_error, this);
}

SocketLayer::~SocketLayer() {
    for (SocketSlot& s : slots_) {
        if (!s.open) continue;
        s.opts.linger = Linger{true, 0};  // no one is left to wait for a graceful close
        (void)close(id_of(s));
    }
    stack_.set_protocol_handler(IpProtocol::kTcp, nullptr);
    stack_.udp().set_rx_hook(nullptr, nullptr);
    stack_.udp().set_error_hook(nullptr, nullptr);
    tcp_.set_closed_hook(nullptr, nullptr);  // the TcpLayer outlives the members the hooks read
    tcp_.set_released_hook(nullptr, nullptr);
    tcp_.set_ephemeral_filter(nullptr, nullptr);
}

// Every call that may change a socket takes it through here: the pollers look at it again.
SocketSlot* SocketLayer::slot(SocketId id) {
    if (id.index >= slots_.size()) return nullptr;
    SocketSlot& s = slots_[id.index];
    if (!s.open || s.generation != id.generation) return nullptr;
    mark(id.index);
    return &s;
}

const SocketSlot* SocketLayer::slot(SocketId id) const {
    if (id.index >= slots_.size()) return nullptr;
    const SocketSlot& s = slots_[id.index];
    return s.open && s.generation == id.generation ? &s : nullptr;
}

SocketId SocketLayer::id_of(const SocketSlot& s) const {
    return {static_cast<uint32_t>(&s - slots_.data()), s.generation};
}

Result<SocketId> SocketLayer::allocate(bool stream) {
    if (free_.empty()) return Result<SocketId>::fail(EMFILE, "socket table full (SocketLayerConfig::max_sockets)");
    SocketSlot& s = slots_[free_.back()];
    free_.pop_back();
    const uint32_t generation = s.generation + 1 == 0 ? 1 : s.generation + 1;
    s = SocketSlot{};
    s.generation = generation;
    s.open = true;
    s.stream = stream;
    init_options(s.opts, stream);
    ++in_use_;
    return id_of(s);
}

void SocketLayer::free_slot(SocketSlot& s) {
    s.open = false;
    s.stash.reset();
    free_.push_back(static_cast<uint32_t>(&s - slots_.data()));
    --in_use_;
}

Result<SocketId> SocketLayer::open(int family, int type, int protocol) {
    // Linux __sys_socket / inet_create, in their order of checks.
    if (family != AF_INET) return Result<SocketId>::fail(EAFNOSUPPORT);
    const bool nonblock = (type & SOCK_NONBLOCK) != 0;
    type &= ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (type <= 0 || type > SOCK_PACKET) {
        return Result<SocketId>::fail(type == 0 ? ESOCKTNOSUPPORT : EINVAL);
    }
    bool stream = false;
    switch (type) {
        case SOCK_STREAM:
            if (protocol != 0 && protocol != IPPROTO_TCP) return Result<SocketId>::fail(EPROTONOSUPPORT);
            stream = true;
            break;
        case SOCK_DGRAM:
            if (protocol != 0 && protocol != IPPROTO_UDP) return Result<SocketId>::fail(EPROTONOSUPPORT);
            break;
        case SOCK_RAW:
            return Result<SocketId>::fail(EPROTONOSUPPORT, "raw sockets are not supported");
        default:
            return Result<SocketId>::fail(ESOCKTNOSUPPORT);
    }
    Result<SocketId> id = allocate(stream);
    if (id && nonblock) slot(*id)->timeout = Duration::zero();
    return id;
}

Result<Socket> SocketLayer::try_socket(int family, int type, int protocol) {
    Result<SocketId> id = open(family, type, protocol);
    if (!id) return id.error();
    return Socket(*this, *id);
}

Socket SocketLayer::socket(int family, int type, int protocol) {
    Result<Socket> s = try_socket(family, type, protocol);
    if (!s) throw std::system_error(s.code(), std::generic_category(), "socket");
    return std::move(s).value();
}

Result<void> SocketLayer::close(SocketId id) {
    SocketSlot* s = slot(id);
    if (s == nullptr) return Result<void>::fail(EBADF);
    if (s->stream) {
        tcp_close(*s);
    } else {
        udp_close(*s);
    }
    free_slot(*s);
    mark(id.index);  // the pollers drop it now
    return {};
}

Result<int> SocketLayer::type(SocketId id) const {
    const SocketSlot* s = slot(id);
    if (s == nullptr) return Result<int>::fail(EBADF);
    return s->stream ? SOCK_STREAM : SOCK_DGRAM;
}

Result<void> SocketLayer::settimeout(SocketId id, Timeout timeout) {
    SocketSlot* s = slot(id);
    if (s == nullptr) return Result<void>::fail(EBADF);
    if (timeout && *timeout < Duration::zero()) return Result<void>::fail(EINVAL, "Timeout value out of range");
    s->timeout = timeout;
    return {};
}

Result<Timeout> SocketLayer::gettimeout(SocketId id) const {
    const SocketSlot* s = slot(id);
    if (s == nullptr) return Result<Timeout>::fail(EBADF);
    return s->timeout;
}

Timeout SocketLayer::call_timeout(const SocketSlot& s, Direction d) const {
    if (s.timeout) return s.timeout;
    return d == Direction::kSend ? s.opts.sndtimeo : s.opts.rcvtimeo;
}

bool SocketLayer::nonblocking(const SocketSlot& s, int flags) const {
    return (flags & MSG_DONTWAIT) != 0 || (s.timeout && *s.timeout == Duration::zero());
}

std::optional<Instant> SocketLayer::deadline_after(Timeout timeout) const {
    if (!timeout) return std::nullopt;
    return stack_.now() + *timeout;
}

bool SocketLayer::drive(std::optional<Instant> deadline) {
    const bool work = stack_.poll();
    if (deadline && stack_.now() >= *deadline) return false;
    if (!work) idle(deadline);
    return true;
}

void SocketLayer::idle(std::optional<Instant> deadline) {
    const std::optional<Instant> next_timer = stack_.timers().next_deadline();
    if (idle_hook_) {
        idle_hook_(IdleWait{stack_.now(), deadline, next_timer});
        return;
    }
    if (config_.idle == IdleStrategy::kBusyPoll) return;
    // Back off, but never past the next thing that has to happen.
    Duration sleep = config_.backoff_sleep;
    if (deadline) sleep = std::min(sleep, *deadline - stack_.now());
    if (next_timer) sleep = std::min(sleep, *next_timer - stack_.now());
    if (sleep <= Duration::zero()) return;
    const timespec ts{static_cast<time_t>(sleep.ns() / 1'000'000'000), static_cast<long>(sleep.ns() % 1'000'000'000)};
    nanosleep(&ts, nullptr);
}

uint32_t SocketLayer::readiness(SocketId id) const {
    const SocketSlot* s = slot(id);
    if (s == nullptr) return POLLNVAL;
    return s->stream ? tcp_readiness(*s) : udp_readiness(*s);
}

void SocketLayer::clear_nospace(SocketId id) {
    // Not through slot(): the poller calls this while it reports, and must not mark itself.
    if (id.index < slots_.size() && slots_[id.index].open && slots_[id.index].generation == id.generation) {
        slots_[id.index].nospace = false;
    }
}

// ---- Readiness notification for the pollers ----

void SocketLayer::attach(Poller* poller) { pollers_.push_back(poller); }

void SocketLayer::detach(Poller* poller) { std::erase(pollers_, poller); }

void SocketLayer::mark(uint32_t index) {
    for (Poller* p : pollers_) p->notify(index);
}

// A connection changed: its socket, and its listener's while it waits to be accepted.
void SocketLayer::mark_conn(TcpHandle h, uint32_t listener) {
    if (h.index < conn_owner_.size()) {
        const uint32_t owner = conn_owner_[h.index];
        if (owner != PortTable::kNone && slots_[owner].open && slots_[owner].conn == h) mark(owner);
    }
    if (listener < listener_owner_.size()) {
        const uint32_t owner = listener_owner_[listener];
        if (owner != PortTable::kNone && slots_[owner].open && slots_[owner].phase == TcpPhase::kListening &&
            slots_[owner].listener.index == listener) {
            mark(owner);
        }
    }
}

void SocketLayer::on_tcp_closed(void* ctx, const TcpConnection& c) {
    auto* self = static_cast<SocketLayer*>(ctx);
    if (!self->pollers_.empty()) self->mark_conn(c.handle(), c.listener);
}

// A closed socket's connection, or the TIME-WAIT record it left, is gone: its port is free.
void SocketLayer::on_tcp_released(void* ctx, uint32_t port_holder) {
    static_cast<SocketLayer*>(ctx)->ports_.release(port_holder);
}

// The open socket whose UDP socket is id, or kNone.
uint32_t SocketLayer::udp_owner(UdpSocketId id) const {
    if (id.index >= udp_owner_.size()) return PortTable::kNone;
    const uint32_t owner = udp_owner_[id.index];
    if (owner == PortTable::kNone) return owner;
    const SocketSlot& s = slots_[owner];
    return s.open && s.udp_open && s.udp == id ? owner : PortTable::kNone;
}

void SocketLayer::on_udp_rx(void* ctx, UdpSocketId id) {
    auto* self = static_cast<SocketLayer*>(ctx);
    if (self->pollers_.empty()) return;
    if (const uint32_t owner = self->udp_owner(id); owner != PortTable::kNone) self->mark(owner);
}

// Linux's __udp4_lib_err without IP_RECVERR: only a connected socket hears of an error, only of
// a hard one (port unreachable, not "host unreachable", which may pass), and only about its peer.
// The next send or receive reports it once, as does SO_ERROR.
void SocketLayer::on_udp_error(void* ctx, UdpSocketId id, UdpEndpoint to, const IcmpErrorMeaning& meaning) {
    auto* self = static_cast<SocketLayer*>(ctx);
    const uint32_t owner = meaning.hard ? self->udp_owner(id) : PortTable::kNone;
    if (owner == PortTable::kNone) return;
    SocketSlot& s = self->slots_[owner];
    if (!s.peer || *s.peer != SocketAddress{to.addr, to.port}) return;
    s.sk_err = meaning.error;
    if (!self->pollers_.empty()) self->mark(owner);
}

void SocketLayer::TcpTap::end_turn() { layer_.tcp_.end_turn(); }

void SocketLayer::TcpTap::icmp_error(const IcmpError& error) { layer_.tcp_.icmp_error(error); }

// The connection a segment belongs to is looked up before (a reset takes it out of the table)
// and after (a SYN or a SYN cookie creates it) the TCP layer has it: two hash lookups per
// segment, and only while a Poller exists.
void SocketLayer::TcpTap::input(const Ipv4Repr& ip, Packet pkt) {
    SocketLayer& l = layer_;
    if (l.pollers_.empty() || pkt.size() < 4) {
        l.tcp_.input(ip, std::move(pkt));
        return;
    }
    const TcpTuple t{ip.dst_addr, wire::load_be16(pkt.data() + 2), ip.src_addr, wire::load_be16(pkt.data())};
    TcpHandle before;
    uint32_t before_listener = kNoIndex;
    if (const TcpConnection* c = l.tcp_.find_connection(t)) {
        before = c->handle();
        before_listener = c->listener;
    }
    l.tcp_.input(ip, std::move(pkt));
    if (before.valid()) l.mark_conn(before, before_listener);
    if (const TcpConnection* c = l.tcp_.find_connection(t)) l.mark_conn(c->handle(), c->listener);
}

}  // namespace tachyon

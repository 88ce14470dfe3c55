// The TCP layer of one stack: the RFC 9293 state machine for every connection of the stack, the
// IpProtocolHandler the IP layer hands TCP segments to, and the internal stack-level interface the
// socket API is built on (open, listen, accept, send, receive, shutdown, close, abort, state,
// errors and readiness). Written against IpHost only.
//
// The work is split by role over several files, all members of this class:
//   tcp_layer.cpp   the user interface and connection life cycle
//   tcp_input.cpp   demultiplexing, CLOSED (3.10.7.1), TIME-WAIT SYN acceptance (RFC 6191)
//   handshake.cpp   LISTEN (3.10.7.2), SYN-SENT (3.10.7.3), options, SYN emission
//   receiver.cpp    SEGMENT ARRIVES in the other states (3.10.7.4), RFC 5961, PAWS
//   header_prediction.cpp  the fast path for the next expected segment in ESTABLISHED
//   sender.cpp      dispatch of the receiver's decisions, data/FIN/ACK/RST output, Nagle, sender
//                   SWS avoidance, retransmission of lost segments within cwnd
//   sack_output.cpp SACK blocks we send (RFC 2018 section 4) and the receive window (RFC 1122 SWS)
//   loss_recovery.cpp  ACK processing for the sender: SACK scoreboard, duplicate ACKs, fast
//                   retransmit, RFC 6675 / RFC 6582 recovery, limited transmit, cwnd via the
//                   congestion control ops
//   timers.cpp      retransmission timeout (RFC 6298, RTO recovery), TIME-WAIT, FIN-WAIT-2
//   time_wait.cpp   SEGMENT ARRIVES in TIME-WAIT, for a connection and for the compact record an
//                   orphan leaves behind (time_wait_table.hpp), and that record's 2MSL expiry
//   idle_timers.cpp persist (zero window), delayed ACK, keepalive, user timeout
//   syn_cookie.cpp  SYN cookies (RFC 4987)
//   tcp_options.cpp per-connection knobs for the socket options, and TCP_INFO-like statistics
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "lib/result.hpp"
#include "stack/ip_host.hpp"
#include "stack/tcp/buffer_pool.hpp"
#include "stack/tcp/connection_table.hpp"
#include "stack/tcp/isn.hpp"
#include "stack/tcp/listener_table.hpp"
#include "stack/tcp/rx_actions.hpp"
#include "stack/tcp/syn_cookie.hpp"
#include "stack/tcp/tcp_config.hpp"
#include "stack/tcp/tcp_conn_stats.hpp"
#include "stack/tcp/tcp_counters.hpp"
#include "stack/tcp/tcp_types.hpp"
#include "stack/tcp/time_wait_table.hpp"
#include "stack/wire/tcp.hpp"

namespace tachyon {

// The smallest window scale shift that describes the whole receive buffer (RFC 7323 2.3).
uint8_t window_scale_for(uint32_t buffer);

// IP_TTL and IP_TOS of a segment sent without a route cache (TcpLayer::transmit; ttl 0: the
// stack's TTL).
struct TcpIpFields {
    uint8_t ttl = 0;
    uint8_t tos = 0;
};

class TcpLayer final : public IpProtocolHandler {
public:
    explicit TcpLayer(IpHost& host, const TcpConfig& config = {});
    ~TcpLayer();
    TcpLayer(const TcpLayer&) = delete;
    TcpLayer& operator=(const TcpLayer&) = delete;

    // IpProtocolHandler.
    void input(const Ipv4Repr& ip, Packet pkt) override;
    // Sends the ACKs owed by the end of the application's turn (RxActions::ack_by_turn_end) that
    // no segment carried meanwhile.
    void end_turn() override;
    // An ICMP error about one of our segments (stack/tcp/icmp_errors.cpp).
    void icmp_error(const IcmpError& error) override;

    // Active OPEN (3.10.1). local.addr 0 takes the route's source address, local.port 0 an
    // ephemeral port. Errors: ENETUNREACH, EADDRINUSE, EADDRNOTAVAIL, ENOBUFS (table full).
    Result<TcpHandle> open(TcpEndpoint local, TcpEndpoint remote);
    Result<TcpHandle> open(TcpEndpoint local, TcpEndpoint remote, const TcpConnConfig& config);
    // Passive OPEN. backlog bounds the accept queue. Errors: EADDRINUSE, ENOBUFS, EINVAL.
    Result<TcpListenHandle> listen(TcpEndpoint local, uint32_t backlog);
    Result<TcpListenHandle> listen(TcpEndpoint local, uint32_t backlog, const TcpConnConfig& config);
    // An established child, or EAGAIN when the accept queue is empty.
    Result<TcpHandle> accept(TcpListenHandle l);
    // Stops listening; children not yet accepted are reset (established) or dropped (half-open).
    Result<void> close_listener(TcpListenHandle l);

    // SEND (3.10.2): copies as much as fits into the send buffer; EAGAIN when none fits, EPIPE
    // after shutdown_write/close, the connection's error once it failed.
    Result<size_t> send(TcpHandle h, std::span<const std::byte> data);
    // RECEIVE (3.10.3): copies in-order bytes out; 0 at the end of the stream (the peer's FIN),
    // EAGAIN when nothing is there yet, the connection's error once it failed.
    Result<size_t> receive(TcpHandle h, std::span<std::byte> out);
    // Closes the sending direction: FIN after the queued data (half-close).
    Result<void> shutdown_write(TcpHandle h);
    // CLOSE (3.10.4): graceful, the handle is invalid afterwards and the connection finishes on
    // its own; with unread data it aborts with RST instead (RFC 1122 4.2.2.13).
    Result<void> close(TcpHandle h);
    // ABORT (3.10.5): RST and CLOSED at once; the handle is invalid afterwards.
    Result<void> abort(TcpHandle h);

    // STATUS (3.10.6). A stale handle reads as CLOSED.
    TcpState state(TcpHandle h) const;
    int error(TcpHandle h) const;  // 0, ECONNREFUSED, ECONNRESET, ETIMEDOUT or an ICMP error's errno
    std::optional<TcpTuple> tuple(TcpHandle h) const;
    size_t receive_available(TcpHandle h) const;
    size_t send_space(TcpHandle h) const;
    const TcpConnection* connection(TcpHandle h) const;  // read-only view (TCP_INFO and tests)

    // Readiness, for the poller: level-triggered conditions.
    bool readable(TcpHandle h) const;   // data, end of stream, or an error
    bool writable(TcpHandle h) const;   // send buffer space in a state that sends, or an error
    bool hang_up(TcpHandle h) const;    // closed, or both directions finished
    bool accept_ready(TcpListenHandle l) const;

    // Zero-copy RECEIVE (the socket layer's recv_view): the first in-order bytes, at most max, in
    // place: in the packets they arrived in (TcpConfig::packets_read_in_place), then in the ring
    // (two spans; fewer than max bytes when packet ends or the ring's wrap split them further);
    // empty when none is there.
    // The spans are valid until receive_consume() or until the stack runs again (arriving data
    // may move the storage). Errors: EBADF; once the connection failed, its error after the
    // bytes that arrived before (as receive()).
    Result<RingSpans<const std::byte>> receive_peek(TcpHandle h, size_t max) const;
    // Drops n of those bytes (n <= receive_available()) and opens the window as receive() does
    // (a window update goes out when it grew enough). EINVAL when n is more than is held.
    Result<void> receive_consume(TcpHandle h, size_t n);
    // Zero-copy SEND: up to max bytes of free send buffer, writable in place; send_commit(h, n,
    // first.data()) queues the first n written and sends as send() does. The spans are valid
    // until send_commit or until the stack runs again. Errors as send(); EAGAIN when the buffer
    // is full or no memory could be had. send_commit says EINVAL when the spans went stale.
    Result<RingSpans<std::byte>> send_prepare(TcpHandle h, size_t max);
    Result<size_t> send_commit(TcpHandle h, size_t n, const std::byte* at);

    // Readiness tracking for the socket layer's Poller: the connection segments with tuple t
    // reach (nullptr: none), and a hook called when a connection enters CLOSED (a reset, a
    // time-out, the end of TIME-WAIT), before it leaves its listener's queue.
    const TcpConnection* find_connection(const TcpTuple& t) const;
    using ClosedHook = void (*)(void* ctx, const TcpConnection& c);
    void set_closed_hook(ClosedHook hook, void* ctx) {
        closed_hook_ = hook;
        closed_ctx_ = ctx;
    }
    // The layer above is told, with the cookie it gave for a connection, when the connection's
    // tuple is free again: its slot released, or the TIME-WAIT record it left removed (expiry,
    // reuse, reset, a new incarnation, eviction). The socket layer keeps a closed socket's port
    // held until then, as Linux's timewait socket holds its bind bucket.
    using ReleasedHook = void (*)(void* ctx, uint32_t cookie);
    void set_released_hook(ReleasedHook hook, void* ctx) {
        released_hook_ = hook;
        released_ctx_ = ctx;
    }
    Result<void> set_release_cookie(TcpHandle h, uint32_t cookie);
    // Ports the layer above holds for itself (a socket bound to it explicitly, a listening one):
    // the filter says whether an active open may take `port` as its ephemeral port.
    using PortFilter = bool (*)(void* ctx, uint16_t port);
    void set_ephemeral_filter(PortFilter filter, void* ctx) {
        port_filter_ = filter;
        port_filter_ctx_ = ctx;
    }

    // Per-connection knobs (socket options) on a live connection; errors: EBADF, EINVAL, ENOENT
    // (unknown congestion control).
    Result<void> set_nodelay(TcpHandle h, bool on);
    // IP_TTL / IP_TOS of the connection's packets from the next one on (ttl 0: the stack's).
    Result<void> set_ttl_tos(TcpHandle h, uint8_t ttl, uint8_t tos);
    Result<void> set_keepalive(TcpHandle h, bool on);
    Result<void> set_keepalive_idle(TcpHandle h, Duration idle);
    Result<void> set_keepalive_interval(TcpHandle h, Duration interval);
    Result<void> set_keepalive_count(TcpHandle h, uint8_t count);
    Result<void> set_user_timeout(TcpHandle h, Duration timeout);  // zero: off
    Result<void> set_congestion(TcpHandle h, std::string_view name);  // "reno", "newreno", "cubic"
    Result<void> set_delayed_ack(TcpHandle h, bool on);
    // Buffers grow at any time; they shrink only while empty (send) or before the handshake
    // (receive: the window scale is chosen from it). EINVAL otherwise.
    Result<void> set_send_buffer(TcpHandle h, uint32_t bytes);
    Result<void> set_receive_buffer(TcpHandle h, uint32_t bytes);
    // TCP_MAXSEG: caps the MSS announced (before the handshake) and the one sent with (after).
    Result<void> set_max_segment(TcpHandle h, uint16_t mss);
    // Sends an ACK now if one is being delayed (TCP_QUICKACK).
    Result<void> quick_ack(TcpHandle h);
    // TCP_INFO-like statistics; nullopt for a stale handle.
    std::optional<TcpConnStats> conn_stats(TcpHandle h) const;
    // The same from the read-only view of a connection (the socket API's TCP_INFO).
    static TcpConnStats stats_of(const TcpConnection& connection);

    const TcpCounters& counters() const { return counters_; }
    const TcpConfig& config() const { return config_; }
    size_t connections_in_use() const { return table_.in_use(); }
    // Orphans in TIME-WAIT, held as compact records outside the connection table.
    size_t time_wait_records() const { return time_wait_.size(); }
    // The record of the orphan in TIME-WAIT on tuple t (read-only; tests and diagnostics).
    const TimeWaitRecord* find_time_wait(const TcpTuple& t) const;
    // The memory behind connection buffers: in use, cached, failures (TcpConfig::max_buffer_memory).
    const BufferPool::Stats& buffer_stats() const { return buffers_.stats(); }
    // Frees the cached blocks (memory measurements).
    void trim_buffers() { buffers_.trim(); }

private:
    // tcp_layer.cpp: life cycle.
    TcpConnection* user_conn(TcpHandle h);
    int sendable(TcpHandle h, TcpConnection*& c);
    const TcpConnection* user_conn(TcpHandle h) const;
    void init_connection(TcpConnection& c, const TcpTuple& t, const TcpConnConfig& config);
    // The route cache takes the TTL and TOS of c.config (ttl 0: the stack's).
    void route_ip_fields(TcpConnection& c);
    void enter_established(TcpConnection& c);
    void enter_closed(TcpConnection& c, int error);
    // Frees the slot once CLOSED and nobody holds it; an orphan in TIME-WAIT leaves a compact
    // record behind and frees its slot too.
    void finish(TcpConnection& c);
    void detach_from_listener(TcpConnection& c);
    void maybe_window_update(TcpConnection& c);
    // A port for an active open to remote: free, or held by a reusable TIME-WAIT record
    // (time_wait), which the open then takes over.
    struct EphemeralPort {
        uint16_t port;
        TimeWaitRecord* time_wait;
    };
    std::optional<EphemeralPort> ephemeral_port(Ipv4Address local, TcpEndpoint remote);
    void shutdown_send(TcpConnection& c);

    // tcp_input.cpp.
    void closed_input(const TcpTuple& t, const TcpRepr& seg);
    // The listener that takes a SYN reopening a TIME-WAIT (RFC 6191) on tuple t, nullptr when the
    // SYN does not reopen it or no listener is there.
    TcpListener* time_wait_reopener(bool ts_ok, uint32_t ts_recent, SeqNum rcv_nxt, const TcpTuple& t,
                                    const TcpRepr& seg);
    // The lowest ISS of a new incarnation of a tuple whose last one sent up to snd_nxt: above its
    // sequence space (RFC 6191; Linux: its SND.NXT + 64 KiB + 2).
    static SeqNum iss_floor_after(SeqNum snd_nxt) { return snd_nxt + 65535 + 2; }
    void connection_input(TcpConnection& c, const TcpRepr& seg);
    void count_parse_error(WireError e);

    // handshake.cpp.
    void listen_input(TcpListener& l, const TcpTuple& t, const TcpRepr& seg,
                      std::optional<SeqNum> iss_floor);
    RxActions syn_sent_arrives(TcpConnection& c, const TcpRepr& seg);
    void negotiate_options(TcpConnection& c, const TcpRepr& syn);
    SeqNum choose_isn(const TcpConnection& c) const;
    uint16_t mss_to_announce(const TcpConnection& c) const;
    uint16_t announce_mss(const TcpConnConfig& config) const;
    void send_syn(TcpConnection& c);

    // receiver.cpp.
    RxActions segment_arrives(TcpConnection& c, const TcpRepr& seg);
    bool syn_received_special(TcpConnection& c, const TcpRepr& seg, RxActions& out);
    bool check_sequence(TcpConnection& c, const TcpRepr& seg, RxActions& out, SegmentText& text);
    void note_duplicate(TcpConnection& c, SeqNum left, SeqNum right);
    void note_ooo_duplicate(TcpConnection& c, SeqNum left, SeqNum right);
    static void set_dsack(TcpConnection& c, SeqNum left, SeqNum right);
    void process_rst(TcpConnection& c, const TcpRepr& seg, RxActions& out);
    bool process_ack(TcpConnection& c, const TcpRepr& seg, RxActions& out);
    bool process_ack_syn_received(TcpConnection& c, const TcpRepr& seg, RxActions& out);
    uint32_t ack_new_data(TcpConnection& c, SeqNum ack, std::optional<uint32_t> tsecr, RateSource& rs);
    void update_send_window(TcpConnection& c, const TcpRepr& seg, SeqNum prior_una);
    void process_text(TcpConnection& c, SegmentText& text, const TcpRepr& seg, RxActions& out);
    void process_fin(TcpConnection& c, const SegmentText& text, RxActions& out);
    enum class AckTiming { kDelayed, kTurnEnd, kNow };
    AckTiming ack_timing(TcpConnection& c, uint32_t len, bool filled_gap);
    static void ack_by_turn_end(const TcpConnection& c, RxActions& out);

    // header_prediction.cpp.
    bool predicted(const TcpConnection& c, const TcpRepr& seg) const;
    void predicted_input(TcpConnection& c, const TcpRepr& seg);

    // loss_recovery.cpp.
    void sender_ack(TcpConnection& c, const TcpRepr& seg, SeqNum prior_una, uint32_t prior_in_flight,
                    uint32_t prior_wnd, RateSource& rs);
    uint32_t process_sack_blocks(TcpConnection& c, const TcpRepr& seg, RateSource& rs);
    void enter_fast_recovery(TcpConnection& c, uint32_t flight);
    void reduce_cwnd(TcpConnection& c, uint32_t flight);
    void prr_ack(TcpConnection& c, uint32_t delivered, bool una_advanced, bool newly_lost);
    void grow_cwnd(TcpConnection& c, uint32_t acked, uint32_t sacked, uint32_t prior_in_flight,
                   const RateSource& rs);
    void init_congestion(TcpConnection& c);
    static uint32_t pipe(const TcpConnection& c);

    // rack_tlp.cpp.
    bool rack_update(TcpConnection& c, const RateSource& rs);
    void rack_dsack_round(TcpConnection& c, bool dsack);
    void rack_recovery_done(TcpConnection& c);
    void rack_detect_loss(TcpConnection& c);
    Duration rack_reordering_window(const TcpConnection& c) const;
    void reorder_timeout(TcpConnection& c);
    // RFC 8985 7.2: a tail loss probe may take the retransmission timer's place (SACK, no
    // recovery, no probe's episode open, something in flight).
    static bool may_probe(const TcpConnection& c) {
        return c.tcb.sack_ok && c.recovery == RecoveryState::kOpen && !c.tlp_active && !c.sb.empty();
    }
    // 7.2's PTO: 2 SRTT plus the slack, or plus the worst-case delayed ACK when a single segment
    // is in flight (its ACK may be delayed); 1 s before any RTT sample. Never later than the
    // retransmission timeout, whose place it takes (arm_rtx).
    Duration probe_timeout(const TcpConnection& c) const {
        if (!c.rtt.has_sample()) return Duration::from_secs(1);
        return c.rtt.srtt() * 2 + (c.sb.size() == 1 ? config_.min_rto : config_.loss_probe_slack);
    }
    void schedule_probe(TcpConnection& c);
    void loss_probe(TcpConnection& c);
    bool probe_with_retransmission(TcpConnection& c);
    void tlp_ack(TcpConnection& c, const TcpRepr& seg, uint32_t acked, uint32_t sacked, uint32_t flight,
                 bool not_dup, const RateSource& rs);

    // sack_output.cpp.
    void note_ooo_segment(TcpConnection& c, SeqNum seq);
    uint8_t fill_sack_blocks(TcpConnection& c, TcpRepr& r, size_t room);
    uint32_t sack_option_len(const TcpConnection& c) const;

    // idle_timers.cpp.
    static void on_persist_timer(Timer& timer, Instant now);
    static void on_ack_timer(Timer& timer, Instant now);
    static void on_keepalive_timer(Timer& timer, Instant now);
    void persist_timeout(TcpConnection& c);
    void keepalive_timeout(TcpConnection& c);
    void arm_persist(TcpConnection& c);
    void arm_keepalive(TcpConnection& c);
    void send_probe(TcpConnection& c, SeqNum seq);
    bool user_timeout_expired(const TcpConnection& c) const;
    void fail_timeout(TcpConnection& c, bool send_reset);
    // What a connection that timed out reports: its soft ICMP error, else ETIMEDOUT.
    static int timeout_error(const TcpConnection& c) { return c.soft_error != 0 ? c.soft_error : ETIMEDOUT; }
    void reduce_path_mtu(TcpConnection& c, uint16_t next_hop_mtu);

    // syn_cookie.cpp.
    void send_cookie_syn_ack(TcpListener& l, const TcpTuple& t, const TcpRepr& syn);
    bool cookie_ack(TcpListener& l, const TcpTuple& t, const TcpRepr& seg);

    // sender.cpp.
    void dispatch(TcpConnection& c, const RxActions& actions);
    // The receiver's later ACK: the delayed-ACK timer, or by the end of the turn.
    void owe_ack(TcpConnection& c, const RxActions& actions);
    void output(TcpConnection& c, bool ack_required);
    bool send_retransmissions(TcpConnection& c);
    bool send_new_data(TcpConnection& c, bool force);
    void resend(TcpConnection& c, TxRecord& r, bool fin);
    uint32_t send_data_segment(TcpConnection& c, SeqNum seq, uint32_t len, bool fin);
    void update_persist(TcpConnection& c);
    void send_ack(TcpConnection& c);
    // Owes c's ACK by the end of the application's turn.
    void defer_ack(TcpConnection& c);
    void send_rst(const TcpTuple& t, const ResetReply& r);
    TcpRepr segment_template(TcpConnection& c, SeqNum seq);
    // segment_template() as a TcpPlainHeader: the header of every segment without SACK blocks,
    // written without the general option logic.
    TcpPlainHeader plain_template(TcpConnection& c, SeqNum seq);
    // Segments of c take SACK blocks (RFC 2018: SACK agreed and data out of order), so the general
    // TcpRepr builder; the rest go out as TcpPlainHeader.
    static bool carries_sack_blocks(const TcpConnection& c) {
        return c.tcb.sack_ok && (c.rcv_buf.range_count() > 0 || c.dsack_len != 0);
    }
    uint16_t window_field(TcpConnection& c, bool syn);
    uint32_t tsval(const TcpConnection& c) const { return tsval(c.tcb.ts_offset); }
    uint32_t tsval(uint32_t ts_offset) const;  // TSval now with this offset
    // Header: TcpRepr or TcpPlainHeader (instantiated in sender.cpp).
    // route: the connection's cache, whose TTL and TOS the segment takes; nullptr for segments of
    // no connection slot (RST, SYN cookie, TIME-WAIT record), which take `fields`.
    template <class Header>
    std::optional<size_t> transmit(const TcpTuple& t, RouteCache* route, Header& h, const ByteRing* data,
                                   size_t data_offset, size_t len, TcpIpFields fields = {});
    bool allow_challenge_ack();

    // timers.cpp.
    static void on_rtx_timer(Timer& timer, Instant now);
    static void on_wait_timer(Timer& timer, Instant now);
    void rtx_timeout(TcpConnection& c);
    bool handshake_timeout(TcpConnection& c);
    void wait_timeout(TcpConnection& c);
    // The wheel's timer t moves only when deadline comes before it (or t is not armed): the lazy
    // timers' rule (arm_rtx).
    void arm_no_later(Timer& t, Instant deadline);
    bool lazy_timer_due(Timer& timer, bool& running, Instant deadline, Instant now);
    void arm_rtx(TcpConnection& c);
    void arm_delayed_ack(TcpConnection& c);
    void stop_rtx(TcpConnection& c) { c.rtx_running = false; }  // lazily: see arm_rtx
    void cancel_rtx(TcpConnection& c);  // the wheel's timer too: the connection is leaving
    void restart_rtx_after_ack(TcpConnection& c);
    void enter_time_wait(TcpConnection& c);

    // time_wait.cpp.
    // What a segment in TIME-WAIT asks for (time_wait_arrives).
    struct TimeWaitActions {
        bool ack = false;
        bool challenge_ack = false;  // rate-limited (RFC 5961 section 7)
        bool restart = false;        // the 2MSL wait starts again
        bool close = false;          // an RST at RCV.NXT: CLOSED, the TCB goes
    };
    // The record of c's TIME-WAIT, but its window field (window_field() when an ACK needs it).
    TimeWaitRecord time_wait_record(const TcpConnection& c) const;
    TimeWaitActions time_wait_arrives(TimeWaitRecord& r, const TcpRepr& seg);
    void send_time_wait_ack(TimeWaitRecord& r);
    bool time_wait_ack_goes(const TimeWaitActions& a);
    void time_wait_input(TcpConnection& c, const TcpRepr& seg);  // a connection still held
    void time_wait_input(TimeWaitRecord& r, const TcpRepr& seg);  // an orphan's record
    // Moves an orphan in TIME-WAIT into a record; c enters CLOSED (finish frees it).
    void compact_time_wait(TcpConnection& c);
    bool time_wait_reusable(const TimeWaitRecord& r) const;
    void tell_released(uint32_t cookie);
    void drop_time_wait(TimeWaitRecord& r);  // removes r; its tuple is free
    static void on_time_wait_expiry(Timer& timer, Instant now);
    // A send or receive ring of c emptied: with lingering, its block stays until the next sweep.
    void note_emptied(TcpConnection& c);
    static void on_linger_sweep(Timer& timer, Instant now);
    void unlist_lingering(TcpConnection& c);
    void arm_fin_wait2(TcpConnection& c);

    IpHost& host_;
    TcpConfig config_;
    IsnGenerator isn_;
    BufferPool buffers_;  // before table_: the connections give their blocks back to it
    ConnectionTable table_;
    ListenerTable listeners_;
    TimeWaitTable time_wait_;  // orphans in TIME-WAIT, oldest first
    Timer time_wait_expiry_;   // armed for the oldest record's expiry
    std::vector<uint32_t> turn_acks_;  // slots that owed an ACK this turn (defer_ack); capacity: the table's
    std::vector<uint32_t> lingering_;  // live slots whose rings emptied since the last sweep; capacity: the table's
    Timer linger_sweep_;               // armed while lingering_ is not empty
    TcpCounters counters_;
    // RFC 5961 section 7 rate limit: challenge ACKs sent in the current one-second window.
    Instant challenge_window_start_;
    uint32_t challenge_count_ = 0;
    // RFC 6056 3.3.3's counter: successive active opens to one destination try successive ports.
    uint32_t ephemeral_next_ = 0;
    SynCookies cookies_;
    ClosedHook closed_hook_ = nullptr;  // set_closed_hook()
    void* closed_ctx_ = nullptr;
    ReleasedHook released_hook_ = nullptr;  // set_released_hook()
    void* released_ctx_ = nullptr;
    PortFilter port_filter_ = nullptr;  // set_ephemeral_filter()
    void* port_filter_ctx_ = nullptr;
    // The packet of the segment input() is handing to its connection: process_text may keep it
    // (ReceiveBuffer::adopt) instead of copying the payload. Null outside that call.
    Packet* rx_packet_ = nullptr;
};

}  // namespace tachyon

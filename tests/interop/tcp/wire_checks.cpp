#include "tests/interop/tcp/wire_checks.hpp"

#include <algorithm>
#include <set>

namespace tachyon::interop {

namespace {

constexpr uint32_t kTimestampOptionBytes = 12;  // RFC 7323: 10 bytes + 2 NOPs of padding, as Linux sends

// Sequence-space comparison (RFC 9293 3.4): a after b.
bool seq_after(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) > 0; }

struct Handshake {
    const TcpSegment* tachyon = nullptr;  // Tachyon's SYN or SYN-ACK
    const TcpSegment* kernel = nullptr;
};

Handshake find_syns(const std::vector<TcpSegment>& conn, Ipv4Address tachyon) {
    Handshake h;
    for (const TcpSegment& s : conn) {
        if (!s.syn()) continue;
        if (s.src == tachyon && h.tachyon == nullptr) h.tachyon = &s;
        if (s.src != tachyon && h.kernel == nullptr) h.kernel = &s;
    }
    return h;
}

void check_syn(const char* who, const TcpSegment& s, uint16_t mss, std::vector<std::string>& f) {
    const std::string w = std::string(who) + (s.has_ack() ? " SYN-ACK" : " SYN");
    if (!s.mss) f.push_back(w + " has no MSS option");
    else if (*s.mss != mss) f.push_back(w + " MSS " + std::to_string(*s.mss) + ", expected " + std::to_string(mss));
    if (!s.sack_permitted) f.push_back(w + " has no SACK-permitted option");
    if (!s.tsval) f.push_back(w + " has no timestamps option");
    if (!s.wscale) f.push_back(w + " has no window scale option");
    else if (*s.wscale > 14) f.push_back(w + " window scale " + std::to_string(*s.wscale) + " > 14 (RFC 7323 2.3)");
}

std::string syn_text(const TcpSegment& s) {
    return "mss " + (s.mss ? std::to_string(*s.mss) : std::string("-")) + " ws " +
           (s.wscale ? std::to_string(*s.wscale) : std::string("-")) + (s.sack_permitted ? " sackOK" : "") +
           (s.tsval ? " ts" : "");
}

}  // namespace

OptionsVerdict check_options_in_effect(const std::vector<TcpSegment>& conn, Ipv4Address tachyon,
                                       const OptionsExpectation& expect) {
    OptionsVerdict v;
    const Handshake h = find_syns(conn, tachyon);
    if (h.tachyon == nullptr || h.kernel == nullptr) {
        v.failures.push_back("the capture lacks the handshake's SYNs");
        return v;
    }
    check_syn(expect.peer.c_str(), *h.kernel, expect.kernel_mss, v.failures);
    check_syn("Tachyon", *h.tachyon, expect.tachyon_mss, v.failures);
    if (!v.failures.empty()) return v;
    const uint32_t tachyon_ws = *h.tachyon->wscale;
    const uint32_t kernel_ws = *h.kernel->wscale;

    std::set<uint32_t> tachyon_tsvals;
    std::set<uint32_t> kernel_tsvals;
    uint32_t max_payload_tachyon = 0, max_payload_kernel = 0;
    uint64_t max_window_tachyon = 0, max_window_kernel = 0;
    uint32_t tachyon_high = h.tachyon->seq + 1;  // highest sequence Tachyon sent + 1
    uint32_t kernel_acked = h.tachyon->seq + 1;  // highest ACK the kernel sent
    uint64_t max_in_flight = 0;
    size_t missing_ts = 0, bad_echo = 0;
    std::string first_problem;
    for (const TcpSegment& s : conn) {
        const bool from_tachyon = s.src == tachyon;
        if (s.rst()) continue;
        if (!s.tsval) {
            if (missing_ts++ == 0) first_problem = "no timestamps: " + s.describe();
            continue;
        }
        (from_tachyon ? tachyon_tsvals : kernel_tsvals).insert(*s.tsval);
        if (s.syn()) continue;
        const auto& theirs = from_tachyon ? kernel_tsvals : tachyon_tsvals;
        if (s.has_ack() && theirs.count(*s.tsecr) == 0) {
            if (bad_echo++ == 0) first_problem += " echo of a TSval never sent: " + s.describe();
        }
        if (from_tachyon) {
            max_payload_tachyon = std::max(max_payload_tachyon, s.payload_len);
            max_window_tachyon = std::max<uint64_t>(max_window_tachyon, uint64_t{s.window} << tachyon_ws);
            // Sequence space includes the FIN (RFC 9293 3.4), which the kernel acknowledges.
            const uint32_t end = s.seq + s.payload_len + (s.fin() ? 1 : 0);
            if (seq_after(end, tachyon_high)) tachyon_high = end;
        } else {
            max_payload_kernel = std::max(max_payload_kernel, s.payload_len);
            max_window_kernel = std::max<uint64_t>(max_window_kernel, uint64_t{s.window} << kernel_ws);
            if (s.has_ack() && seq_after(s.ack, kernel_acked)) kernel_acked = s.ack;
        }
        if (seq_after(tachyon_high, kernel_acked)) max_in_flight = std::max<uint64_t>(max_in_flight, tachyon_high - kernel_acked);
    }
    if (missing_ts > 0) v.failures.push_back(std::to_string(missing_ts) + " segments without timestamps (" + first_problem + ")");
    if (bad_echo > 0) v.failures.push_back(std::to_string(bad_echo) + " segments echo a TSval never sent (" + first_problem + ")");
    const uint32_t tachyon_limit = *h.kernel->mss - kTimestampOptionBytes;
    const uint32_t kernel_limit = *h.tachyon->mss - kTimestampOptionBytes;
    if (max_payload_tachyon > tachyon_limit) {
        v.failures.push_back("Tachyon sent " + std::to_string(max_payload_tachyon) + "-byte segments, over the " + expect.peer + "'s MSS less options (" +
                             std::to_string(tachyon_limit) + ")");
    }
    if (max_payload_tachyon < tachyon_limit && expect.expect_large_windows) {
        v.failures.push_back("Tachyon never sent a full-sized segment (" + std::to_string(max_payload_tachyon) + " < " +
                             std::to_string(tachyon_limit) + ")");
    }
    if (max_payload_kernel > kernel_limit) {
        v.failures.push_back("the " + expect.peer + " sent " + std::to_string(max_payload_kernel) + "-byte segments over Tachyon's MSS less options");
    }
    if (expect.expect_large_windows) {
        if (max_window_tachyon <= 65535) {
            v.failures.push_back("Tachyon's scaled window never passed 65535 (max " + std::to_string(max_window_tachyon) +
                                 "): window scaling not visibly in use");
        }
        if (max_window_kernel <= 65535) {
            v.failures.push_back("the " + expect.peer + "'s scaled window never passed 65535 (max " + std::to_string(max_window_kernel) + ")");
        }
        if (max_in_flight <= 65535) {
            v.failures.push_back("Tachyon never had more than 65535 bytes in flight (max " + std::to_string(max_in_flight) +
                                 "): it did not use the " + expect.peer + "'s scaled window");
        }
    }
    v.summary = expect.peer + " " + std::string(h.kernel->has_ack() ? "SYN-ACK " : "SYN ") + syn_text(*h.kernel) + "; Tachyon " +
                (h.tachyon->has_ack() ? "SYN-ACK " : "SYN ") + syn_text(*h.tachyon) +
                "; largest payload Tachyon->" + expect.peer + " " + std::to_string(max_payload_tachyon) + ", " + expect.peer + "->Tachyon " +
                std::to_string(max_payload_kernel) + "; largest scaled window Tachyon " + std::to_string(max_window_tachyon) +
                ", " + expect.peer + " " + std::to_string(max_window_kernel) + "; most bytes in flight from Tachyon " +
                std::to_string(max_in_flight) + "; " + std::to_string(conn.size()) + " segments";
    return v;
}

SackUse sack_use(const std::vector<TcpSegment>& conn, Ipv4Address tachyon) {
    SackUse u;
    std::optional<uint32_t> high_tachyon, high_kernel;
    for (const TcpSegment& s : conn) {
        const bool from_tachyon = s.src == tachyon;
        if (s.sack_blocks > 0) ++(from_tachyon ? u.tachyon_segments_with_sack : u.kernel_segments_with_sack);
        if (s.payload_len == 0 || s.syn()) continue;
        auto& high = from_tachyon ? high_tachyon : high_kernel;
        const uint32_t end = s.seq + s.payload_len;
        // Tachyon's segments are captured as sent: one ending at or below the highest end sent is
        // a retransmission. The kernel's are captured as received, after losses: one starting
        // above the highest end received leaves a hole.
        if (from_tachyon && high && !seq_after(end, *high)) ++u.tachyon_retransmissions;
        if (!from_tachyon && high && seq_after(s.seq, *high)) ++u.kernel_holes;
        if (!high || seq_after(end, *high)) high = end;
    }
    return u;
}

CloseTrace close_trace(const std::vector<TcpSegment>& conn, Ipv4Address tachyon) {
    CloseTrace t;
    for (const TcpSegment& s : conn) {
        const bool from_tachyon = s.src == tachyon;
        if (s.rst()) (from_tachyon ? t.tachyon_rst : t.kernel_rst) = true;
        if (s.fin()) {
            auto& fin = from_tachyon ? t.tachyon_fin : t.kernel_fin;
            if (!fin) fin = s;
        }
        // An ACK covers a FIN when it acknowledges the FIN's sequence number (seq + payload).
        const auto& other = from_tachyon ? t.kernel_fin : t.tachyon_fin;
        if (other && s.has_ack() && seq_after(s.ack, other->seq + other->payload_len)) {
            (from_tachyon ? t.kernel_fin_acked : t.tachyon_fin_acked) = true;
        }
    }
    return t;
}

std::string CloseTrace::describe() const {
    std::string s = "Tachyon FIN: " + (tachyon_fin ? tachyon_fin->describe() : std::string("none")) +
                    (tachyon_fin_acked ? " (acked)" : " (not acked)") +
                    "; kernel FIN: " + (kernel_fin ? kernel_fin->describe() : std::string("none")) +
                    (kernel_fin_acked ? " (acked)" : " (not acked)");
    if (tachyon_rst) s += "; Tachyon sent RST";
    if (kernel_rst) s += "; the kernel sent RST";
    return s;
}

bool fin_sent_before_peer_fin(const TcpSegment& fin, const TcpSegment& peer_fin) {
    return !seq_after(fin.ack, peer_fin.seq + peer_fin.payload_len);
}

std::string dump(const std::vector<TcpSegment>& conn, size_t limit) {
    std::string out;
    for (size_t i = 0; i < conn.size(); ++i) {
        if (conn.size() > limit && i == limit / 2) {
            out += "  ... " + std::to_string(conn.size() - limit) + " more ...\n";
            i = conn.size() - limit / 2;
        }
        out += "  " + conn[i].describe() + "\n";
    }
    return out;
}

}  // namespace tachyon::interop

// Names for the fields of TcpCounters (stack/tcp/tcp_counters.hpp), which has no X-macro of its
// own, for `tachyon stat` and --stats. Each name is used only if the struct has that member (a
// requires-expression), so the tool builds against older and newer TCP layers alike; a counter
// added there and not listed here is not shown. (An X-macro in tcp_counters.hpp, as StackCounters
// has, would make this list unnecessary.)
#pragma once

#include "stack/tcp/tcp_counters.hpp"

namespace tachyon::apps {

#define TACHYON_APPS_TCP_COUNTER(name) \
    if constexpr (requires { c.name; }) fn("tcp_" #name, static_cast<uint64_t>(c.name));

template <typename Counters, typename Fn>
void for_each_tcp_counter(const Counters& c, Fn&& fn) {
    TACHYON_APPS_TCP_COUNTER(segments_received)
    TACHYON_APPS_TCP_COUNTER(segments_sent)
    TACHYON_APPS_TCP_COUNTER(predicted_segments)
    TACHYON_APPS_TCP_COUNTER(retransmitted_segments)
    TACHYON_APPS_TCP_COUNTER(active_opens)
    TACHYON_APPS_TCP_COUNTER(passive_opens)
    TACHYON_APPS_TCP_COUNTER(bad_header)
    TACHYON_APPS_TCP_COUNTER(bad_checksum)
    TACHYON_APPS_TCP_COUNTER(bad_option)
    TACHYON_APPS_TCP_COUNTER(bad_flags)
    TACHYON_APPS_TCP_COUNTER(bad_address)
    TACHYON_APPS_TCP_COUNTER(no_connection)
    TACHYON_APPS_TCP_COUNTER(listen_rst_ignored)
    TACHYON_APPS_TCP_COUNTER(listen_ack_reset)
    TACHYON_APPS_TCP_COUNTER(listen_other_dropped)
    TACHYON_APPS_TCP_COUNTER(syn_queue_full)
    TACHYON_APPS_TCP_COUNTER(accept_queue_full)
    TACHYON_APPS_TCP_COUNTER(table_full)
    TACHYON_APPS_TCP_COUNTER(syn_sent_bad_ack)
    TACHYON_APPS_TCP_COUNTER(syn_sent_dropped)
    TACHYON_APPS_TCP_COUNTER(paws_rejected)
    TACHYON_APPS_TCP_COUNTER(out_of_window)
    TACHYON_APPS_TCP_COUNTER(rst_out_of_window)
    TACHYON_APPS_TCP_COUNTER(no_ack_flag)
    TACHYON_APPS_TCP_COUNTER(ack_unacceptable)
    TACHYON_APPS_TCP_COUNTER(syn_received_bad_ack)
    TACHYON_APPS_TCP_COUNTER(challenge_acks_sent)
    TACHYON_APPS_TCP_COUNTER(challenge_acks_rate_limited)
    TACHYON_APPS_TCP_COUNTER(ooo_segments)
    TACHYON_APPS_TCP_COUNTER(ooo_dropped)
    TACHYON_APPS_TCP_COUNTER(fin_out_of_order)
    TACHYON_APPS_TCP_COUNTER(time_wait_syn_accepted)
    TACHYON_APPS_TCP_COUNTER(rst_received)
    TACHYON_APPS_TCP_COUNTER(rst_sent)
    TACHYON_APPS_TCP_COUNTER(abort_on_close)
    TACHYON_APPS_TCP_COUNTER(abort_on_data)
    TACHYON_APPS_TCP_COUNTER(aborts)
    TACHYON_APPS_TCP_COUNTER(retransmit_timeouts)
    TACHYON_APPS_TCP_COUNTER(syn_timeouts)
    TACHYON_APPS_TCP_COUNTER(connection_timeouts)
    TACHYON_APPS_TCP_COUNTER(fin_wait2_timeouts)
    TACHYON_APPS_TCP_COUNTER(time_wait_expired)
    TACHYON_APPS_TCP_COUNTER(time_wait_recycled)
    TACHYON_APPS_TCP_COUNTER(time_wait_reused)
    TACHYON_APPS_TCP_COUNTER(tx_alloc_failures)
    TACHYON_APPS_TCP_COUNTER(icmp_errors)
    TACHYON_APPS_TCP_COUNTER(icmp_no_connection)
    TACHYON_APPS_TCP_COUNTER(icmp_out_of_window)
    TACHYON_APPS_TCP_COUNTER(icmp_aborts)
    TACHYON_APPS_TCP_COUNTER(pmtu_reductions)
    TACHYON_APPS_TCP_COUNTER(dup_acks)
    TACHYON_APPS_TCP_COUNTER(fast_retransmits)
    TACHYON_APPS_TCP_COUNTER(partial_acks)
    TACHYON_APPS_TCP_COUNTER(sack_blocks_ignored)
    TACHYON_APPS_TCP_COUNTER(sack_reneging)
    TACHYON_APPS_TCP_COUNTER(rack_lost)
    TACHYON_APPS_TCP_COUNTER(rack_reorder_timeouts)
    TACHYON_APPS_TCP_COUNTER(tlp_probes)
    TACHYON_APPS_TCP_COUNTER(tlp_recoveries)
    TACHYON_APPS_TCP_COUNTER(dsacks_sent)
    TACHYON_APPS_TCP_COUNTER(dsacks_received)
    TACHYON_APPS_TCP_COUNTER(hystart_exits)
    TACHYON_APPS_TCP_COUNTER(delayed_acks)
    TACHYON_APPS_TCP_COUNTER(persist_probes)
    TACHYON_APPS_TCP_COUNTER(keepalive_probes)
    TACHYON_APPS_TCP_COUNTER(keepalive_timeouts)
    TACHYON_APPS_TCP_COUNTER(user_timeouts)
    TACHYON_APPS_TCP_COUNTER(syn_cookies_sent)
    TACHYON_APPS_TCP_COUNTER(syn_cookies_accepted)
    TACHYON_APPS_TCP_COUNTER(syn_cookies_failed)
}

#undef TACHYON_APPS_TCP_COUNTER

}  // namespace tachyon::apps

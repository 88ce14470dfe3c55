#include "apps/link_pair.hpp"

#include <algorithm>

namespace tachyon::apps {

LinkPair::LinkPair(const LinkPairConfig&) : link_(std::make_unique<MemoryLink>()) {}

Result<std::unique_ptr<LinkPair>> LinkPair::create(const LinkPairConfig& config) {
    std::unique_ptr<LinkPair> p(new LinkPair(config));
    Device* end_a = &p->link_->a();
    if (!config.pcap.empty()) {
        auto w = PcapWriter::open(config.pcap, p->link_->a(), p->clock_);
        if (!w) return w.error();
        p->pcap_ = std::move(w.value());
        end_a = p->pcap_.get();
    }
    FaultInjectorConfig fa{.tx = config.faults};
    fa.tx.seed = config.seed * 2 + 1;
    FaultInjectorConfig fb{.tx = config.faults};
    fb.tx.seed = config.seed * 2 + 2;
    p->inj_a_ = std::make_unique<FaultInjector>(*end_a, p->clock_, &p->copy_pool_, fa);
    p->inj_b_ = std::make_unique<FaultInjector>(p->link_->b(), p->clock_, &p->copy_pool_, fb);
    for (int i = 0; i < 2; ++i) {
        StackConfig c;
        c.clock = &p->clock_;
        c.address = i == 0 ? config.address_a : config.address_b;
        c.seed = config.seed * 2 + 1 + static_cast<uint64_t>(i);
        c.pool_size = config.pool_size;
        auto s = Stack::create(i == 0 ? static_cast<Device&>(*p->inj_a_) : *p->inj_b_, c);
        if (!s) return s.error();
        (i == 0 ? p->a_ : p->b_) = std::move(s.value());
    }
    return p;
}

LinkPair::~LinkPair() {
    // Frames in flight belong to the stacks' pools: the devices release them first.
    inj_a_.reset();
    inj_b_.reset();
    pcap_.reset();
    link_.reset();
}

void LinkPair::settle() {
    for (int i = 0; i < 100'000; ++i) {
        const bool a = a_->poll();
        const bool b = b_->poll();
        if (!a && !b && link_->a().rx_queued() == 0 && link_->b().rx_queued() == 0) return;
    }
}

std::optional<Instant> LinkPair::next_event() {
    std::optional<Instant> next;
    for (std::optional<Instant> t : {inj_a_->next_release(), inj_b_->next_release(), a_->timers().next_deadline(),
                                     b_->timers().next_deadline()}) {
        if (t && (!next || *t < *next)) next = t;
    }
    return next;
}

bool LinkPair::run_for(Duration d, const std::function<bool()>& done) {
    const Instant deadline = clock_.now() + d;
    for (;;) {
        settle();
        if (done()) return true;
        // done() may have sent something (an application answering): let it go out now.
        const bool a = a_->poll();
        const bool b = b_->poll();
        if (a || b) continue;
        const std::optional<Instant> next = next_event();
        if (!next || *next > deadline) {
            if (clock_.now() >= deadline) return false;
            clock_.set(deadline);
            continue;
        }
        clock_.set(std::max(*next, clock_.now() + Duration::from_ns(1)));
    }
}

void LinkPair::drain() {
    (void)run_for(Duration::from_secs(10), [&] {
        return inj_a_->held() == 0 && inj_b_->held() == 0 && link_->a().rx_queued() == 0 &&
               link_->b().rx_queued() == 0 && a_->arp().cache().pending_total() == 0 &&
               b_->arp().cache().pending_total() == 0 && a_->tx_queued() == 0 && b_->tx_queued() == 0;
    });
    if (pcap_) pcap_->flush();
}

}  // namespace tachyon::apps

#include "tests/interop/tcp/tachyon_node.hpp"

#include <poll.h>
#include <time.h>

#include <algorithm>

namespace tachyon::interop {

namespace {

constexpr Duration kMaxPollWait = Duration::from_ms(1);
constexpr Duration kMaxSleep = Duration::from_us(50);

timespec to_timespec(Duration d) {
    return timespec{static_cast<time_t>(d.ns() / 1'000'000'000), static_cast<long>(d.ns() % 1'000'000'000)};
}

}  // namespace

std::unique_ptr<TachyonNode> TachyonNode::create(Device& device, const NodeOptions& options, std::string& error) {
    std::unique_ptr<TachyonNode> n(new TachyonNode(options));
    Device* below = &device;
    if (!options.pcap_path.empty()) {
        PcapOptions po;
        po.snaplen = 128;  // headers with options are all the checks read
        po.epoch_offset = PcapWriter::wall_clock_offset(n->clock_);
        auto w = PcapWriter::open(options.pcap_path, device, n->clock_, po);
        if (!w) {
            error = "pcap " + options.pcap_path + ": " + w.error().message();
            return nullptr;
        }
        n->pcap_ = std::move(*w);
        below = n->pcap_.get();
    }
    if (options.faults) {
        n->faults_ = std::make_unique<FaultInjector>(*below, n->clock_, &n->copy_pool_, *options.faults);
        below = n->faults_.get();
    }
    n->gate_ = std::make_unique<GateDevice>(*below);

    StackConfig sc;
    sc.clock = &n->clock_;
    sc.address = options.address;
    sc.gateway = options.gateway;
    sc.seed = options.seed;
    auto stack = Stack::create(*n->gate_, sc);
    if (!stack) {
        error = "Stack::create: " + stack.error().message();
        return nullptr;
    }
    n->stack_ = std::move(*stack);
    SocketLayerConfig lc;
    lc.idle = IdleStrategy::kBackoff;
    n->sockets_ = std::make_unique<SocketLayer>(*n->stack_, lc);
    TachyonNode* self = n.get();
    n->sockets_->set_idle_hook([self](const IdleWait& w) { self->idle(w); });
    n->stack_->start();
    return n;
}

TachyonNode::~TachyonNode() {
    if (sockets_) shut_down();
}

void TachyonNode::idle(const IdleWait& wait) {
    const Instant now = clock_.now();
    const bool can_poll_fd = options_.wait_fd >= 0 && gate_->held() == 0;
    Duration d = can_poll_fd ? kMaxPollWait : kMaxSleep;
    if (wait.deadline) d = std::min(d, *wait.deadline - now);
    if (wait.next_timer) d = std::min(d, *wait.next_timer - now);
    if (faults_) {
        if (auto r = faults_->next_release()) d = std::min(d, *r - now);
    }
    if (d <= Duration::zero()) return;
    const timespec ts = to_timespec(d);
    if (can_poll_fd) {
        pollfd p{options_.wait_fd, POLLIN, 0};
        ::ppoll(&p, 1, &ts, nullptr);
    } else {
        ::nanosleep(&ts, nullptr);
    }
}

void TachyonNode::step() {
    if (stack_->poll()) return;
    idle(IdleWait{stack_->now(), std::nullopt, stack_->timers().next_deadline()});
}

bool TachyonNode::run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    const auto end = WallClock::now() + timeout;
    while (!done()) {
        if (WallClock::now() >= end) return done();
        step();
    }
    return true;
}

void TachyonNode::flush_pcap() {
    if (pcap_) pcap_->flush();
}

size_t TachyonNode::shut_down() {
    if (!sockets_) return stack_ ? stack_->pool().in_use() : 0;
    sockets_.reset();  // aborts what is left: RSTs go into the TX queue
    gate_->drop_held();
    // Everything queued goes to the device; the injector releases what it holds when due (its
    // delays are at most a few milliseconds here).
    const auto end = WallClock::now() + 2s;
    while (WallClock::now() < end) {
        stack_->poll();
        if (faults_) faults_->flush();
        if (stack_->tx_queued() == 0 && (!faults_ || faults_->held() == 0)) break;
        const timespec ts = to_timespec(Duration::from_us(100));
        ::nanosleep(&ts, nullptr);
    }
    gate_->drop_held();
    flush_pcap();
    return stack_->pool().in_use();
}

}  // namespace tachyon::interop

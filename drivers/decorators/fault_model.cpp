#include "drivers/decorators/fault_model.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

namespace tachyon {

namespace {

enum Stream : uint64_t { kLoss, kDuplicate, kCorrupt, kReorder, kJitter, kStreamsPerDirection };

// The i-th output of a generator seeded with `seed` seeds stream i: streams never share state
// words, which consecutive seeds fed straight to splitmix64 would.
uint64_t stream_seed(uint64_t seed, uint64_t index) {
    Random master(seed);
    uint64_t v = 0;
    for (uint64_t i = 0; i <= index; ++i) v = master.next_u64();
    return v;
}

Random make_stream(const FaultConfig& c, uint64_t direction, Stream s) {
    return Random(stream_seed(c.seed, direction * kStreamsPerDirection + s));
}

bool draw(Random& rng, double p) { return p > 0 && rng.chance(p); }

}  // namespace

FaultModel::FaultModel(const FaultConfig& config, uint64_t stream, PacketPool* copy_pool)
    : config_(config),
      copy_pool_(copy_pool),
      loss_rng_(make_stream(config, stream, kLoss)),
      duplicate_rng_(make_stream(config, stream, kDuplicate)),
      corrupt_rng_(make_stream(config, stream, kCorrupt)),
      reorder_rng_(make_stream(config, stream, kReorder)),
      jitter_rng_(make_stream(config, stream, kJitter)),
      held_(std::max(config.hold_queue_frames, kMaxHeldPerFrame)),
      due_(std::max(config.hold_queue_frames, kMaxHeldPerFrame)),
      bottleneck_(std::max<size_t>(config.rate_queue_frames, 1)) {
    if (config_.reorder_gap == 0) config_.reorder_gap = 1;
}

void FaultModel::admit(Packet pkt, Instant now) {
    expire(now);
    ++stats_.frames;
    if (draw(loss_rng_, config_.loss)) {
        ++stats_.lost;
        return;  // pkt goes back to its pool here
    }
    Packet dup;
    if (draw(duplicate_rng_, config_.duplicate)) {
        dup = copy_of(pkt);
        if (dup) {
            ++stats_.duplicated;
        } else {
            ++stats_.duplicate_failed;
        }
    }
    if (draw(corrupt_rng_, config_.corrupt) && pkt.size() > 0) {
        flip_random_bit(pkt);
        ++stats_.corrupted;
    }
    // Drawn even when a frame is already held, so this stream's decisions depend on the frame
    // count alone.
    const bool hold = draw(reorder_rng_, config_.reorder);
    if (hold && !reorder_slot_) {
        reorder_slot_ = std::move(pkt);
        reorder_deadline_ = now + config_.reorder_max_hold;
        reorder_passed_ = 0;
        ++stats_.reordered;
    } else if (schedule(std::move(pkt), now)) {
        count_passed(now);
    }
    if (dup && schedule(std::move(dup), now)) count_passed(now);
}

void FaultModel::expire(Instant now) {
    if (!reorder_slot_ || reorder_deadline_ > now) return;
    ++stats_.reorder_timeouts;
    // Scheduled at its deadline, not at `now`, so the output does not depend on when we are polled.
    schedule(std::move(reorder_slot_), reorder_deadline_);
}

void FaultModel::count_passed(Instant at) {
    if (!reorder_slot_) return;
    if (++reorder_passed_ >= config_.reorder_gap) schedule(std::move(reorder_slot_), at);
}

bool FaultModel::schedule(Packet pkt, Instant at) {
    Instant due = at;
    if (config_.rate_bps > 0) {
        while (!bottleneck_.empty() && bottleneck_.front() <= at) bottleneck_.pop_front();
        if (bottleneck_.full()) {
            ++stats_.rate_dropped;
            return false;
        }
        const Instant start = std::max(at, link_free_at_);
        link_free_at_ = start + serialisation_time(pkt.size());
        bottleneck_.push_back(Instant(link_free_at_));
        due = link_free_at_;
    }
    due += config_.delay;
    if (config_.jitter > Duration::zero()) {
        due += Duration::from_ns(static_cast<int64_t>(
            jitter_rng_.below(static_cast<uint64_t>(config_.jitter.ns()) + 1)));
    }
    due = std::max(due, last_due_);
    last_due_ = due;
    if (due > at) ++stats_.delayed;
    // Cannot fail: admit() is only called with kMaxHeldPerFrame free slots.
    held_.push_back(std::move(pkt));
    due_.push_back(Instant(due));
    return true;
}

std::span<Packet> FaultModel::due_front(Instant now, size_t max) {
    std::span<Packet> run = held_.contiguous_front(max);
    size_t n = 0;
    while (n < run.size() && due_[n] <= now) ++n;
    return run.first(n);
}

void FaultModel::consume(size_t k) {
    held_.drop_front(k);
    due_.drop_front(k);
    stats_.released += k;
}

std::optional<Instant> FaultModel::next_release() const {
    std::optional<Instant> next;
    if (!held_.empty()) next = due_.front();
    if (reorder_slot_ && (!next || reorder_deadline_ < *next)) next = reorder_deadline_;
    return next;
}

Packet FaultModel::copy_of(const Packet& pkt) {
    if (copy_pool_ == nullptr) return Packet();
    Packet copy = copy_pool_->alloc();
    if (!copy) return copy;
    std::byte* dst = copy.append(pkt.size());
    if (dst == nullptr) return Packet();  // the copy pool's buffers are too small for this frame
    if (pkt.size() > 0) std::memcpy(dst, pkt.data(), pkt.size());
    copy.meta() = pkt.meta();
    return copy;
}

void FaultModel::flip_random_bit(Packet& pkt) {
    const size_t byte = static_cast<size_t>(corrupt_rng_.below(pkt.size()));
    const auto bit = static_cast<unsigned>(corrupt_rng_.below(8));
    pkt.data()[byte] ^= static_cast<std::byte>(1u << bit);
    // A device's "checksum verified" verdict was about the frame before the flip: drop it, so the
    // stack checks the corrupted frame in software as it would a frame from a device without RX
    // offload. (TX offload requests stay: a device computing the checksum after the flip hides it,
    // as a real NIC would for corruption in host memory.)
    pkt.meta().rx_flags = 0;
}

Duration FaultModel::serialisation_time(size_t len) const {
    // Rounded up to whole nanoseconds. (len + overhead) * 8e9 stays far below 2^64 for any frame.
    const uint64_t bits = (static_cast<uint64_t>(len) + config_.rate_overhead_bytes) * 8;
    const uint64_t ns = (bits * 1'000'000'000ull + config_.rate_bps - 1) / config_.rate_bps;
    return Duration::from_ns(static_cast<int64_t>(ns));
}

}  // namespace tachyon

// The seeded fault model for one direction of a FaultInjector: loss, duplication, corruption,
// reordering, delay with jitter, and a rate-limited bottleneck with a bounded queue.
//
// Per frame, in this order (each decision from its own random stream derived from the seed, so
// turning one fault on or off does not change which frames another fault hits):
//   1. loss        - the frame is dropped.
//   2. duplication - a copy of the (still intact) frame is made from the copy pool; it follows the
//                    original immediately. No buffer for the copy: counted, frame goes on alone.
//   3. corruption  - one random bit of one random byte of the original is flipped.
//   4. reordering  - the original is held back until `reorder_gap` later frames have been
//                    scheduled, then scheduled right behind them (so with gap 1, two frames swap),
//                    or until `reorder_max_hold` has passed if fewer frames come. One frame is held
//                    at a time.
//   5. scheduling  - rate limit: frames are serialised one after another at `rate_bps` through a
//                    bottleneck whose queue holds `rate_queue_frames` frames (waiting or on the
//                    wire); a frame arriving at a full queue is dropped and counted. A frame is due
//                    when its last bit has been serialised, plus `delay`, plus a uniform jitter in
//                    [0, jitter]. Due times never decrease: jitter delays but never reorders
//                    (reordering is its own knob, so a test gets exactly the faults it asks for).
// Deterministic: the same config (seed), the same frames at the same instants give the same
// output frames with the same due times, however often the injector is polled in between.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "lib/fixed_ring.hpp"
#include "lib/packet.hpp"
#include "lib/random.hpp"
#include "lib/time.hpp"

namespace tachyon {

struct FaultConfig {
    uint64_t seed = 1;
    double loss = 0;       // probability per frame, each in [0, 1]
    double duplicate = 0;
    double corrupt = 0;
    double reorder = 0;
    uint32_t reorder_gap = 1;                          // later frames a held frame waits behind
    Duration reorder_max_hold = Duration::from_ms(1);  // released anyway after this long
    Duration delay = Duration::zero();
    Duration jitter = Duration::zero();  // extra delay uniform in [0, jitter]
    uint64_t rate_bps = 0;               // bottleneck rate in bits per second; 0: unlimited
    // Bytes added to each frame's serialisation time: 0 counts the frame only; 24 models Ethernet's
    // preamble + SFD (8), FCS (4) and inter-frame gap (12).
    uint32_t rate_overhead_bytes = 0;
    size_t rate_queue_frames = 1000;  // bottleneck queue, like a txqueuelen
    // Frames the injector holds at most (delayed, in the bottleneck, or due but refused by the
    // inner device). When it is full, tx_burst takes fewer frames: back-pressure, not loss.
    size_t hold_queue_frames = 4096;
};

struct FaultStats {
    uint64_t frames = 0;            // frames offered to the model
    uint64_t lost = 0;
    uint64_t duplicated = 0;        // copies made
    uint64_t duplicate_failed = 0;  // a copy was due but no (big enough) buffer was free
    uint64_t corrupted = 0;
    uint64_t reordered = 0;          // frames held back
    uint64_t reorder_timeouts = 0;   // ... and released by reorder_max_hold, not by later frames
    uint64_t delayed = 0;            // frames due later than they arrived (delay, jitter, rate)
    uint64_t rate_dropped = 0;       // bottleneck queue overflow
    uint64_t released = 0;           // frames handed on
    uint64_t refused = 0;            // left with the caller because the hold queue was full

    bool operator==(const FaultStats&) const = default;
};

class FaultModel {
public:
    // Each admitted frame adds at most this many frames to the hold queue: itself, its duplicate,
    // and the reorder-held frame it releases (or that expires).
    static constexpr size_t kMaxHeldPerFrame = 3;

    // `stream` tells the directions of one injector apart so that they draw independent decisions
    // from one seed. `copy_pool` (may be null: no duplicates) must outlive the model.
    FaultModel(const FaultConfig& config, uint64_t stream, PacketPool* copy_pool);

    bool can_admit() const { return held_.free() >= kMaxHeldPerFrame; }
    size_t admissible() const { return held_.free() / kMaxHeldPerFrame; }
    // Takes a frame that arrived at `now`; requires can_admit().
    void admit(Packet pkt, Instant now);
    // Schedules the reorder-held frame once its max hold has passed.
    void expire(Instant now);

    // The due frames at the front of the hold queue that are contiguous in memory (at most max):
    // hand them on in place, then consume() the number taken. Call again for more.
    std::span<Packet> due_front(Instant now, size_t max);
    void consume(size_t k);

    // The earliest instant at which something is due or a held frame's max hold ends.
    std::optional<Instant> next_release() const;
    size_t held() const { return held_.size() + (reorder_slot_ ? 1 : 0); }
    const FaultStats& stats() const { return stats_; }
    // Frames the caller kept because can_admit() was false.
    void count_refused(size_t n) { stats_.refused += n; }
    const FaultConfig& config() const { return config_; }

private:
    // Puts a frame that leaves the fault stages at `at` into the hold queue; false if the
    // bottleneck dropped it.
    bool schedule(Packet pkt, Instant at);
    // One more frame was scheduled behind the reorder-held one.
    void count_passed(Instant at);
    Packet copy_of(const Packet& pkt);
    void flip_random_bit(Packet& pkt);
    Duration serialisation_time(size_t len) const;

    FaultConfig config_;
    PacketPool* copy_pool_;
    Random loss_rng_;
    Random duplicate_rng_;
    Random corrupt_rng_;
    Random reorder_rng_;
    Random jitter_rng_;

    FixedRing<Packet> held_;
    FixedRing<Instant> due_;         // due_[i] is when held_[i] may go; never decreasing
    FixedRing<Instant> bottleneck_;  // when each frame in the bottleneck finishes serialisation
    Instant link_free_at_;
    Instant last_due_;

    Packet reorder_slot_;
    Instant reorder_deadline_;
    uint32_t reorder_passed_ = 0;

    FaultStats stats_;
};

}  // namespace tachyon

#include "lib/timer_wheel.hpp"

#include <algorithm>
#include <bit>

namespace tachyon {

namespace {

using detail::TimerLink;
__extension__ typedef unsigned __int128 u128;

constexpr size_t kMinSlots = 64;
constexpr size_t kMaxSlots = size_t{1} << 18;

void list_init(TimerLink& head) { head.prev = head.next = &head; }
bool list_empty(const TimerLink& head) { return head.next == &head; }

void list_append(TimerLink& head, TimerLink& node) {
    node.prev = head.prev;
    node.next = &head;
    head.prev->next = &node;
    head.prev = &node;
}

void list_remove(TimerLink& node) {
    node.prev->next = node.next;
    node.next->prev = node.prev;
    node.prev = node.next = nullptr;
}

// Moves every node of `from` to the empty list `to` in O(1).
void list_take(TimerLink& from, TimerLink& to) {
    if (list_empty(from)) {
        list_init(to);
        return;
    }
    to.next = from.next;
    to.prev = from.prev;
    to.next->prev = &to;
    to.prev->next = &to;
    list_init(from);
}

// Bits a+1 .. b of a word (empty when b <= a).
uint64_t bits_between(unsigned a, unsigned b) {
    if (b <= a) return 0;
    const uint64_t above_a = ~uint64_t{0} << (a + 1);  // a < b <= 63, so a + 1 <= 63
    const uint64_t upto_b = b >= 63 ? ~uint64_t{0} : (uint64_t{2} << b) - 1;
    return above_a & upto_b;
}

uint64_t high_mask(unsigned bits) { return bits >= 64 ? 0 : ~uint64_t{0} << bits; }

}  // namespace

TimerWheel::TimerWheel(Instant start, Duration tick, size_t slots)
    : start_ns_(start.ns()),
      tick_ns_(tick.ns() > 0 ? static_cast<uint64_t>(tick.ns()) : 1) {
    tick_recip_ = UINT64_MAX / tick_ns_;
    slots = std::bit_ceil(std::clamp(slots, kMinSlots, kMaxSlots));
    l0_slots_ = static_cast<uint32_t>(slots);
    l0_bits_ = static_cast<unsigned>(std::countr_zero(slots));
    l0_mask_ = slots - 1;
    levels_ = (64 - l0_bits_ + kUpperBits - 1) / kUpperBits;
    overdue_ = l0_slots_ + levels_ * kUpperSlots;

    heads_.resize(overdue_ + 1);
    for (TimerLink& h : heads_) list_init(h);
    l0_words_.assign(l0_slots_ / 64, 0);
    l0_summary_.assign((l0_words_.size() + 63) / 64, 0);
    upper_words_.assign(levels_, 0);
    update_next_tick();
}

TimerWheel::~TimerWheel() {
    for (TimerLink& head : heads_) {
        while (!list_empty(head)) {
            Timer& t = timer_of(head.next);
            list_remove(link_of(t));
            t.wheel_ = nullptr;
        }
    }
}

// Ticks since the wheel's start, floored; deadlines before the start count as tick 0.
uint64_t TimerWheel::to_tick(Instant t) const {
    if (t.ns() <= start_ns_) return 0;
    const uint64_t n = static_cast<uint64_t>(t.ns()) - static_cast<uint64_t>(start_ns_);
    // q underestimates n / tick by at most 2 (tick_recip_ is within 2 of 2^64 / tick), never over.
    uint64_t q = static_cast<uint64_t>((static_cast<u128>(n) * tick_recip_) >> 64);
    uint64_t r = n - q * tick_ns_;
    while (r >= tick_ns_) {
        ++q;
        r -= tick_ns_;
    }
    return q;
}

// The bucket of a timer expiring at tick `expiry` > current_ (or == current_ while cascading): the
// level of the highest digit in which expiry and current_ differ, at expiry's digit on that level.
uint32_t TimerWheel::bucket_for(uint64_t expiry) const {
    const uint64_t diff = expiry ^ current_;
    if ((diff >> l0_bits_) == 0) return static_cast<uint32_t>(expiry & l0_mask_);
    const unsigned top = 63 - static_cast<unsigned>(std::countl_zero(diff));
    const unsigned level = (top - l0_bits_) / kUpperBits;  // 0-based upper level
    const unsigned shift = l0_bits_ + level * kUpperBits;
    return l0_slots_ + level * kUpperSlots + static_cast<uint32_t>((expiry >> shift) & (kUpperSlots - 1));
}

void TimerWheel::mark(uint32_t bucket) {
    if (bucket < l0_slots_) {
        const uint32_t word = bucket / 64;
        l0_words_[word] |= uint64_t{1} << (bucket % 64);
        l0_summary_[word / 64] |= uint64_t{1} << (word % 64);
    } else if (bucket < overdue_) {
        const uint32_t b = bucket - l0_slots_;
        upper_words_[b / kUpperSlots] |= uint64_t{1} << (b % kUpperSlots);
    }
}

void TimerWheel::unmark_if_empty(uint32_t bucket) {
    if (!list_empty(heads_[bucket])) return;
    if (bucket < l0_slots_) {
        const uint32_t word = bucket / 64;
        l0_words_[word] &= ~(uint64_t{1} << (bucket % 64));
        if (l0_words_[word] == 0) l0_summary_[word / 64] &= ~(uint64_t{1} << (word % 64));
    } else if (bucket < overdue_) {
        const uint32_t b = bucket - l0_slots_;
        upper_words_[b / kUpperSlots] &= ~(uint64_t{1} << (b % kUpperSlots));
    }
}

void TimerWheel::link(Timer& t, uint32_t bucket) {
    list_append(heads_[bucket], link_of(t));
    t.bucket_ = bucket;
    mark(bucket);
}

// Also works while t sits on a private list of advance(): its bucket's head then is, or was just
// emptied to, that list's source, and unmark_if_empty() only looks at the real head.
void TimerWheel::unlink(Timer& t) {
    list_remove(link_of(t));
    unmark_if_empty(t.bucket_);
}

void TimerWheel::note_removed(Instant deadline) {
    --armed_;
    if (next_valid_ && next_cache_ && deadline == *next_cache_) next_valid_ = false;
}

void TimerWheel::arm(Timer& t, Instant deadline) {
    if (t.wheel_ != nullptr) t.wheel_->cancel(t);
    const uint64_t expiry = to_tick(deadline);
    t.deadline_ = deadline;
    t.wheel_ = this;
    ++armed_;
    link(t, expiry <= current_ ? overdue_ : bucket_for(expiry));
    if (next_valid_) next_cache_ = next_cache_ ? std::min(*next_cache_, deadline) : deadline;
}

void TimerWheel::cancel(Timer& t) {
    if (t.wheel_ == nullptr) return;
    if (t.wheel_ != this) {
        t.wheel_->cancel(t);
        return;
    }
    unlink(t);
    t.wheel_ = nullptr;
    note_removed(t.deadline_);
}

void TimerWheel::fire(Timer& t, Instant now) {
    t.wheel_ = nullptr;
    note_removed(t.deadline_);
    if (t.handler_ != nullptr) t.handler_(t, now);  // may free t: do not touch it afterwards
}

// Fires the due timers of one bucket and puts the others back. The bucket is first moved to a
// private list so that handlers can arm and cancel freely: cancelling unlinks from the private list,
// and timers armed meanwhile land in their own buckets (never in this pass).
size_t TimerWheel::run_bucket(uint32_t bucket, Instant now) {
    // Polled many times within a tick, the current bucket usually has nothing due yet: look before
    // moving anything.
    const TimerLink& head = heads_[bucket];
    const TimerLink* l = head.next;
    while (l != &head && static_cast<const Timer*>(l)->deadline_ > now) l = l->next;
    if (l == &head) return 0;
    TimerLink pending;
    list_take(heads_[bucket], pending);
    unmark_if_empty(bucket);
    size_t fired = 0;
    while (!list_empty(pending)) {
        Timer& t = timer_of(pending.next);
        list_remove(link_of(t));
        if (t.deadline_ <= now) {
            fire(t, now);
            ++fired;
        } else {
            link(t, bucket);  // only in the bucket of now's own tick
        }
    }
    return fired;
}

// First non-empty level-0 bucket at or after `from`, or kNone.
uint32_t TimerWheel::find_l0(uint32_t from) const {
    if (from >= l0_slots_) return kNone;
    uint32_t word = from / 64;
    const uint64_t bits = l0_words_[word] & (~uint64_t{0} << (from % 64));
    if (bits != 0) return word * 64 + static_cast<uint32_t>(std::countr_zero(bits));
    ++word;
    if (word >= l0_words_.size()) return kNone;
    size_t s = word / 64;
    uint64_t summary = l0_summary_[s] & (~uint64_t{0} << (word % 64));
    for (;;) {
        if (summary != 0) {
            const size_t w = s * 64 + static_cast<size_t>(std::countr_zero(summary));
            return static_cast<uint32_t>(w * 64 + static_cast<size_t>(std::countr_zero(l0_words_[w])));
        }
        if (++s >= l0_summary_.size()) return kNone;
        summary = l0_summary_[s];
    }
}

// Runs level-0 buckets from the current tick's up to `last` in the current level-0 page, moving
// current_ along so that handlers arm relative to the tick being processed.
size_t TimerWheel::run_level0(uint32_t last, Instant now) {
    size_t fired = 0;
    uint32_t from = static_cast<uint32_t>(current_ & l0_mask_);
    for (;;) {
        const uint32_t i = find_l0(from);
        if (i == kNone || i > last) break;
        current_ = (current_ & ~l0_mask_) | i;
        fired += run_bucket(i, now);
        from = i + 1;
    }
    return fired;
}

// With level 0 drained to the end of its page: finds the earliest non-empty upper bucket whose range
// starts at or before `target`, moves current_ to the start of that range and spreads the bucket
// over the levels below. The lowest level with a candidate holds the earliest one, because a level's
// buckets all lie beyond the current bucket of the level below. False when there is none.
bool TimerWheel::cascade_next(uint64_t target) {
    for (unsigned level = 0; level < levels_; ++level) {
        const uint64_t word = upper_words_[level];
        if (word == 0) continue;
        const unsigned shift = l0_bits_ + level * kUpperBits;
        const unsigned above = shift + kUpperBits;
        const unsigned digit = static_cast<unsigned>((current_ >> shift) & (kUpperSlots - 1));
        const bool same_above = above >= 64 || ((target ^ current_) >> above) == 0;
        const unsigned limit =
            same_above ? static_cast<unsigned>((target >> shift) & (kUpperSlots - 1)) : kUpperSlots - 1;
        const uint64_t candidates = word & bits_between(digit, limit);
        if (candidates == 0) continue;
        const unsigned slot = static_cast<unsigned>(std::countr_zero(candidates));
        current_ = (current_ & high_mask(above)) | (uint64_t{slot} << shift);
        cascade(l0_slots_ + level * kUpperSlots + slot);
        return true;
    }
    return false;
}

void TimerWheel::cascade(uint32_t bucket) {
    TimerLink moving;
    list_take(heads_[bucket], moving);
    unmark_if_empty(bucket);
    while (!list_empty(moving)) {
        Timer& t = timer_of(moving.next);
        list_remove(link_of(t));
        link(t, bucket_for(to_tick(t.deadline_)));
    }
}

// advance() past its inline check: something may be due, or a tick boundary was crossed.
size_t TimerWheel::advance_due(Instant now) {
    // Empty buckets are skipped without the call: most polls of a busy-polling loop find nothing.
    size_t fired = list_empty(heads_[overdue_]) ? 0 : run_bucket(overdue_, now);
    // Fast path of a poll loop, many polls per tick: only the current tick's bucket can be due.
    if (now.ns() < next_tick_ns_) {
        const auto current = static_cast<uint32_t>(current_ & l0_mask_);
        return list_empty(heads_[current]) ? fired : fired + run_bucket(current, now);
    }
    const uint64_t target = std::max(to_tick(now), current_);
    for (;;) {
        const bool same_page = ((target ^ current_) >> l0_bits_) == 0;
        fired += run_level0(same_page ? static_cast<uint32_t>(target & l0_mask_) : l0_slots_ - 1, now);
        if (same_page || !cascade_next(target)) break;
    }
    current_ = target;
    update_next_tick();
    return fired;
}

// Start of the tick after current_, saturated at the end of time.
void TimerWheel::update_next_tick() {
    const u128 next = (static_cast<u128>(current_) + 1) * tick_ns_;  // ns from the start
    const uint64_t room = static_cast<uint64_t>(INT64_MAX) - static_cast<uint64_t>(start_ns_);
    next_tick_ns_ = next >= room ? INT64_MAX
                                 : static_cast<int64_t>(static_cast<uint64_t>(start_ns_) + static_cast<uint64_t>(next));
}

std::optional<Instant> TimerWheel::min_deadline_in(uint32_t bucket) const {
    std::optional<Instant> best;
    const TimerLink& head = heads_[bucket];
    for (const TimerLink* l = head.next; l != &head; l = l->next) {
        const Instant d = static_cast<const Timer*>(l)->deadline_;
        if (!best || d < *best) best = d;
    }
    return best;
}

std::optional<Instant> TimerWheel::compute_next_deadline() const {
    if (armed_ == 0) return std::nullopt;
    // Overdue timers expire at or before current_, level-0 buckets at or after it, and every upper
    // bucket after the whole current level-0 page.
    std::optional<Instant> best = min_deadline_in(overdue_);
    const uint32_t i = find_l0(static_cast<uint32_t>(current_ & l0_mask_));
    std::optional<Instant> wheel;
    if (i != kNone) {
        wheel = min_deadline_in(i);
    } else if (!best) {
        for (unsigned level = 0; level < levels_; ++level) {
            if (upper_words_[level] == 0) continue;
            const unsigned slot = static_cast<unsigned>(std::countr_zero(upper_words_[level]));
            wheel = min_deadline_in(l0_slots_ + level * kUpperSlots + slot);
            break;
        }
    }
    if (wheel && (!best || *wheel < *best)) best = wheel;
    return best;
}

std::optional<Instant> TimerWheel::next_deadline() const {
    if (!next_valid_) {
        next_cache_ = compute_next_deadline();
        next_valid_ = true;
    }
    return next_cache_;
}

}  // namespace tachyon

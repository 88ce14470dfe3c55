// The connections of one of the tool's servers (echo, httpd, perf), by slot number: the number is
// the poller's user data, so finding a connection from an event is an index. Closed slots are
// reused first, which keeps the numbers small and the vector as long as the peak of open ones.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace tachyon::apps {

// Connections a server accepts per wake-up of its listener. Each accept moves the stack once, so
// under a steady stream of new connections an unbounded accept loop never gets back to the poller:
// the open connections' requests and FINs wait, their sockets pile up in CLOSE-WAIT until the
// table is full (seen with `tachyon perf` cps). The level-triggered listener reports again at the
// next wait.
inline constexpr size_t kAcceptBatch = 64;

template <class Conn>
class ConnSlots {
public:
    // A free slot number, empty until put(); give it back with release() if it is not used.
    size_t take() {
        if (free_.empty()) {
            slots_.emplace_back();
            return slots_.size() - 1;
        }
        const size_t slot = free_.back();
        free_.pop_back();
        return slot;
    }
    void put(size_t slot, std::unique_ptr<Conn> c) { slots_[slot] = std::move(c); }
    // Destroys the connection (its socket closes and leaves the poller) and frees the slot.
    void release(size_t slot) {
        slots_[slot].reset();
        free_.push_back(slot);
    }

    // The connection in `slot`, or nullptr (closed earlier in the same batch of events, say).
    Conn* find(size_t slot) const { return slot < slots_.size() ? slots_[slot].get() : nullptr; }
    size_t capacity() const { return slots_.size(); }
    size_t open() const { return slots_.size() - free_.size(); }

private:
    std::vector<std::unique_ptr<Conn>> slots_;
    std::vector<size_t> free_;
};

}  // namespace tachyon::apps

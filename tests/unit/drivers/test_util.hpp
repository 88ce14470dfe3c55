// Helpers shared by the driver tests: frames with recognisable contents and a recording device.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

#include "lib/device.hpp"
#include "lib/packet.hpp"
#include "lib/time.hpp"

namespace tachyon::test {

// A frame of `len` bytes whose first 4 bytes hold `id` (big-endian) and whose other bytes follow a
// pattern derived from the id, so a test can tell frames apart and see any byte change.
inline Packet make_frame(PacketPool& pool, uint32_t id, size_t len = 64) {
    Packet p = pool.alloc();
    if (!p) return p;
    std::byte* d = p.append(len);
    for (size_t i = 0; i < len; ++i) d[i] = static_cast<std::byte>((id * 31 + i * 7) & 0xff);
    for (size_t i = 0; i < 4 && i < len; ++i) d[i] = static_cast<std::byte>(id >> (24 - 8 * i));
    return p;
}

inline std::vector<std::byte> frame_bytes(uint32_t id, size_t len = 64) {
    PacketPool pool(1);
    Packet p = make_frame(pool, id, len);
    return {p.bytes().begin(), p.bytes().end()};
}

inline uint32_t frame_id(const Packet& p) {
    uint32_t id = 0;
    for (size_t i = 0; i < 4; ++i) id = (id << 8) | static_cast<uint32_t>(p.data()[i]);
    return id;
}

inline std::vector<std::byte> bytes_of(const Packet& p) {
    return {p.bytes().begin(), p.bytes().end()};
}

inline std::vector<std::byte> to_bytes(std::initializer_list<unsigned> values) {
    std::vector<std::byte> v;
    for (unsigned x : values) v.push_back(static_cast<std::byte>(x));
    return v;
}

// An inner device that records what it is given (bytes and the clock's time), then releases the
// buffers. It can accept at most `accept_per_call` frames per tx_burst, to exercise back-pressure.
class RecordingDevice final : public Device {
public:
    struct Record {
        Instant at;
        std::vector<std::byte> bytes;
        uint32_t id;
        uint8_t rx_flags;
    };

    explicit RecordingDevice(const Clock& clock) : clock_(clock) {}

    size_t rx_burst(std::span<Packet>) override { return 0; }
    size_t tx_burst(std::span<Packet> pkts) override {
        const size_t n = pkts.size() < accept_per_call ? pkts.size() : accept_per_call;
        for (size_t i = 0; i < n; ++i) {
            records.push_back({clock_.now(), bytes_of(pkts[i]), frame_id(pkts[i]), pkts[i].meta().rx_flags});
            pkts[i].reset();
        }
        ++calls;
        return n;
    }
    DeviceCaps caps() const override { return {}; }
    std::string name() const override { return "recorder"; }

    std::vector<uint32_t> ids() const {
        std::vector<uint32_t> v;
        for (const Record& r : records) v.push_back(r.id);
        return v;
    }

    std::vector<Record> records;
    size_t accept_per_call = SIZE_MAX;
    size_t calls = 0;

private:
    const Clock& clock_;
};

}  // namespace tachyon::test

// Ethernet II (DIX) frames.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "lib/ethernet_address.hpp"
#include "stack/wire/wire_error.hpp"

namespace tachyon {

enum class EtherType : uint16_t {
    kIpv4 = 0x0800,
    kArp = 0x0806,
    kIpv6 = 0x86dd,
};

// View over a frame's bytes; check() validates the length once, after which no accessor reads out
// of bounds.
class EthernetFrame {
public:
    static constexpr size_t kHeaderLen = 14;
    explicit EthernetFrame(std::span<std::byte> bytes) : b_(bytes) {}
    WireError check() const;
    std::span<std::byte> bytes() const { return b_; }  // the whole underlying buffer

    EthernetAddress dst_addr() const;
    EthernetAddress src_addr() const;
    uint16_t ethertype() const;
    std::span<std::byte> payload() const { return b_.subspan(kHeaderLen); }

    void set_dst_addr(const EthernetAddress& a);
    void set_src_addr(const EthernetAddress& a);
    void set_ethertype(uint16_t t);

private:
    std::span<std::byte> b_;
};

struct EthernetRepr {
    EthernetAddress dst;
    EthernetAddress src;
    uint16_t ethertype = 0;

    static Parsed<EthernetRepr> parse(const EthernetFrame& frame);  // frame must pass check()
    static constexpr size_t buffer_len() { return EthernetFrame::kHeaderLen; }
    void emit(EthernetFrame& frame) const;
    bool operator==(const EthernetRepr&) const = default;
};

}  // namespace tachyon

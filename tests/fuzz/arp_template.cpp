#include "tests/fuzz/arp_template.hpp"

#include "tests/fuzz/fuzz_world.hpp"

namespace tachyon::fuzz {

Ipv4Address choose_address(uint8_t code, uint32_t raw) {
    switch (code % 16) {
        case 0:
        case 1: return kPeerIp;
        case 2: return kStackIp;
        case 3: return kGatewayIp;
        case 4: return Ipv4Address::any();
        case 5: return Ipv4Address::broadcast();
        case 6: return Ipv4Address::from_octets(10, 0, 0, 255);    // the subnet's broadcast
        case 7: return Ipv4Address::from_octets(192, 168, 7, 1);   // outside the subnet
        case 8: return Ipv4Address::from_octets(224, 0, 0, 1);     // multicast
        case 9: return Ipv4Address::from_octets(127, 0, 0, 1);
        case 15: return Ipv4Address{raw};
        // Neighbours 10.0.0.3 .. 10.0.0.7: more than a small cache holds.
        default: return Ipv4Address::from_octets(10, 0, 0, static_cast<uint8_t>(3 + (code % 16) - 10));
    }
}

EthernetAddress choose_mac(uint8_t code, uint32_t raw) {
    switch (code % 8) {
        case 0:
        case 1: return kPeerMac;
        case 2: return kStackMac;
        case 3: return EthernetAddress::broadcast();
        case 4: return EthernetAddress{};
        case 5: return EthernetAddress{{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}};  // multicast
        case 6: return EthernetAddress{{0x02, 0x00, 0x00, 0x00, 0x00, static_cast<uint8_t>(0x10 + (code >> 3))}};
        default:
            return EthernetAddress{{0x02, static_cast<uint8_t>(raw >> 24), static_cast<uint8_t>(raw >> 16),
                                    static_cast<uint8_t>(raw >> 8), static_cast<uint8_t>(raw), code}};
    }
}

Bytes choose_arp_frame(FuzzInput& in) {
    const uint8_t op = in.u8();
    const uint8_t sha = in.u8();
    const uint8_t spa = in.u8();
    const uint8_t tha = in.u8();
    const uint8_t tpa = in.u8();
    const uint8_t eth_dst = in.u8();
    const uint8_t eth_src = in.u8();
    const uint8_t mangle = in.u8();
    const uint32_t raw = in.u32();
    const uint32_t raw2 = in.u32();

    Bytes arp(ArpPacket::kLen);
    ArpPacket p(arp);
    p.set_hardware_type((mangle & 0x01) != 0 ? static_cast<uint16_t>(raw2 >> 16) : 1);
    p.set_protocol_type((mangle & 0x02) != 0 ? static_cast<uint16_t>(raw2) : 0x0800);
    p.set_hardware_len((mangle & 0x04) != 0 ? static_cast<uint8_t>(raw2 >> 8) : 6);
    p.set_protocol_len((mangle & 0x08) != 0 ? static_cast<uint8_t>(raw2 >> 24) : 4);
    // Mostly requests and replies; other operations now and then.
    p.set_operation(op < 0xf0 ? static_cast<uint16_t>(1 + (op & 1)) : static_cast<uint16_t>(op & 0x0f));
    const EthernetAddress sender_mac = choose_mac(sha, raw);
    p.set_sender_hardware_addr(sender_mac);
    p.set_sender_protocol_addr(choose_address(spa, raw));
    p.set_target_hardware_addr(choose_mac(tha, raw2));
    p.set_target_protocol_addr(choose_address(tpa, raw2));
    if ((mangle & 0x10) != 0) arp.resize(mangle % ArpPacket::kLen);  // truncated
    if ((mangle & 0x20) != 0) arp.resize(arp.size() + (mangle & 0x0f), std::byte{0});  // padded

    // Ethernet: to us or broadcast mostly; from the sender's MAC or another.
    const EthernetAddress dst = (eth_dst & 3) == 3 ? choose_mac(eth_dst >> 2, raw) : ((eth_dst & 1) != 0 ? kStackMac : EthernetAddress::broadcast());
    const EthernetAddress src = (eth_src & 3) == 3 ? choose_mac(eth_src >> 2, raw2) : sender_mac;
    return eth_frame(dst, src, 0x0806, arp);
}

}  // namespace tachyon::fuzz

// fuzz_arp: ARP into a Stack with a small cache and pending queue. Records are ARP frames
// (choose_arp_frame: requests, replies, conflicts, probes, broken fields), UDP sends to neighbours
// that must be resolved first (their packets wait in the pending queue), and echo requests from
// neighbours (whose replies need resolving), with the clock advanced between them. Checked at
// every step: the cache and pending bounds, what the cache may hold (never our address, a
// broadcast, multicast or loopback address, or a non-unicast MAC), pending packets only on
// incomplete entries and adding up to the total; at the end every resolution has finished and
// every buffer is back.
//
// Records: [len:2][kind][clock step][...]; kind % 5: 0-1 ARP frame (choose_arp_frame), 2 UDP send
// [where][raw:4][len:2], 3 echo request [who][raw:4][mac][raw:4], 4 raw ARP packet [to us][bytes...].
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace tachyon::fuzz {

std::string fuzz_arp(std::span<const uint8_t> data);

}  // namespace tachyon::fuzz

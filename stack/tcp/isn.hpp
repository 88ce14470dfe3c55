// Initial sequence numbers per RFC 6528 section 3: ISN = M + F(localip, localport, remoteip,
// remoteport, secretkey), M a timer ticking every 4 microseconds (RFC 9293 3.4.1) read from the
// stack's clock, F SipHash-2-4 keyed with a secret drawn once from the stack's seeded generator.
// The other half of the same 64-bit hash gives each connection its timestamp offset (as Linux
// randomizes TSval per connection so that TSval does not reveal the clock): one hash per
// connection, not two. The same keyed hash over a different domain gives each destination its
// ephemeral port offset (RFC 6056 3.3.3).
#pragma once

#include <cstdint>

#include "lib/random.hpp"
#include "lib/seq.hpp"
#include "lib/time.hpp"
#include "stack/tcp/siphash.hpp"
#include "stack/tcp/tcp_types.hpp"

namespace tachyon {

class IsnGenerator {
public:
    explicit IsnGenerator(Random& random) : key_{random.next_u64(), random.next_u64()} {}

    // What a connection on t keeps: F of RFC 6528 and its TSval offset, the halves of one
    // SipHash (a PRF: the halves are independent of each other).
    struct Offsets {
        uint32_t isn;
        uint32_t ts;
    };
    Offsets offsets(const TcpTuple& t) const;
    // ISN = M + F.
    static SeqNum isn(uint32_t isn_offset, Instant now) { return SeqNum(clock_4us(now) + isn_offset); }
    // RFC 6056 3.3.3's F(local IP, remote IP, remote port, secret): where an active open to this
    // destination starts looking for an ephemeral port (t.local_port is ignored).
    uint32_t port_offset(const TcpTuple& t) const;

    // M: the 4 us clock (wraps every ~4.77 hours, as RFC 9293 3.4.1 describes).
    static uint32_t clock_4us(Instant now) { return static_cast<uint32_t>(now.ns() / 4000); }

private:
    uint64_t hash(const TcpTuple& t, uint8_t domain) const;
    SipKey key_;
};

}  // namespace tachyon

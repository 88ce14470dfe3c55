#include "tests/unit/socket/c_test_bed.h"

#include "tests/unit/socket/socket_pair.hpp"

struct tcy_test_bed {
    tachyon::test::SocketPair pair;
};

extern "C" {

tcy_test_bed* tcy_test_bed_create(void) { return new tcy_test_bed(); }

tcy_stack* tcy_test_bed_a(tcy_test_bed* bed) { return tcy_stack_of(bed->pair.a()); }

tcy_stack* tcy_test_bed_b(tcy_test_bed* bed) { return tcy_stack_of(bed->pair.b()); }

void tcy_test_bed_settle(tcy_test_bed* bed) { bed->pair.settle(); }

void tcy_test_bed_advance_ms(tcy_test_bed* bed, long ms) { bed->pair.advance(tachyon::Duration::from_ms(ms)); }

unsigned long tcy_test_bed_buffers_in_use(tcy_test_bed* bed) { return bed->pair.buffers_in_use(); }

void tcy_test_bed_destroy(tcy_test_bed* bed) {
    tcy_detach(tcy_test_bed_a(bed));
    tcy_detach(tcy_test_bed_b(bed));
    delete bed;
}

}  // extern "C"

/* Two Tachyon stacks on a memory link in one thread, on a manual clock, for tests written in C:
 * a blocking call on one stack polls the other and moves time when both are idle
 * (tests/unit/socket/socket_pair.hpp). Host A is 10.0.0.1, host B 10.0.0.2. */
#ifndef TACHYON_C_TEST_BED_H
#define TACHYON_C_TEST_BED_H

#include "stack/socket/tachyon.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tcy_test_bed tcy_test_bed;

tcy_test_bed* tcy_test_bed_create(void);
tcy_stack* tcy_test_bed_a(tcy_test_bed* bed);
tcy_stack* tcy_test_bed_b(tcy_test_bed* bed);
/* Lets both stacks finish their work without moving time. */
void tcy_test_bed_settle(tcy_test_bed* bed);
/* Moves time forward (TIME-WAIT, retransmissions ...). */
void tcy_test_bed_advance_ms(tcy_test_bed* bed, long ms);
/* Packet buffers the two stacks' pools have lent out. */
unsigned long tcy_test_bed_buffers_in_use(tcy_test_bed* bed);
/* Detaches the descriptors of both stacks and destroys them. */
void tcy_test_bed_destroy(tcy_test_bed* bed);

#ifdef __cplusplus
}
#endif

#endif

#include "stack/tcp/time_wait_list.hpp"


namespace tachyon {

void TimeWaitList::push_back(ConnectionTable& table, TcpConnection& c) {
    remove(table, c);
    c.tw_prev = tail_;
    c.tw_next = kNoIndex;
    if (tail_ != kNoIndex) {
        table.slot(tail_).tw_next = c.index;
    } else {
        head_ = c.index;
    }
    tail_ = c.index;
    c.in_time_wait_list = true;
    ++size_;
}

void TimeWaitList::remove(ConnectionTable& table, TcpConnection& c) {
    if (!c.in_time_wait_list) return;
    if (c.tw_prev != kNoIndex) {
        table.slot(c.tw_prev).tw_next = c.tw_next;
    } else {
        head_ = c.tw_next;
    }
    if (c.tw_next != kNoIndex) {
        table.slot(c.tw_next).tw_prev = c.tw_prev;
    } else {
        tail_ = c.tw_prev;
    }
    c.tw_prev = c.tw_next = kNoIndex;
    c.in_time_wait_list = false;
    --size_;
}

}  // namespace tachyon

/* The tcy_* C API, from C: an echo over TCP between two stacks on the memory link (blocking
 * server, non-blocking client with tcy_poll, the server's echo loop on epoll), UDP, options,
 * fcntl and the documented errors. Exit status 0 when every check holds. */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>

#include "stack/socket/tachyon.h"
#include "tests/unit/socket/c_test_bed.h"

static int checks;
static int failures;

#define CHECK(cond)                                                                       \
    do {                                                                                  \
        ++checks;                                                                         \
        if (!(cond)) {                                                                    \
            ++failures;                                                                   \
            fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", __FILE__, __LINE__, \
                    #cond, errno, strerror(errno));                                       \
        }                                                                                 \
    } while (0)

static struct sockaddr_in addr_of(const char* ip, unsigned short port) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    inet_pton(AF_INET, ip, &a.sin_addr);
    return a;
}

static void tcp_echo(tcy_test_bed* bed) {
    tcy_use(tcy_test_bed_b(bed));
    int l = tcy_socket(AF_INET, SOCK_STREAM, 0);
    CHECK(l >= 3);
    int one = 1;
    CHECK(tcy_setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0);
    struct sockaddr_in any = addr_of("0.0.0.0", 7);
    CHECK(tcy_bind(l, (struct sockaddr*)&any, sizeof any) == 0);
    CHECK(tcy_listen(l, 4) == 0);
    int ep = tcy_epoll_create1(0);
    CHECK(ep >= 3);

    tcy_use(tcy_test_bed_a(bed));
    int c = tcy_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    CHECK(c >= 3);
    CHECK((tcy_fcntl(c, F_GETFL) & O_NONBLOCK) != 0);
    struct sockaddr_in server = addr_of("10.0.0.2", 7);
    errno = 0;
    CHECK(tcy_connect(c, (struct sockaddr*)&server, sizeof server) == -1 && errno == EINPROGRESS);
    struct pollfd p = {c, POLLOUT, 0};
    CHECK(tcy_poll(&p, 1, 1000) == 1 && (p.revents & POLLOUT) != 0);
    int err = -1;
    socklen_t len = sizeof err;
    CHECK(tcy_getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0 && len == sizeof err);

    struct sockaddr_in peer;
    socklen_t peer_len = sizeof peer;
    int s = tcy_accept(l, (struct sockaddr*)&peer, &peer_len);
    CHECK(s >= 3);
    CHECK(peer_len == sizeof peer && peer.sin_addr.s_addr == inet_addr("10.0.0.1"));
    struct sockaddr_in name;
    socklen_t name_len = sizeof name;
    CHECK(tcy_getpeername(c, (struct sockaddr*)&name, &name_len) == 0 && name.sin_port == htons(7));
    CHECK((tcy_fcntl(s, F_GETFL) & O_NONBLOCK) == 0);  /* accepted sockets block */

    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.u64 = 42;
    CHECK(tcy_epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev) == 0);
    errno = 0;
    CHECK(tcy_epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev) == -1 && errno == EEXIST);

    /* Three round trips: the client sends, the server's epoll loop echoes. */
    for (int round = 0; round < 3; ++round) {
        char msg[32];
        snprintf(msg, sizeof msg, "ping %d", round);
        CHECK(tcy_send(c, msg, strlen(msg), 0) == (ssize_t)strlen(msg));
        struct epoll_event out[4];
        CHECK(tcy_epoll_wait(ep, out, 4, 1000) == 1 && out[0].data.u64 == 42 && (out[0].events & EPOLLIN) != 0);
        char buf[64];
        ssize_t n = tcy_recv(s, buf, sizeof buf, 0);
        CHECK(n == (ssize_t)strlen(msg) && memcmp(buf, msg, (size_t)n) == 0);
        CHECK(tcy_send(s, buf, (size_t)n, 0) == n);
        struct pollfd q = {c, POLLIN, 0};
        CHECK(tcy_poll(&q, 1, 1000) == 1 && (q.revents & POLLIN) != 0);
        char back[64];
        CHECK(tcy_recv(c, back, sizeof back, 0) == n && memcmp(back, msg, (size_t)n) == 0);
    }
    char none[8];
    errno = 0;
    CHECK(tcy_recv(c, none, sizeof none, 0) == -1 && errno == EAGAIN);
    CHECK(tcy_recv(c, none, sizeof none, MSG_DONTWAIT) == -1 && errno == EAGAIN);

    /* Options through the raw interface. */
    CHECK(tcy_setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0);
    int v = 0;
    len = sizeof v;
    CHECK(tcy_getsockopt(c, IPPROTO_TCP, TCP_NODELAY, &v, &len) == 0 && v == 1);
    struct tcp_info info;
    len = sizeof info;
    CHECK(tcy_getsockopt(c, IPPROTO_TCP, TCP_INFO, &info, &len) == 0 && info.tcpi_state == 1 /* ESTABLISHED */);
    struct linger lg = {1, 0};
    CHECK(tcy_setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) == 0);
    errno = 0;
    CHECK(tcy_setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, 2) == -1 && errno == EINVAL);

    /* Orderly close from the client: the server sees EPOLLRDHUP and reads 0. */
    CHECK(tcy_shutdown(c, SHUT_WR) == 0);
    struct epoll_event out[4];
    CHECK(tcy_epoll_wait(ep, out, 4, 1000) == 1 && (out[0].events & EPOLLRDHUP) != 0);
    char buf[8];
    CHECK(tcy_recv(s, buf, sizeof buf, 0) == 0);
    /* SO_LINGER {1, 0}: the server's close aborts; the client reads ECONNRESET once. */
    CHECK(tcy_close(s) == 0);
    tcy_test_bed_settle(bed);
    errno = 0;
    CHECK(tcy_recv(c, buf, sizeof buf, 0) == -1 && errno == ECONNRESET);
    CHECK(tcy_recv(c, buf, sizeof buf, 0) == 0);
    errno = 0;
    CHECK(tcy_send(c, "x", 1, 0) == -1 && errno == EPIPE);
    CHECK(tcy_close(c) == 0);
    CHECK(tcy_close(ep) == 0);
    CHECK(tcy_close(l) == 0);
}

static void udp(tcy_test_bed* bed) {
    tcy_use(tcy_test_bed_b(bed));
    int u1 = tcy_socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in b = addr_of("10.0.0.2", 0);
    CHECK(tcy_bind(u1, (struct sockaddr*)&b, sizeof b) == 0);
    struct sockaddr_in bound;
    socklen_t len = sizeof bound;
    CHECK(tcy_getsockname(u1, (struct sockaddr*)&bound, &len) == 0 && bound.sin_port != 0);

    tcy_use(tcy_test_bed_a(bed));
    int u2 = tcy_socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
    errno = 0;
    CHECK(tcy_send(u2, "x", 1, 0) == -1 && errno == EDESTADDRREQ);
    CHECK(tcy_sendto(u2, "datagram", 8, 0, (struct sockaddr*)&bound, sizeof bound) == 8);
    char buf[32];
    struct sockaddr_in from;
    socklen_t from_len = sizeof from;
    ssize_t n = tcy_recvfrom(u1, buf, sizeof buf, 0, (struct sockaddr*)&from, &from_len);
    CHECK(n == 8 && memcmp(buf, "datagram", 8) == 0);
    CHECK(from_len == sizeof from && from.sin_addr.s_addr == inet_addr("10.0.0.1"));
    CHECK(tcy_fcntl(u1, F_SETFL, O_NONBLOCK) == 0);
    errno = 0;
    CHECK(tcy_recvfrom(u1, buf, sizeof buf, 0, NULL, NULL) == -1 && errno == EAGAIN);
    errno = 0;
    CHECK(tcy_listen(u1, 1) == -1 && errno == EOPNOTSUPP);
    CHECK(tcy_close(u1) == 0);
    CHECK(tcy_close(u2) == 0);
}

static void errors(tcy_test_bed* bed) {
    tcy_use(tcy_test_bed_a(bed));
    char buf[4];
    errno = 0;
    CHECK(tcy_recv(999, buf, sizeof buf, 0) == -1 && errno == EBADF);
    errno = 0;
    CHECK(tcy_close(2) == -1 && errno == EBADF);
    errno = 0;
    CHECK(tcy_socket(AF_UNIX, SOCK_STREAM, 0) == -1 && errno == EAFNOSUPPORT);
    errno = 0;
    CHECK(tcy_socket(AF_INET, SOCK_SEQPACKET, 0) == -1 && errno == ESOCKTNOSUPPORT);
    errno = 0;
    CHECK(tcy_socket(AF_INET, SOCK_STREAM, IPPROTO_UDP) == -1 && errno == EPROTONOSUPPORT);
    int s = tcy_socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in name;
    socklen_t len = sizeof name;
    errno = 0;
    CHECK(tcy_getpeername(s, (struct sockaddr*)&name, &len) == -1 && errno == ENOTCONN);
    struct sockaddr_in6 six;
    memset(&six, 0, sizeof six);
    six.sin6_family = AF_INET6;
    errno = 0;
    CHECK(tcy_bind(s, (struct sockaddr*)&six, sizeof six) == -1 && errno == EAFNOSUPPORT);
    struct sockaddr_in closed = addr_of("10.0.0.2", 9);
    errno = 0;
    CHECK(tcy_connect(s, (struct sockaddr*)&closed, sizeof closed) == -1 && errno == ECONNREFUSED);
    errno = 0;
    CHECK(tcy_connect(s, (struct sockaddr*)&closed, 4) == -1 && errno == EINVAL);
    int ep = tcy_epoll_create1(0);
    errno = 0;
    CHECK(tcy_epoll_ctl(ep, EPOLL_CTL_DEL, s, NULL) == -1 && errno == ENOENT);
    struct epoll_event out[1];
    errno = 0;
    CHECK(tcy_epoll_wait(ep, out, 0, 0) == -1 && errno == EINVAL);
    CHECK(tcy_epoll_wait(ep, out, 1, 0) == 0);
    errno = 0;
    CHECK(tcy_epoll_ctl(ep, EPOLL_CTL_ADD, ep, NULL) == -1 && errno == EINVAL);
    struct pollfd p[2] = {{s, POLLIN | POLLOUT, 0}, {777, POLLIN, 0}};
    CHECK(tcy_poll(p, 2, 0) == 2 && (p[0].revents & POLLHUP) != 0 && p[1].revents == POLLNVAL);
    CHECK(tcy_close(ep) == 0);
    CHECK(tcy_close(s) == 0);
    tcy_use(NULL);
    errno = 0;
    CHECK(tcy_socket(AF_INET, SOCK_STREAM, 0) == -1 && errno == ENETDOWN);
}

int main(void) {
    tcy_test_bed* bed = tcy_test_bed_create();
    tcp_echo(bed);
    udp(bed);
    errors(bed);
    tcy_test_bed_advance_ms(bed, 200 * 1000); /* TIME-WAIT and the rest end */
    CHECK(tcy_test_bed_buffers_in_use(bed) == 0);
    tcy_test_bed_destroy(bed);
    printf("c_api_test: %d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
